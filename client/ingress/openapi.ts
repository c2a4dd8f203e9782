import fastifySwagger, { type SwaggerTransform, type SwaggerTransformObject } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PAYOUT_OUTCOMES } from '../../domain/outcomes';
import { MAX_COMMUNICATION_LENGTH, PayoutRequestSchema } from '../../domain/payout-request';
import { ORDER_EVENT_TYPES } from '../../domain/order-events';
import { SESSION_STATUSES, TRANSFER_STATES } from '../../domain/session-states';
import { RETURN_PAGE_STATES } from './return-page/return-state';
import { type startAnswer, type statusAnswer } from '../payouts/payout-answers';
import { type progressAnswer } from './return-page/progress-answer';

/**
 * The ingress's contract (issues 11, 13). Every route declares its params, query, body and answers as zod
 * schemas in its `schema`; fastify-type-provider-zod validates requests and serialises answers with them, and
 * @fastify/swagger builds the OpenAPI 3.1 document (JSON Schema 2020-12) from those same route schemas: one
 * source. Served at `GET /openapi.json`, with Swagger UI at `GET /docs` (its assets served locally by
 * @fastify/swagger-ui, no CDN). This module holds the answers' schemas, the answers every route shares, and
 * what a JSON Schema cannot say. test/client/openapi.test.ts fails when a route or a status code the ingress
 * answers is not described.
 */

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';
export const API_TITLE = 'Payout orchestrator — order API';
const API_VERSION = '0.1.0';

/** /docs is a script-driven page: its own policy, scripts and styles from this origin only. */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// ---- Answers ------------------------------------------------------------------------------------------
// `.meta({ id })` names a schema: the document refers to it as `#/components/schemas/<id>`.

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();
const SessionStatus = z.enum(SESSION_STATUSES).describe("Fintecture's session status (`meta.status`)");
const TransferState = z.enum(TRANSFER_STATES).describe("Fintecture's `transfer_state`");
const Outcome = z.enum(PAYOUT_OUTCOMES);
const Phase = z.enum(['creating', 'waiting', 'finished']);
const Scenario = z
  .union([z.literal(1), z.literal(2)])
  .describe('1: the payee enters bank details through `connectUrl`; 2: verified beneficiary');

const FieldIssue = z.object({
  path: z.string().describe('dotted path of the field, e.g. `beneficiary.iban`; `""` for the whole body'),
  message: z.string().describe('what is wrong; never repeats the value'),
});

const StartAnswer = z
  .object({
    orderId: z.string(),
    workflowId: z.string().describe('`payout-<orderId>`'),
    scenario: Scenario,
    sessionId: nullable(z.string()).describe("Fintecture's session ID; null while still being created"),
    sessionStatus: nullable(SessionStatus),
    connectUrl: nullable(z.string()).describe('scenario 1: the page where the payee enters bank details'),
  })
  .meta({ id: 'StartAnswer' });

const StatusAnswer = z
  .object({
    orderId: z.string(),
    workflowId: z.string(),
    scenario: Scenario,
    phase: Phase,
    sessionId: nullable(z.string()),
    sessionStatus: nullable(SessionStatus),
    transferState: nullable(TransferState),
    transferReason: nullable(z.string()),
    connectUrl: nullable(z.string()),
    outcome: nullable(Outcome).describe(
      'set once final: after the final duplicate sweep has confirmed it (a duplicate makes it NEEDS_REVIEW first)',
    ),
    outcomeReason: nullable(z.string()).describe(
      '`completed`, a rejection reason, `link_expired`, `create_ambiguous`, … (docs/operator-guide.md)',
    ),
    endToEndId: nullable(z.string()),
    executionDate: nullable(z.string()).describe('`YYYY-MM-DD`'),
    polls: z.number().int().describe("reads the workflow applied (a quiet wait's unchanged reads: `watch`)"),
    nextPollAt: nullable(z.string()).describe('ISO 8601: the next read, poll timer or watch'),
    watch: nullable(
      z.object({
        reads: z
          .number()
          .int()
          .describe('reads of the running watch so far: none showed anything new (a failed read counts)'),
        lastReadAt: nullable(z.string()).describe('ISO 8601'),
        nextReadAt: nullable(z.string()).describe('ISO 8601; null while a read is queued or under way'),
      }),
    ).describe('a quiet wait (scenario 1 before the payee acts, or a stalled transfer): its watch'),
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
  })
  .meta({ id: 'StatusAnswer' });

const ProgressAnswer = z
  .object({
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
  })
  .meta({ id: 'ProgressAnswer' });

const CancelAnswer = z
  .object({ cancelled: z.literal(true), message: z.string(), status: StatusAnswer })
  .meta({ id: 'CancelAnswer' });
// In the order the cancel route writes them (the serialiser writes keys in the schema's order).
const NotCancellable = z
  .object({
    error: z.literal('not_cancellable'),
    cancelled: z.literal(false).optional(),
    message: z.string(),
    status: StatusAnswer.optional(),
  })
  .meta({ id: 'NotCancellable' });

/** `{"error": "<code>"}`. */
export const errorAnswer = <T extends string>(code: T) => z.object({ error: z.literal(code) });
const InvalidRequest = z
  .object({ error: z.literal('invalid_request'), fields: z.array(FieldIssue) })
  .meta({ id: 'InvalidRequest' });
const BadRequest = z
  .object({ error: z.enum(['invalid_request', 'malformed_json', 'bad_request']) })
  .meta({ id: 'BadRequest' });
const OrderConflict = z
  .object({
    error: z.literal('order_conflict'),
    fields: z.array(FieldIssue).describe('every field that differs from the request that started the payout'),
  })
  .meta({ id: 'OrderConflict' });
const NotFound = z
  .object({ error: z.literal('not_found'), message: z.string().optional() })
  .meta({ id: 'NotFound' });
const Unauthorized = errorAnswer('unauthorized').meta({ id: 'Unauthorized' });
const TooManyRequests = z
  .object({ error: z.literal('too_many_requests'), retryAfterSeconds: z.number().int() })
  .meta({ id: 'TooManyRequests' });
const TemporarilyUnavailable = errorAnswer('temporarily_unavailable').meta({ id: 'TemporarilyUnavailable' });
const InternalError = errorAnswer('internal_error').meta({ id: 'InternalError' });
const Health = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    temporal: z.enum(['reachable', 'unreachable']),
  })
  .meta({ id: 'Health' });
const WebhookAnswer = z
  .object({
    received: z.literal(true),
    outcome: z
      .enum(['signalled', 'unknown', 'finished', 'ignored', 'duplicate'])
      .describe('`unknown`/`finished`/`ignored`: acknowledged, nothing signalled; `duplicate`: a retry'),
  })
  .meta({ id: 'WebhookAnswer' });
const InvalidSignature = z
  .object({ error: z.literal('invalid_signature'), reason: z.string() })
  .meta({ id: 'InvalidSignature' });

/** The answers' schemas must cover exactly what the answer builders return (checked by `tsc`). */
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type Describes<S extends z.ZodType, T> = T extends z.output<S> ? SameKeys<z.output<S>, T> : false;
const answersDescribed: [
  Describes<typeof StartAnswer, ReturnType<typeof startAnswer>>,
  Describes<typeof StatusAnswer, ReturnType<typeof statusAnswer>>,
  Describes<typeof ProgressAnswer, ReturnType<typeof progressAnswer>>,
] = [true, true, true];
void answersDescribed;

/** The answers the routes declare (a route's answer is `X.describe('what it means here')`). */
export const ANSWER_SCHEMAS = {
  StartAnswer,
  StatusAnswer,
  ProgressAnswer,
  CancelAnswer,
  NotCancellable,
  InvalidRequest,
  BadRequest,
  OrderConflict,
  NotFound,
  TemporarilyUnavailable,
  WebhookAnswer,
  InvalidSignature,
};

/** Response headers, as @fastify/swagger reads them from an answer's `headers` metadata. */
export const RETRY_AFTER = { 'retry-after': { type: 'integer', description: 'seconds to wait' } };

/** An HTML page (sent as a string: never serialised, the schema only documents it). */
export const html = (description: string) => ({
  description,
  content: { 'text/html': { schema: z.string() } },
});

// ---- Answers no handler writes: server.ts's rate limit and error handler, the order routes' key check ----

/** Every rate-limited route: the limit, and an unexpected error (never a stack trace). */
export const LIMITED_ROUTE_ANSWERS = {
  429: TooManyRequests.meta({ description: 'Rate limited (per source).', headers: RETRY_AFTER }),
  500: InternalError.describe('Unexpected error (never a stack trace).'),
};
/** A route whose handler lets Temporal's unavailability reach the error handler. */
export const TEMPORAL_DOWN_ANSWER = {
  503: TemporarilyUnavailable.meta({
    description: 'Temporal is unreachable; retry later.',
    headers: RETRY_AFTER,
  }),
};
/** The order routes' key check. */
export const UNAUTHORIZED_ANSWER = {
  401: Unauthorized.meta({
    description: 'Missing or wrong API key.',
    headers: { 'www-authenticate': { type: 'string', const: 'Bearer' } },
  }),
};
/** A route that reads a JSON body (at most 16 KiB). */
export const JSON_BODY_ANSWERS = {
  413: errorAnswer('payload_too_large').describe('The body is over 16 KiB.'),
  415: errorAnswer('unsupported_media_type').describe('The body is not `application/json`.'),
};

// ---- The platform routes (server.ts) ------------------------------------------------------------------

export const HEALTH_ROUTE_SCHEMA = {
  tags: ['platform'],
  operationId: 'health',
  summary: 'Liveness (not rate limited)',
  response: {
    200: Health.describe('Temporal is reachable.'),
    503: Health.describe('Temporal is unreachable.'),
    500: LIMITED_ROUTE_ANSWERS[500],
  },
};

export const METRICS_ROUTE_SCHEMA = {
  tags: ['platform'],
  operationId: 'metrics',
  summary: 'Prometheus metrics (not rate limited)',
  response: {
    200: {
      description: 'Prometheus text exposition format.',
      content: { 'text/plain': { schema: z.string() } },
    },
    500: LIMITED_ROUTE_ANSWERS[500],
  },
};

const OPENAPI_ROUTE_SCHEMA = {
  tags: ['platform'],
  operationId: 'openApiDocument',
  summary: 'This document (OpenAPI 3.1)',
  response: {
    200: z.looseObject({ openapi: z.literal('3.1.0') }).describe('The document.'),
    ...LIMITED_ROUTE_ANSWERS,
  },
};

/** `GET /docs` is @fastify/swagger-ui's route (hidden by it): described here. */
const DOCS_ROUTE_SCHEMA = {
  tags: ['platform'],
  operationId: 'apiReference',
  summary: 'This reference, interactive (Swagger UI)',
  response: { 200: html('Swagger UI; its assets are under `/docs/`.'), ...LIMITED_ROUTE_ANSWERS },
};

// ---- What a JSON Schema of the request cannot say ----------------------------------------------------

/** The domain's payout request, named for the document; POST /payouts validates with it. */
export const PayoutRequestBody = PayoutRequestSchema.meta({ id: 'PayoutRequest' });

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

/** Refinements and normalisation, per property path. */
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

// ---- The document -------------------------------------------------------------------------------------

type Json = Record<string, unknown>;
type Media = { schema?: Json; examples?: unknown };
type Operation = {
  requestBody?: { required?: boolean; description?: string; content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json> };
};

const SCHEMAS = '#/components/schemas/';

function withNotes(schema: Json | undefined, notes: Record<string, string>, prefix = ''): void {
  const properties = (schema?.properties ?? {}) as Record<string, Json>;
  for (const [name, property] of Object.entries(properties)) {
    const note = notes[prefix + name];
    if (note) property.description = note;
    withNotes(property, notes, `${prefix}${name}.`);
  }
}

function operationsOf(document: Document): Operation[] {
  return Object.values(document.paths).flatMap((item) => Object.values(item));
}

/**
 * fastify-type-provider-zod emits each named schema twice, as read (`<id>Input`) and as written (`<id>`). A
 * request is only ever read and an answer only ever written: keep the form the routes refer to, under its id.
 */
function keepReferencedSchemas(document: Document): Document {
  const { schemas } = document.components;
  const referenced = new Set<string>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key !== '$ref' || typeof value !== 'string') visit(value);
      else if (value.startsWith(SCHEMAS) && !referenced.has(value.slice(SCHEMAS.length))) {
        referenced.add(value.slice(SCHEMAS.length));
        visit(schemas[value.slice(SCHEMAS.length)]);
      }
    }
  };
  visit(document.paths);
  const nameOf = (id: string) => {
    const plain = id.replace(/Input$/, '');
    return referenced.has(plain) ? id : plain;
  };
  const kept = { ...document, components: { ...document.components, schemas: {} as Record<string, Json> } };
  for (const id of referenced) kept.components.schemas[nameOf(id)] = schemas[id] ?? {};
  return JSON.parse(JSON.stringify(kept), (key, value: unknown) =>
    key === '$ref' && typeof value === 'string' && value.startsWith(SCHEMAS)
      ? SCHEMAS + nameOf(value.slice(SCHEMAS.length))
      : value,
  ) as Document;
}

/** After @fastify/swagger and fastify-type-provider-zod: what they cannot say from the route schemas. */
const transformObject: SwaggerTransformObject = (input) => {
  const document = keepReferencedSchemas(jsonSchemaTransformObject(input) as unknown as Document);
  withNotes(document.components.schemas.PayoutRequest, REQUEST_NOTES);
  for (const operation of operationsOf(document)) {
    const bodies = Object.values(operation.requestBody?.content ?? {});
    for (const media of bodies) {
      if (media.schema?.$ref === `${SCHEMAS}PayoutRequest`) media.examples = REQUEST_EXAMPLES;
    }
    // @fastify/swagger marks every body required; Fastify validates an absent body as `null`.
    const acceptsNull = (media: Media) =>
      Array.isArray(media.schema?.anyOf) && (media.schema.anyOf as Json[]).some((s) => s.type === 'null');
    if (operation.requestBody && bodies.every(acceptsNull)) operation.requestBody.required = false;
    // A description @fastify/swagger lifted to the body or the response: its schema need not repeat it.
    for (const described of [operation.requestBody, ...Object.values(operation.responses)]) {
      for (const media of Object.values(described?.content ?? {})) {
        const { schema } = media;
        if (schema && described?.description === schema.description) delete schema.description;
      }
    }
  }
  return document as unknown as ReturnType<SwaggerTransformObject>;
};

/** Every route describes itself, but @fastify/swagger-ui's page (`/docs/`, hidden by the plugin). */
const transform: SwaggerTransform = (input) =>
  jsonSchemaTransform(
    input.url === `${DOCS_PATH}/` ? { ...input, url: DOCS_PATH, schema: DOCS_ROUTE_SCHEMA } : input,
  );

/**
 * @fastify/swagger (on the root instance, so registered before the routes it documents), `GET /openapi.json`
 * and `GET /docs` (no authentication; rate limited like the other routes).
 */
export function registerApiDocs(app: FastifyInstance): void {
  void app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: API_TITLE,
        version: API_VERSION,
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
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description:
              'The ingress API key (`INGRESS_API_KEY`; `npm start` keeps it in `.data/ingress-api-key`).',
          },
        },
      },
    },
    transform,
    transformObject,
    // OpenAPI 3.1 has `const`: keep it.
    convertConstToEnum: false,
  });

  void app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('x-frame-options', 'DENY');
    });
    scope
      .withTypeProvider<ZodTypeProvider>()
      .get(OPENAPI_PATH, { schema: OPENAPI_ROUTE_SCHEMA }, async (_request, reply) =>
        reply.header('cache-control', 'no-cache').send(scope.swagger() as { openapi: '3.1.0' }),
      );
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
