import { FintectureRateLimitedError } from './fintecture/errors';

/** Without `Retry-After`, how long a 429 holds this worker's reads. */
export const DEFAULT_READ_BACKOFF_MS = 30_000;

/**
 * A 429 slows this worker's reads down: until its `Retry-After` (or 30 s) has passed, a read is not sent but
 * fails as rate limited with the time left, and Temporal retries it then. The server-held budget
 * (`FINTECTURE_MAX_READS_PER_SECOND`) bounds every worker together; this keeps a worker Fintecture has just
 * refused from insisting. Creates and cancels do not pass through it.
 */
export class ReadBackoff {
  private pausedUntil = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Runs `read` unless a 429 asked for a pause; a 429 it meets starts one. */
  async read<T>(read: () => Promise<T>): Promise<T> {
    const waitMs = this.pausedUntil - this.now();
    if (waitMs > 0) {
      throw new FintectureRateLimitedError(
        { operation: 'fetch', httpStatus: 429, code: 'held_back' },
        waitMs,
      );
    }
    try {
      return await read();
    } catch (error) {
      if (error instanceof FintectureRateLimitedError) {
        const until = this.now() + (error.retryDelayMs ?? DEFAULT_READ_BACKOFF_MS);
        this.pausedUntil = Math.max(this.pausedUntil, until);
      }
      throw error;
    }
  }
}
