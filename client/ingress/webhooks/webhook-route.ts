import { type FastifyInstance } from 'fastify';
import { type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SESSION_ID_PATTERN } from '../../../domain/identifiers';
import { type PayoutEvent } from '../../../workflows/messages';
import { orderIdFromState } from '../../../domain/identifiers';
import { codeOrUndefined } from '../event-fields';
import { ANSWER_SCHEMAS, errorAnswer, LIMITED_ROUTE_ANSWERS, RETRY_AFTER } from '../openapi';
import { type IngressContext } from '../server';
import { errorFields } from '../../logger';
import { type SignalOutcome } from '../../payouts/payout-service';
import { TemporalUnavailableError } from '../../payouts/temporal-errors';
import {
  headersFromRawHeaders,
  verifyFintectureWebhook,
  WebhookVerificationError,
  type VerifiedWebhook,
} from './webhook-verification';

export const WEBHOOK_BODY_LIMIT_BYTES = 64 * 1024;

const { WebhookAnswer, InvalidSignature, TemporarilyUnavailable } = ANSWER_SCHEMAS;

/**
 * The body as it arrived: a schema that accepts anything and returns it untouched (the same Buffer; `null`
 * when there is none), so the signature is verified over the raw bytes. It is there for the document.
 */
const RawBody = z.custom<Buffer | null>().meta({
  type: 'string',
  description: "Fintecture's form fields (`session_id`, `status`, `transfer_state`, `state`, …), as signed",
});

type WebhookOutcome = SignalOutcome | 'ignored';

/**
 * `POST /webhooks/fintecture`: verify on the raw body, then signal the payout's workflow, and answer 2xx only
 * once Temporal holds the signal (G3). A forged webhook touches nothing; a verified one only prompts a read (G4).
 */
export function registerWebhookRoute(app: FastifyInstance, context: IngressContext): void {
  const { payouts, logger, metrics, recentEvents, clock } = context;
  /** Concurrent deliveries of one event share one signal. */
  const inFlight = new Map<string, Promise<WebhookOutcome>>();

  async function forward(webhook: VerifiedWebhook): Promise<WebhookOutcome> {
    const { fields, requestId, eventId } = webhook;
    const orderId = orderIdFromState(fields.state);
    const sessionId =
      fields.session_id && SESSION_ID_PATTERN.test(fields.session_id) ? fields.session_id : null;
    const logFields = {
      eventId,
      requestId,
      orderId,
      sessionId,
      webhookEvent: codeOrUndefined(fields.event?.replace(/\./g, '_')) ?? null,
    };
    if (!orderId || !sessionId) {
      // Verified, but not about one of our payouts (another product of the same application?).
      logger.warn('webhook_ignored', { ...logFields, why: orderId ? 'no_session_id' : 'state_not_ours' });
      return 'ignored';
    }
    const event: PayoutEvent = {
      source: 'webhook',
      sessionId,
      eventId,
      receivedAt: clock().toISOString(),
    };
    const status = codeOrUndefined(fields.status);
    const transferState = codeOrUndefined(fields.transfer_state);
    if (status) event.status = status;
    if (transferState) event.transferState = transferState;

    const outcome = await payouts.signalEvent(event, orderId);
    metrics.signals.inc({ source: 'webhook', outcome });
    const level = outcome === 'signalled' ? 'info' : 'warn';
    logger[level](`webhook_${outcome}`, {
      ...logFields,
      status: status ?? null,
      transferState: transferState ?? null,
    });
    return outcome;
  }

  void app.register(async (scope) => {
    // The digest covers the bytes as sent: keep them, whatever the content type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    const schema = {
      tags: ['fintecture'],
      operationId: 'fintectureWebhook',
      summary: "Fintecture's webhook (verified on the raw body)",
      description:
        'Verified with the `Digest` and `Signature` headers (RSA-OAEP). `200` only once Temporal holds ' +
        'the signal; a repeated event is acknowledged without a second signal.',
      consumes: ['application/x-www-form-urlencoded'],
      body: RawBody,
      response: {
        200: WebhookAnswer.describe('Acknowledged.'),
        401: InvalidSignature.describe('Signature verification failed.'),
        413: errorAnswer('payload_too_large').describe('The body is over 64 KiB.'),
        ...LIMITED_ROUTE_ANSWERS,
        503: TemporarilyUnavailable.meta({
          description: 'Temporal is unreachable: not acknowledged, Fintecture retries.',
          headers: RETRY_AFTER,
        }),
      },
    };
    const route = { schema, bodyLimit: WEBHOOK_BODY_LIMIT_BYTES };
    scope.withTypeProvider<ZodTypeProvider>().post('/webhooks/fintecture', route, async (request, reply) => {
      let webhook: VerifiedWebhook;
      try {
        webhook = verifyFintectureWebhook({
          rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
          headers: headersFromRawHeaders(request.raw.rawHeaders),
          // The request line as it reached us: `(request-target)` covers it byte for byte. A proxy that
          // rewrites the path in front of the ingress makes such webhooks fail (closed).
          request: { method: request.raw.method ?? '', target: request.raw.url ?? '' },
          appId: context.config.webhook.appId,
          privateKey: context.config.webhook.privateKey.reveal(),
          maxAgeSeconds: context.config.webhook.maxAgeSeconds,
          futureToleranceSeconds: context.config.webhook.dateToleranceSeconds,
          now: clock(),
        });
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
        metrics.webhooks.inc({ result: error.reason });
        logger.warn('webhook_rejected', { requestId: request.id, reason: error.reason });
        return reply.code(401).send({ error: 'invalid_signature', reason: error.reason });
      }
      metrics.webhooks.inc({ result: 'verified' });

      // Retries of one delivery share the event ID (X-Request-ID, or the signed Date + Digest without
      // one): acknowledged again, not signalled again. Freshness is not the guard here, this is (§7).
      const { eventId, requestId } = webhook;
      if (recentEvents.has(eventId)) {
        metrics.signals.inc({ source: 'webhook', outcome: 'duplicate' });
        logger.info('webhook_duplicate', { eventId, requestId });
        return reply.send({ received: true, outcome: 'duplicate' });
      }
      let pending = inFlight.get(eventId);
      if (!pending) {
        pending = forward(webhook).finally(() => inFlight.delete(eventId));
        inFlight.set(eventId, pending);
      }
      try {
        const outcome = await pending;
        recentEvents.remember(eventId);
        return reply.send({ received: true, outcome });
      } catch (error) {
        if (error instanceof TemporalUnavailableError) {
          metrics.signals.inc({ source: 'webhook', outcome: 'unavailable' });
          logger.warn('webhook_not_acknowledged', { eventId, requestId, ...errorFields(error) });
          // Not acknowledged: Fintecture retries, and the event is not lost (G3).
          return reply.code(503).header('retry-after', '5').send({ error: 'temporarily_unavailable' });
        }
        throw error;
      }
    });
  });
}
