import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { type Registry } from 'prom-client';
import { DEFAULT_MERCHANT_DISPLAY_NAME, type IngressConfig } from '../config';
import { errorFields, type Logger } from '../logger';
import { createIngressMetrics, type IngressMetrics } from './metrics';
import { registerOrderRoutes } from './order-routes';
import { HEALTH_ROUTE_SCHEMA, METRICS_ROUTE_SCHEMA, registerApiDocs } from './openapi';
import { registerReturnRoutes } from './return-page/return-routes';
import { registerWebhookRoute } from './webhooks/webhook-route';
import { type PayoutService } from '../payouts/payout-service';
import {
  DEFAULT_RATE_LIMIT,
  registerRateLimit,
  TooManyRequestsError,
  type RateLimitSettings,
} from './rate-limiting';
import { RecentEventIds } from './webhooks/recent-event-ids';
import { TemporalUnavailableError } from '../payouts/temporal-errors';

/**
 * The thin HTTP edge (DESIGN.md §4): the order API, Fintecture's webhooks, the payee's redirect, health and
 * metrics. Stateless apart from a bounded memory of acknowledged event IDs; every decision is Temporal's.
 */

export interface IngressDependencies {
  payouts: PayoutService;
  config: Pick<IngressConfig, 'apiKey' | 'webhook'> &
    Partial<Pick<IngressConfig, 'rateLimit' | 'merchantDisplayName'>>;
  logger: Logger;
  registry: Registry;
  /** Per-source rate limit; overrides `config.rateLimit` (default 600 a minute, burst 60). */
  rateLimit?: RateLimitOptions;
  clock?: () => Date;
  /** How many acknowledged webhook/redirect event IDs to remember (default 10 000). */
  recentEventCapacity?: number;
  /** How often the return page asks for progress (default 2 s). */
  returnPagePollMs?: number;
}

export interface RateLimitOptions extends Partial<RateLimitSettings> {
  /** Which source a request counts against (default: the socket's remote address). */
  key?: (request: FastifyRequest) => string;
}

/** Not rate limited: probes and scrapers. */
const UNLIMITED_PATHS = new Set(['/healthz', '/metrics']);

/** Shared by the route modules. */
export interface IngressContext {
  payouts: PayoutService;
  config: Pick<IngressConfig, 'apiKey' | 'webhook'>;
  logger: Logger;
  metrics: IngressMetrics;
  clock: () => Date;
  recentEvents: RecentEventIds;
  returnPagePollMs: number;
  /** Shown on the payee's return page. */
  merchantDisplayName: string;
}

/** Order bodies are small; anything bigger is a mistake or an attack. */
export const ORDER_BODY_LIMIT_BYTES = 16 * 1024;

export function buildIngress(deps: IngressDependencies): FastifyInstance {
  const context: IngressContext = {
    payouts: deps.payouts,
    config: deps.config,
    logger: deps.logger,
    metrics: createIngressMetrics(deps.registry),
    clock: deps.clock ?? (() => new Date()),
    recentEvents: new RecentEventIds(deps.recentEventCapacity ?? 10_000),
    returnPagePollMs: deps.returnPagePollMs ?? 2_000,
    merchantDisplayName: deps.config.merchantDisplayName ?? DEFAULT_MERCHANT_DISPLAY_NAME,
  };
  const app = Fastify({
    // Our own lines (pino behind client/logger.ts), with IDs only: Fastify's would add a request line
    // beside our http_request line and a 'Server listening' one.
    logger: false,
    bodyLimit: ORDER_BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  });
  // Routes validate requests and serialise answers with the zod schemas they declare, which also make the
  // OpenAPI document: registered first, @fastify/swagger sees every route declared after it.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerApiDocs(app);

  registerRateLimit(app, {
    settings: { ...DEFAULT_RATE_LIMIT, ...deps.config.rateLimit, ...definedOnly(deps.rateLimit) },
    sourceOf: deps.rateLimit?.key ?? ((request: FastifyRequest) => request.socket.remoteAddress ?? 'unknown'),
    exemptPaths: UNLIMITED_PATHS,
    registry: deps.registry,
    logger: context.logger,
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const statusCode = reply.statusCode;
    context.metrics.requestDuration.observe(
      { method: request.method, route, status_code: String(statusCode) },
      reply.elapsedTime / 1000,
    );
    if (route === '/healthz' || route === '/metrics') return;
    context.logger.info('http_request', {
      requestId: request.id,
      method: request.method,
      route,
      statusCode,
      durationMs: Math.round(reply.elapsedTime),
    });
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof TooManyRequestsError) {
      // Retry-After is already set by the limiter.
      return reply.code(429).send({ error: 'too_many_requests', retryAfterSeconds: error.retryAfterSeconds });
    }
    if (error instanceof TemporalUnavailableError) {
      context.logger.warn('temporal_unavailable', { requestId: request.id, ...errorFields(error) });
      return reply.code(503).header('retry-after', '5').send({ error: 'temporarily_unavailable' });
    }
    const status = error.statusCode ?? 500;
    if (status === 413) return reply.code(413).send({ error: 'payload_too_large' });
    if (status === 415) return reply.code(415).send({ error: 'unsupported_media_type' });
    if (status >= 400 && status < 500) {
      const malformed = error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError;
      return reply.code(status).send({ error: malformed ? 'malformed_json' : 'bad_request' });
    }
    context.logger.error('request_failed', { requestId: request.id, ...errorFields(error) });
    // Never a stack trace or an internal message in an answer.
    return reply.code(500).send({ error: 'internal_error' });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found' }));

  // In a plugin, like every route: declared once @fastify/swagger is there to document them.
  void app.register(async (platform) => {
    platform.get('/healthz', { schema: HEALTH_ROUTE_SCHEMA }, async (_request, reply) => {
      const reachable = await context.payouts.isTemporalReachable();
      return reply.code(reachable ? 200 : 503).send({
        status: reachable ? 'ok' : 'unavailable',
        temporal: reachable ? 'reachable' : 'unreachable',
      });
    });
    platform.get('/metrics', { schema: METRICS_ROUTE_SCHEMA }, async (_request, reply) =>
      reply.header('content-type', deps.registry.contentType).send(await deps.registry.metrics()),
    );
  });

  registerReturnRoutes(app, context);
  registerOrderRoutes(app, context);
  registerWebhookRoute(app, context);
  return app;
}

function definedOnly(options: RateLimitOptions | undefined): Partial<RateLimitSettings> {
  const settings: { perMinute?: number; burst?: number } = {};
  if (options?.perMinute !== undefined) settings.perMinute = options.perMinute;
  if (options?.burst !== undefined) settings.burst = options.burst;
  return settings;
}
