import { Counter, type Registry } from 'prom-client';

/**
 * Per-source token buckets for the public routes: each source (the client IP, by default) holds up to `burst`
 * tokens, refilled at `perMinute` a minute; a request takes one, and with none left it is answered 429.
 * No dependency, no timers: buckets refill lazily from an injected clock, and at most `maxSources` are kept.
 */

export interface RateLimitSettings {
  /** Sustained rate, tokens a minute. */
  readonly perMinute: number;
  /** Bucket size: how many requests may arrive at once. */
  readonly burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = Object.freeze({ perMinute: 600, burst: 60 });

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly tokensPerMs: number;

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly nowMs: () => number = Date.now,
    private readonly maxSources = 10_000,
  ) {
    if (!(settings.perMinute > 0) || !(settings.burst >= 1)) {
      throw new RangeError('rate limit: perMinute must be > 0 and burst >= 1');
    }
    this.tokensPerMs = settings.perMinute / 60_000;
  }

  take(key: string): RateLimitDecision {
    const now = this.nowMs();
    const previous = this.buckets.get(key);
    const elapsed = previous ? Math.max(0, now - previous.updatedAtMs) : 0;
    const tokens = previous
      ? Math.min(this.settings.burst, previous.tokens + elapsed * this.tokensPerMs)
      : this.settings.burst;
    // Re-insert so the Map's order is least recently seen first: the first key is the one to forget.
    this.buckets.delete(key);
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, updatedAtMs: now });
      this.forgetOldest();
      return { allowed: true };
    }
    this.buckets.set(key, { tokens, updatedAtMs: now });
    this.forgetOldest();
    const waitMs = (1 - tokens) / this.tokensPerMs;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** How many sources are remembered (bounded by `maxSources`). */
  get size(): number {
    return this.buckets.size;
  }

  private forgetOldest(): void {
    while (this.buckets.size > this.maxSources) {
      const oldest = this.buckets.keys().next();
      if (oldest.done) return;
      this.buckets.delete(oldest.value);
    }
  }
}

export function createRateLimitCounter(registry: Registry): Counter<'route'> {
  return new Counter({
    name: 'payout_ingress_rate_limited_total',
    help: 'Requests answered 429 by the per-source rate limit, by route',
    labelNames: ['route'],
    registers: [registry],
  });
}
