import { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ORDER_ID_PATTERN, parsePayoutRequest } from '../../domain/payout-request';
import { hasValidBearerKey } from './api-key';
import { type IngressContext } from './server';
import { orderConflictAnswer, startAnswer, statusAnswer } from '../payouts/payout-answers';
import { OrderConflictError, type StartPayoutResult } from '../payouts/payout-service';

/** `requestedBy` lands in the timeline and logs: a role or system name, never a person's address. */
export const CancelBodySchema = z
  .strictObject({
    requestedBy: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 letters, digits or ._:- (a role or system name)')
      .optional(),
  })
  .optional();

const invalidOrderId = {
  error: 'invalid_request',
  fields: [{ path: 'orderId', message: 'is not a valid order ID' }],
};

/** The order system's routes (bearer API key): start, look up, cancel. */
export function registerOrderRoutes(app: FastifyInstance, context: IngressContext): void {
  const { payouts, logger, metrics } = context;

  void app.register(async (scope) => {
    // The order API speaks JSON only.
    scope.removeContentTypeParser('text/plain');
    // onRequest: a caller without the key is turned away before its body is even read.
    scope.addHook('onRequest', async (request, reply) => {
      if (hasValidBearerKey(request.headers.authorization, context.config.apiKey)) return;
      logger.warn('unauthorized', { requestId: request.id, route: request.routeOptions.url ?? null });
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
    });

    scope.post('/payouts', async (request, reply) => {
      const parsed = parsePayoutRequest(request.body);
      if (!parsed.ok) {
        return reply.code(400).send({ error: 'invalid_request', fields: parsed.issues });
      }
      let started: StartPayoutResult;
      try {
        started = await payouts.startPayout(parsed.request);
      } catch (error) {
        if (!(error instanceof OrderConflictError)) throw error;
        // Paths only: the differing values may be personal data.
        metrics.payoutsStarted.inc({ result: 'conflict' });
        logger.warn('payout_conflict', {
          requestId: request.id,
          orderId: error.orderId,
          workflowId: error.workflowId,
          fields: error.fields.join(','),
        });
        return reply.code(409).send(orderConflictAnswer(error.fields));
      }
      const { created, pending, status, requestCheck } = started;
      if (requestCheck === 'not_recorded' || requestCheck === 'unknown_key') {
        // Started before requests were fingerprinted (or with a key no longer configured): answered as
        // before, without comparing.
        logger.warn('payout_request_not_compared', {
          requestId: request.id,
          orderId: status.orderId,
          workflowId: status.workflowId,
          reason: requestCheck,
        });
      }
      const result = pending ? 'pending' : created ? 'created' : 'existing';
      metrics.payoutsStarted.inc({ result });
      logger.info('payout_start', {
        requestId: request.id,
        orderId: status.orderId,
        workflowId: status.workflowId,
        scenario: status.scenario,
        result,
      });
      return reply.code(pending ? 202 : created ? 201 : 200).send(startAnswer(status));
    });

    scope.get<{ Params: { orderId: string } }>('/payouts/:orderId', async (request, reply) => {
      const { orderId } = request.params;
      if (!ORDER_ID_PATTERN.test(orderId)) return reply.code(400).send(invalidOrderId);
      const view = await payouts.getPayout(orderId);
      if (!view) return reply.code(404).send({ error: 'not_found', message: 'This order has no payout.' });
      return reply.send(statusAnswer(view));
    });

    scope.post<{ Params: { orderId: string } }>('/payouts/:orderId/cancel', async (request, reply) => {
      const { orderId } = request.params;
      if (!ORDER_ID_PATTERN.test(orderId)) return reply.code(400).send(invalidOrderId);
      const body = CancelBodySchema.safeParse(request.body ?? undefined);
      if (!body.success) {
        return reply.code(400).send({
          error: 'invalid_request',
          fields: body.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
        });
      }
      const requestedBy = body.data?.requestedBy ?? 'order-api';
      const answer = await payouts.cancelPayout(orderId, requestedBy);
      logger.info('payout_cancel', { requestId: request.id, orderId, requestedBy, answer: answer.kind });
      switch (answer.kind) {
        case 'not_found':
          return reply.code(404).send({ error: 'not_found', message: 'This order has no payout.' });
        case 'refused':
          return reply.code(409).send({ error: 'not_cancellable', message: answer.message });
        case 'answered': {
          const { cancelled, message, status } = answer.result;
          const payload = { cancelled, message, status: statusAnswer(status) };
          return cancelled
            ? reply.send(payload)
            : reply.code(409).send({ error: 'not_cancellable', ...payload });
        }
      }
    });
  });
}
