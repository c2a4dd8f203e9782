import fastifySwagger, { type StaticDocumentSpec } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MAX_COMMUNICATION_LENGTH, ORDER_ID_PATTERN, PayoutRequestSchema } from '../../domain/payout-request';
import { ORDER_EVENT_TYPES } from '../../domain/order-events';
import { SESSION_STATUSES, TRANSFER_STATES } from '../../domain/payout-snapshot';
import { CancelBodySchema } from './order-routes';
import { RETURN_PATH, RETURN_STATUS_PATH } from './return-page/return-routes';
import { RETURN_PAGE_STATES } from './return-page/return-state';
import { type progressAnswer, type startAnswer, type statusAnswer } from '../payouts/payout-answers';

/**
 * The order API's contract (issue 11): an OpenAPI 3.1 document built from the zod schemas that validate the
 * requests (one source: JSON Schema 2020-12, OpenAPI 3.1's dialect), served at `GET /openapi.json`, with
 * Swagger UI at `GET /docs` (its assets served locally by @fastify/swagger-ui, no CDN). Answers are
 * described by zod schemas checked against the functions that build them (type-level, below).
 * test/client/openapi.test.ts fails when a route or a status code the ingress answers is not described here.
 */

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';
export const API_TITLE = 'Payout orchestrator — order API';

/** /docs is a script-driven page: its own policy, scripts and styles from this origin only. */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// ---- Answers ------------------------------------------------------------------------------------------

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();
const SessionStatus = z.enum(SESSION_STATUSES).describe("Fintecture's session status (`meta.status`)");
const TransferState = z.enum(TRANSFER_STATES).describe("Fintecture's `transfer_state`");
const Outcome = z.enum(['SETTLED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'NEEDS_REVIEW']);
const Phase = z.enum(['creating', 'waiting', 'finished']);
const Scenario = z
  .union([z.literal(1), z.literal(2)])
  .describe('1: the payee enters bank details through `connectUrl`; 2: verified beneficiary');

const FieldIssue = z.object({
  path: z.string().describe('dotted path of the field, e.g. `beneficiary.iban`; `""` for the whole body'),
  message: z.string().describe('what is wrong; never repeats the value'),
});

const StartAnswer = z.object({
  orderId: z.string(),
  workflowId: z.string().describe('`payout-<orderId>`'),
  scenario: Scenario,
  sessionId: nullable(z.string()).describe("Fintecture's session ID; null while still being created"),
  sessionStatus: nullable(SessionStatus),
  connectUrl: nullable(z.string()).describe('scenario 1: the page where the payee enters bank details'),
});

const StatusAnswer = z.object({
  orderId: z.string(),
  workflowId: z.string(),
  scenario: Scenario,
  phase: Phase,
  sessionId: nullable(z.string()),
  sessionStatus: nullable(SessionStatus),
  transferState: nullable(TransferState),
  transferReason: nullable(z.string()),
  connectUrl: nullable(z.string()),
  outcome: nullable(Outcome).describe('set once final'),
  outcomeReason: nullable(z.string()).describe(
    '`completed`, a rejection reason, `link_expired`, `create_ambiguous`, … (docs/operator-guide.md)',
  ),
  endToEndId: nullable(z.string()),
  executionDate: nullable(z.string()).describe('`YYYY-MM-DD`'),
  polls: z.number().int(),
  nextPollAt: nullable(z.string()).describe('ISO 8601'),
  unrecognised: nullable(
    z.object({ sessionStatus: nullable(z.string()), transferState: nullable(z.string()) }),
  ).describe('a status the status model cannot rank, verbatim; it never moves the payout'),
  otherSessionIds: z.array(z.string()),
  cancelledDuplicateSessionIds: z.array(z.string()),
  notifications: z
    .array(
      z.object({
        id: z.string().describe('the `webhook-id` (the same on every retry and re-send)'),
        type: z.enum(ORDER_EVENT_TYPES),
        status: z.enum(['pending', 'delivered', 'failed', 'not_configured']),
        attempts: z.number().int().optional(),
        lastError: z.string().optional(),
      }),
    )
    .describe('outcome events sent to the order system and how their delivery went'),
  timeline: z.array(
    z.object({
      at: z.string(),
      source: z.enum(['create', 'webhook', 'redirect', 'poll', 'operator']),
      sessionStatus: nullable(SessionStatus),
      transferState: nullable(TransferState),
      transferReason: z.string().nullable().optional(),
    }),
  ),
});

const ProgressAnswer = z.object({
  phase: Phase,
  sessionStatus: nullable(SessionStatus),
  transferState: nullable(TransferState),
  outcome: nullable(Outcome),
  state: z
    .enum(RETURN_PAGE_STATES)
    .describe("where the payout stands for the payee (the return page's words are keyed by it)"),
  final: z.boolean().describe('true once the state can no longer change: the page stops asking'),
  executionDate: nullable(z.string()).describe("Fintecture's expected execution date, when it gave one"),
  summary: z.string().describe("where the payout stands, in words for the payee (in the order's language)"),
});

const CancelAnswer = z.object({ cancelled: z.literal(true), message: z.string(), status: StatusAnswer });
const NotCancellable = z.object({
  error: z.literal('not_cancellable'),
  message: z.string(),
  cancelled: z.literal(false).optional(),
  status: StatusAnswer.optional(),
});

const error = <T extends string>(code: T) => z.object({ error: z.literal(code) });
const InvalidRequest = z.object({ error: z.literal('invalid_request'), fields: z.array(FieldIssue) });
const BadRequest = z.object({ error: z.enum(['invalid_request', 'malformed_json', 'bad_request']) });
const OrderConflict = z.object({
  error: z.literal('order_conflict'),
  fields: z.array(FieldIssue).describe('every field that differs from the request that started the payout'),
});
const NotFound = z.object({ error: z.literal('not_found'), message: z.string().optional() });
const TooManyRequests = z.object({
  error: z.literal('too_many_requests'),
  retryAfterSeconds: z.number().int(),
});
const Health = z.object({
  status: z.enum(['ok', 'unavailable']),
  temporal: z.enum(['reachable', 'unreachable']),
});
const WebhookAnswer = z.object({
  received: z.literal(true),
  outcome: z
    .enum(['signalled', 'unknown', 'finished', 'ignored', 'duplicate'])
    .describe('`unknown`/`finished`/`ignored`: acknowledged, nothing signalled; `duplicate`: a retry'),
});
const InvalidSignature = z.object({ error: z.literal('invalid_signature'), reason: z.string() });

/** The answers' schemas must cover exactly what the answer builders return (checked by `tsc`). */
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type Describes<S extends z.ZodType, T> = T extends z.output<S> ? SameKeys<z.output<S>, T> : false;
const answersDescribed: [
  Describes<typeof StartAnswer, ReturnType<typeof startAnswer>>,
  Describes<typeof StatusAnswer, ReturnType<typeof statusAnswer>>,
  Describes<typeof ProgressAnswer, ReturnType<typeof progressAnswer>>,
] = [true, true, true];
void answersDescribed;

// ---- The document -------------------------------------------------------------------------------------

/** Requests as the caller sends them (before defaults and normalisation), answers as the ingress sends them. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    // Refinements (IBAN check digits, BIC) cannot be expressed: their descriptions say what is checked.
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}

const REQUEST_EXAMPLES = {
  verified: {
    summary: 'Scenario 2: verified beneficiary',
    value: {
      orderId: '123',
      amount: '26.99',
      currency: 'EUR',
      communication: 'MyShop REFUND from Order 123',
      payee: { name: 'John Doe', email: 'john@doe.example' },
      beneficiary: { name: 'John Doe', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPXXX' },
    },
  },
  link: {
    summary: 'Scenario 1: the payee enters bank details (answer carries `connectUrl`)',
    value: {
      orderId: '124',
      amount: '10.00',
      currency: 'EUR',
      communication: 'MyShop REFUND from Order 124',
      payee: { name: 'John Doe', email: 'john@doe.example' },
      delivery: 'email',
    },
  },
};

/** `{"error": "<code>"}`. */
const errorSchema = (code: string) => jsonSchema(error(code), 'output');

/** What the JSON Schema of a request cannot say (refinements, normalisation), per property path. */
const REQUEST_NOTES: Record<string, string> = {
  orderId: 'your order ID: one payout per order (`payout-<orderId>` is the workflow ID)',
  amount: 'decimal string greater than 0, at most 2 decimals, e.g. `"26.99"` (never a float)',
  communication: `remittance text, at most ${MAX_COMMUNICATION_LENGTH} characters (16 of SEPA's 140 carry the payout reference)`,
  payee: 'who is paid: never echoed in answers, logs or Temporal history in clear',
  beneficiary: 'scenario 2 (verified beneficiary); without it, scenario 1: the answer carries a `connectUrl`',
  'beneficiary.iban': 'IBAN, spaces allowed; format and check digits verified',
  'beneficiary.bic': 'BIC, 8 or 11 characters',
  delivery:
    'scenario 1: how the payee gets the link (`email` needs `payee.email`, `sms` needs `payee.phone`)',
  expiresInSeconds: 'scenario 1: how long the link is valid',
};

function withNotes(schema: Record<string, unknown>, notes: Record<string, string>, prefix = '') {
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  for (const [name, property] of Object.entries(properties ?? {})) {
    const note = notes[prefix + name];
    if (note) property.description = note;
    withNotes(property, notes, `${prefix}${name}.`);
  }
  return schema;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
/** A JSON Schema or a reference (never a zod schema: convert it with `jsonSchema` first). */
type SchemaObject = Record<string, unknown> & { _zod?: never };
const json = (description: string, schema: SchemaObject, headers?: object) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
});
const html = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
});
const retryAfter = {
  'retry-after': { description: 'seconds to wait', schema: { type: 'integer' } },
};
const common = {
  '429': { $ref: '#/components/responses/TooManyRequests' },
  '500': { $ref: '#/components/responses/InternalError' },
};
const temporalDown = { '503': { $ref: '#/components/responses/TemporarilyUnavailable' } };
const unauthorized = { '401': { $ref: '#/components/responses/Unauthorized' } };
const jsonBodyErrors = {
  '413': json('The body is over 16 KiB.', errorSchema('payload_too_large')),
  '415': json('The body is not `application/json`.', errorSchema('unsupported_media_type')),
};
const orderIdParameter = {
  name: 'orderId',
  in: 'path',
  required: true,
  description: 'the order ID the payout was started with (URL-encoded)',
  schema: { type: 'string', pattern: ORDER_ID_PATTERN.source },
};
const returnQuery = [
  {
    name: 'state',
    in: 'query',
    required: true,
    description: '`payout-<orderId>`, as sent to Fintecture',
    schema: { type: 'string' },
  },
  {
    name: 'session_id',
    in: 'query',
    required: true,
    description: "Fintecture's session ID; must be the payout's",
    schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,128}$' },
  },
  {
    name: 'status',
    in: 'query',
    required: false,
    description:
      'the session status Fintecture reports (a hint only: the workflow reads it again; the page may show ' +
      '"received, confirming…" until the workflow confirms)',
    schema: { type: 'string' },
  },
];

/** The OpenAPI 3.1 document of the ingress. */
export function buildOpenApiDocument(version = '0.1.0') {
  const invalidOrderId = json('The order ID is not valid.', ref('InvalidRequest'));
  const noPayout = json('This order has no payout.', ref('NotFound'));
  return {
    openapi: '3.1.0',
    info: {
      title: API_TITLE,
      version,
      description:
        'Exactly one Fintecture payout per order, followed to a final state. The order system starts payouts ' +
        'and reads them with `Authorization: Bearer <INGRESS_API_KEY>`. Answers carry IDs and states only, ' +
        'never personal data. Every answer has an `x-request-id` header.',
    },
    tags: [
      { name: 'payouts', description: 'the order system (bearer API key)' },
      { name: 'fintecture', description: "Fintecture's webhooks (HTTP signatures)" },
      { name: 'payee', description: "the payee's browser, back from Fintecture's page" },
      { name: 'platform', description: 'probes, metrics and this documentation (no authentication)' },
    ],
    paths: {
      '/payouts': {
        post: {
          tags: ['payouts'],
          operationId: 'startPayout',
          summary: 'Start the payout of an order (idempotent per order)',
          description:
            'Starts `payout-<orderId>` once. The same request again answers the existing payout; a ' +
            'request that differs from the one that started it is refused with `409` naming every ' +
            'differing field.',
          security: [{ bearerAuth: [] }],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: ref('PayoutRequest'), examples: REQUEST_EXAMPLES },
            },
          },
          responses: {
            '201': json('Started.', ref('StartAnswer')),
            '200': json('This order already has this payout (same request).', ref('StartAnswer')),
            '202': json('Accepted; the payout session is still being created.', ref('StartAnswer')),
            '400': json('Invalid request, every bad field named (no workflow started); or malformed JSON.', {
              oneOf: [ref('InvalidRequest'), ref('BadRequest')],
            }),
            ...unauthorized,
            '409': json(
              'The order already has a payout started by a different request; no second payout.',
              ref('OrderConflict'),
            ),
            ...jsonBodyErrors,
            ...common,
            ...temporalDown,
          },
        },
      },
      '/payouts/{orderId}': {
        get: {
          tags: ['payouts'],
          operationId: 'getPayout',
          summary: "The payout's status and timeline",
          security: [{ bearerAuth: [] }],
          parameters: [orderIdParameter],
          responses: {
            '200': json('The payout as the workflow sees it.', ref('StatusAnswer')),
            '400': invalidOrderId,
            ...unauthorized,
            '404': noPayout,
            ...common,
            ...temporalDown,
          },
        },
      },
      '/payouts/{orderId}/cancel': {
        post: {
          tags: ['payouts'],
          operationId: 'cancelPayout',
          summary: 'Cancel a payout before money leaves',
          security: [{ bearerAuth: [] }],
          parameters: [orderIdParameter],
          requestBody: {
            required: false,
            content: { 'application/json': { schema: ref('CancelRequest') } },
          },
          responses: {
            '200': json('Cancelled.', ref('CancelAnswer')),
            '400': json('Invalid order ID or body; or malformed JSON.', {
              oneOf: [ref('InvalidRequest'), ref('BadRequest')],
            }),
            ...unauthorized,
            '404': noPayout,
            '409': json('Not cancellable any more (money is on its way, or final).', ref('NotCancellable')),
            ...jsonBodyErrors,
            ...common,
            ...temporalDown,
          },
        },
      },
      '/webhooks/fintecture': {
        post: {
          tags: ['fintecture'],
          operationId: 'fintectureWebhook',
          summary: "Fintecture's webhook (verified on the raw body)",
          description:
            'Verified with the `Digest` and `Signature` headers (RSA-OAEP). `200` only once Temporal holds ' +
            'the signal; a repeated event is acknowledged without a second signal.',
          requestBody: {
            required: true,
            content: { 'application/x-www-form-urlencoded': { schema: { type: 'string' } } },
          },
          responses: {
            '200': json('Acknowledged.', ref('WebhookAnswer')),
            '401': json('Signature verification failed.', ref('InvalidSignature')),
            '413': json('The body is over 64 KiB.', errorSchema('payload_too_large')),
            ...common,
            '503': json(
              'Temporal is unreachable: not acknowledged, Fintecture retries.',
              ref('TemporarilyUnavailable'),
              retryAfter,
            ),
          },
        },
      },
      [RETURN_PATH]: {
        get: {
          tags: ['payee'],
          operationId: 'payeeReturn',
          summary: "The payee's return page (Fintecture's `redirect_uri`)",
          description:
            'Checks `state` and `session_id`, signals a redirect event and shows a page that follows the ' +
            'payout (no personal data). HTML with a nonce-based Content-Security-Policy.',
          parameters: returnQuery,
          responses: {
            '200': html('The progress page.'),
            '400': html('The link is not valid.'),
            '404': html('No such payout, or another session.'),
            ...common,
            '503': html('Temporal is unreachable; the page refreshes itself.'),
          },
        },
      },
      [RETURN_STATUS_PATH]: {
        get: {
          tags: ['payee'],
          operationId: 'payeeReturnStatus',
          summary: 'What the return page polls',
          parameters: returnQuery,
          responses: {
            '200': json('Where the payout stands.', ref('ProgressAnswer')),
            '400': json('The query is not valid.', errorSchema('invalid_request')),
            '404': json('No such payout, or another session.', errorSchema('not_found')),
            ...common,
            ...temporalDown,
          },
        },
      },
      '/healthz': {
        get: {
          tags: ['platform'],
          operationId: 'health',
          summary: 'Liveness (not rate limited)',
          responses: {
            '200': json('Temporal is reachable.', ref('Health')),
            '503': json('Temporal is unreachable.', ref('Health')),
            '500': common['500'],
          },
        },
      },
      '/metrics': {
        get: {
          tags: ['platform'],
          operationId: 'metrics',
          summary: 'Prometheus metrics (not rate limited)',
          responses: {
            '200': {
              description: 'Prometheus text exposition format.',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            '500': common['500'],
          },
        },
      },
      [OPENAPI_PATH]: {
        get: {
          tags: ['platform'],
          operationId: 'openApiDocument',
          summary: 'This document (OpenAPI 3.1)',
          responses: {
            '200': { description: 'The document.', content: { 'application/json': {} } },
            ...common,
          },
        },
      },
      [DOCS_PATH]: {
        get: {
          tags: ['platform'],
          operationId: 'apiReference',
          summary: 'This reference, interactive (Swagger UI)',
          responses: { '200': html('Swagger UI; its assets are under `/docs/`.'), ...common },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'The ingress API key (`INGRESS_API_KEY`; `npm start` keeps it in `.data/ingress-api-key`).',
        },
      },
      schemas: {
        PayoutRequest: withNotes(jsonSchema(PayoutRequestSchema, 'input'), REQUEST_NOTES),
        CancelRequest: jsonSchema(CancelBodySchema.unwrap(), 'input'),
        StartAnswer: jsonSchema(StartAnswer, 'output'),
        StatusAnswer: jsonSchema(StatusAnswer, 'output'),
        ProgressAnswer: jsonSchema(ProgressAnswer, 'output'),
        CancelAnswer: jsonSchema(CancelAnswer, 'output'),
        NotCancellable: jsonSchema(NotCancellable, 'output'),
        InvalidRequest: jsonSchema(InvalidRequest, 'output'),
        BadRequest: jsonSchema(BadRequest, 'output'),
        OrderConflict: jsonSchema(OrderConflict, 'output'),
        NotFound: jsonSchema(NotFound, 'output'),
        Unauthorized: errorSchema('unauthorized'),
        TooManyRequests: jsonSchema(TooManyRequests, 'output'),
        TemporarilyUnavailable: errorSchema('temporarily_unavailable'),
        InternalError: errorSchema('internal_error'),
        Health: jsonSchema(Health, 'output'),
        WebhookAnswer: jsonSchema(WebhookAnswer, 'output'),
        InvalidSignature: jsonSchema(InvalidSignature, 'output'),
      },
      responses: {
        Unauthorized: json('Missing or wrong API key.', ref('Unauthorized'), {
          'www-authenticate': { schema: { type: 'string', const: 'Bearer' } },
        }),
        TooManyRequests: json('Rate limited (per source).', ref('TooManyRequests'), retryAfter),
        TemporarilyUnavailable: json(
          'Temporal is unreachable; retry later.',
          ref('TemporarilyUnavailable'),
          retryAfter,
        ),
        InternalError: json('Unexpected error (never a stack trace).', ref('InternalError')),
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

/** The answer schemas, for tests that check real answers against the document's source. */
export const ANSWER_SCHEMAS = { StartAnswer, StatusAnswer, ProgressAnswer, CancelAnswer, OrderConflict };

/** `GET /openapi.json` and `GET /docs` (no authentication; rate limited like the other routes). */
export function registerApiDocs(app: FastifyInstance, document = buildOpenApiDocument()): void {
  void app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('x-frame-options', 'DENY');
    });
    scope.get(OPENAPI_PATH, async (_request, reply) =>
      reply.header('cache-control', 'no-cache').send(document),
    );
    // The plugin's types know OpenAPI 2 and 3.0 only; it serves any document as given.
    const specification = { document: document as unknown as StaticDocumentSpec['document'] };
    await scope.register(fastifySwagger, { mode: 'static', specification });
    await scope.register(fastifySwaggerUi, {
      routePrefix: DOCS_PATH,
      staticCSP: DOCS_CSP,
      validatorUrl: false, // no call to validator.swagger.io
      theme: { title: API_TITLE },
      // BaseLayout: no top bar (its Swagger logo carries an inline <style> the CSP refuses; its URL box is not needed).
      uiConfig: { layout: 'BaseLayout', deepLinking: true, tryItOutEnabled: false },
    });
  });
}
