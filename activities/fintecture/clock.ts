/** Wall-clock time, injected so token expiry and the signed `Date` header can be tested without sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
