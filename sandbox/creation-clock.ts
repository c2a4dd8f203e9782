/**
 * Stamps the creation of every session (payouts and foreign ones) strictly later than the previous one,
 * so "newest first" is one exact order even when two sessions are created within the same millisecond.
 * It never runs ahead of the wall clock by more than the number of same-millisecond creations.
 */
export class CreationClock {
  private last = 0;

  constructor(private readonly now: () => number = Date.now) {}

  stamp(): number {
    this.last = Math.max(this.now(), this.last + 1);
    return this.last;
  }

  /** Takes in a creation time from elsewhere (payouts restored from the state file). */
  observe(epochMs: number): void {
    if (Number.isFinite(epochMs)) this.last = Math.max(this.last, epochMs);
  }
}
