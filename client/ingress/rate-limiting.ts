import fastifyRateLimit from '@fastify/rate-limit';
import { type FastifyInstance, type FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { type Logger } from '../logger';

/**
 * The per-source rate limit of the public routes, by @fastify/rate-limit (in-memory store, at most
 * `MAX_SOURCES` sources remembered). Every request counts against its source (the client IP, by default)
 * except the probes and scrapers; beyond the limit it is answered 429 with `Retry-After`.
 */

export interface RateLimitSettings {
  /** Sustained rate, requests a minute. */
  readonly perMinute: number;
  /** How many requests may arrive at once. */
  readonly burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = Object.freeze({ perMinute: 600, burst: 60 });

const MAX_SOURCES = 10_000;

/**
 * The library counts in fixed windows: `burst` requests per window, the window sized so that the sustained
 * rate stays `perMinute` (600 a minute with a burst of 60: 60 requests per 6 s window).
 */
export function fixedWindowOf(settings: RateLimitSettings): { max: number; timeWindowMs: number } {
  if (!(settings.perMinute > 0) || !(settings.burst >= 1)) {
    throw new RangeError('rate limit: perMinute must be > 0 and burst >= 1');
  }
  const max = Math.floor(settings.burst);
  return { max, timeWindowMs: Math.max(1, Math.round((max * 60_000) / settings.perMinute)) };
}

/** Thrown by the limiter; the ingress error handler answers it (status, body). */
export class TooManyRequestsError extends Error {
  readonly statusCode = 429;
  constructor(readonly retryAfterSeconds: number) {
    super('too many requests');
    this.name = 'TooManyRequestsError';
  }
}

export interface RateLimitRegistration {
  settings: RateLimitSettings;
  /** Which source a request counts against. */
  sourceOf: (request: FastifyRequest) => string;
  /** Paths never limited (matched without the query string). */
  exemptPaths: ReadonlySet<string>;
  registry: Registry;
  logger: Logger;
}

export function registerRateLimit(app: FastifyInstance, options: RateLimitRegistration): void {
  const { max, timeWindowMs } = fixedWindowOf(options.settings);
  const rateLimited = createRateLimitCounter(options.registry);
  void app.register(fastifyRateLimit, {
    // No hook per route: the one root hook below covers every request, unmatched URLs (404s) included.
    global: false,
    max,
    timeWindow: timeWindowMs,
    cache: MAX_SOURCES,
    keyGenerator: options.sourceOf,
    // Only `Retry-After`, on refusals: no X-RateLimit-* headers on every answer.
    addHeadersOnExceeding: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
    },
    addHeaders: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
      'retry-after': true,
    },
    onExceeded: (request) => {
      const route = request.routeOptions.url ?? 'unmatched';
      rateLimited.inc({ route });
      options.logger.warn('rate_limited', { requestId: request.id, route });
    },
    // The same rounding as the library's Retry-After header.
    errorResponseBuilder: (_request, context) =>
      new TooManyRequestsError(Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  // `register` is deferred: `app.rateLimit` exists once the plugin has loaded, before any request.
  app.after(() => {
    const limit = app.rateLimit();
    app.addHook('onRequest', async (request, reply) => {
      if (options.exemptPaths.has(request.url.split('?', 1)[0] ?? '')) return;
      await limit.call(app, request, reply);
    });
  });
}

function createRateLimitCounter(registry: Registry): Counter<'route'> {
  return new Counter({
    name: 'payout_ingress_rate_limited_total',
    help: 'Requests answered 429 by the per-source rate limit, by route',
    labelNames: ['route'],
    registers: [registry],
  });
}
