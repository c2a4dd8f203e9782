import { type FastifyInstance, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  type ZodFastifySchemaValidationError,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { REQUESTED_BY_PATTERN, REQUESTED_BY_RULE } from '../../domain/identifiers';
import { type FieldIssue } from '../../domain/payout-request';
import { ORDER_ID_PATTERN } from '../../domain/identifiers';
import { hasValidBearerKey } from './api-key';
import {
  ANSWER_SCHEMAS,
  JSON_BODY_ANSWERS,
  LIMITED_ROUTE_ANSWERS,
  PayoutRequestBody,
  TEMPORAL_DOWN_ANSWER,
  UNAUTHORIZED_ANSWER,
} from './openapi';
import { type IngressContext } from './server';
import { orderConflictAnswer, startAnswer, statusAnswer } from '../payouts/payout-answers';
import { OrderConflictError, type StartPayoutResult } from '../payouts/payout-service';

const { StartAnswer, StatusAnswer, CancelAnswer, NotCancellable, InvalidRequest, BadRequest } =
  ANSWER_SCHEMAS;
const { OrderConflict, NotFound } = ANSWER_SCHEMAS;

/** `requestedBy` lands in the timeline and logs: a role or system name, never a person's address. */
const CancelRequest = z
  .strictObject({ requestedBy: z.string().regex(REQUESTED_BY_PATTERN, REQUESTED_BY_RULE).optional() })
  .meta({ id: 'CancelRequest' });
/** The body is optional (cancelled by `order-api`): Fastify validates an absent body as `null`. */
export const CancelBodySchema = CancelRequest.nullish();

const OrderIdParams = z.object({
  orderId: z
    .string()
    .regex(ORDER_ID_PATTERN, 'is not a valid order ID')
    .describe('the order ID the payout was started with (URL-encoded)'),
});

const BEARER = [{ bearerAuth: [] }];
/** What every order route may answer besides its own answers. */
const ORDER_API_ANSWERS = { ...UNAUTHORIZED_ANSWER, ...LIMITED_ROUTE_ANSWERS, ...TEMPORAL_DOWN_ANSWER };
const noPayout = NotFound.describe('This order has no payout.');
const notFound = { error: 'not_found', message: 'This order has no payout.' } as const;

type RefusedBySchema = { validation: ZodFastifySchemaValidationError[]; validationContext?: string };

/** `invalid_request` naming every bad field by dotted path (`""`: the whole body), as `parsePayoutRequest` does. */
function invalidRequest(error: RefusedBySchema, request: FastifyRequest) {
  let fields: FieldIssue[] = error.validation.map(({ instancePath, message }) => ({
    path: instancePath.slice(1).replaceAll('/', '.'),
    message: message ?? '',
  }));
  const body = request.routeOptions.schema?.body;
  if (error.validationContext === 'body' && request.body === undefined && body instanceof z.ZodType) {
    // Fastify validates an absent body as `null`: named absent ("received undefined"), as it always was.
    const absent = body.safeParse(undefined).error;
    if (absent) {
      fields = absent.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      }));
    }
  }
  return { error: 'invalid_request' as const, fields };
}

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
    // Refused by a route schema: answered here as the handlers did (an error handler: schemaErrorFormatter
    // only shapes the error, not the answer); any other error goes on to server.ts's handler.
    scope.setErrorHandler((error, request, reply) => {
      if (!hasZodFastifySchemaValidationErrors(error)) throw error;
      return reply.code(400).send(invalidRequest(error, request));
    });
    const routes = scope.withTypeProvider<ZodTypeProvider>();

    routes.post(
      '/payouts',
      {
        schema: {
          tags: ['payouts'],
          operationId: 'startPayout',
          summary: 'Start the payout of an order (idempotent per order)',
          description:
            'Starts `payout-<orderId>` once. The same request again answers the existing payout; a ' +
            'request that differs from the one that started it is refused with `409` naming every ' +
            'differing field.',
          security: BEARER,
          body: PayoutRequestBody,
          response: {
            201: StartAnswer.describe('Started.'),
            200: StartAnswer.describe('This order already has this payout (same request).'),
            202: StartAnswer.describe('Accepted; the payout session is still being created.'),
            400: z
              .union([InvalidRequest, BadRequest])
              .describe('Invalid request, every bad field named (no workflow started); or malformed JSON.'),
            409: OrderConflict.describe(
              'The order already has a payout started by a different request; no second payout.',
            ),
            ...ORDER_API_ANSWERS,
            ...JSON_BODY_ANSWERS,
          },
        },
      },
      async (request, reply) => {
        let started: StartPayoutResult;
        try {
          started = await payouts.startPayout(request.body);
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
      },
    );

    routes.get(
      '/payouts/:orderId',
      {
        schema: {
          tags: ['payouts'],
          operationId: 'getPayout',
          summary: "The payout's status and timeline",
          security: BEARER,
          params: OrderIdParams,
          response: {
            200: StatusAnswer.describe('The payout as the workflow sees it.'),
            400: InvalidRequest.describe('The order ID is not valid.'),
            404: noPayout,
            ...ORDER_API_ANSWERS,
          },
        },
      },
      async (request, reply) => {
        const view = await payouts.getPayout(request.params.orderId);
        if (!view) return reply.code(404).send(notFound);
        return reply.send(statusAnswer(view));
      },
    );

    routes.post(
      '/payouts/:orderId/cancel',
      {
        schema: {
          tags: ['payouts'],
          operationId: 'cancelPayout',
          summary: 'Cancel a payout before money leaves',
          security: BEARER,
          params: OrderIdParams,
          body: CancelBodySchema,
          response: {
            200: CancelAnswer.describe('Cancelled.'),
            400: z
              .union([InvalidRequest, BadRequest])
              .describe('Invalid order ID or body; or malformed JSON.'),
            404: noPayout,
            409: NotCancellable.describe('Not cancellable any more (money is on its way, or final).'),
            ...ORDER_API_ANSWERS,
            ...JSON_BODY_ANSWERS,
          },
        },
      },
      async (request, reply) => {
        const { orderId } = request.params;
        const requestedBy = request.body?.requestedBy ?? 'order-api';
        const answer = await payouts.cancelPayout(orderId, requestedBy);
        logger.info('payout_cancel', { requestId: request.id, orderId, requestedBy, answer: answer.kind });
        switch (answer.kind) {
          case 'not_found':
            return reply.code(404).send(notFound);
          case 'refused':
            return reply.code(409).send({ error: 'not_cancellable', message: answer.message });
          case 'answered': {
            const { cancelled, message, status } = answer.result;
            return cancelled
              ? reply.send({ cancelled, message, status: statusAnswer(status) })
              : reply
                  .code(409)
                  .send({ error: 'not_cancellable', cancelled, message, status: statusAnswer(status) });
          }
        }
      },
    );
  });
}
