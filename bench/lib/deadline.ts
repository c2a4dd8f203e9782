import { setMaxListeners } from 'node:events';

/**
 * Bounded waiting: every loop in the bench has a count limit and a deadline, so a stuck run fails with a
 * message naming the phase instead of hanging.
 */

export class BenchTimeoutError extends Error {
  constructor(what: string, ms: number, progress?: string) {
    super(
      `bench: ${what} did not finish within ${Math.round(ms / 1000)} s${progress ? ` (${progress})` : ''}`,
    );
    this.name = 'BenchTimeoutError';
  }
}

/** A deadline shared by one phase: `signal` aborts when it passes, `check()` throws once it has. */
export class Deadline {
  readonly at: number;
  readonly signal: AbortSignal;
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly what: string,
    readonly ms: number,
    private readonly progress: () => string = () => '',
  ) {
    this.at = Date.now() + ms;
    this.signal = this.#controller.signal;
    // Every request of the phase listens to this one signal.
    setMaxListeners(0, this.signal);
    this.#timer = setTimeout(() => this.#controller.abort(this.error()), ms);
    this.#timer.unref();
  }

  error(): BenchTimeoutError {
    return new BenchTimeoutError(this.what, this.ms, this.progress());
  }

  get expired(): boolean {
    return Date.now() >= this.at;
  }

  check(): void {
    if (this.expired) throw this.error();
  }

  /** Races `promise` against the deadline. */
  async race<T>(promise: Promise<T>): Promise<T> {
    if (this.signal.aborted) throw this.error();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(this.error());
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([promise, aborted]);
    } finally {
      if (onAbort) this.signal.removeEventListener('abort', onAbort);
    }
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }
}

/** Runs `body` under a fresh deadline and always disposes of it. */
export async function withDeadline<T>(
  what: string,
  ms: number,
  body: (deadline: Deadline) => Promise<T>,
  progress?: () => string,
): Promise<T> {
  const deadline = new Deadline(what, ms, progress);
  try {
    return await deadline.race(body(deadline));
  } finally {
    deadline.dispose();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `task` over `items`, at most `limit` at a time (results in order). Stops taking new items once the
 * deadline has passed and then throws its error.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  deadline: Deadline,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    for (let index = next++; index < items.length; index = next++) {
      deadline.check();
      results[index] = await task(items[index]!, index);
    }
  });
  await deadline.race(Promise.all(lanes));
  return results;
}

/** Polls `probe` until `accept` holds: at most `attempts` times and until the deadline; returns the last value. */
export async function pollUntil<T>(
  deadline: Deadline,
  options: { intervalMs: number; attempts: number },
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const value = await deadline.race(probe());
    if (accept(value) || attempt >= options.attempts) return value;
    deadline.check();
    await sleep(options.intervalMs);
  }
}
