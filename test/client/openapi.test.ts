import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type FastifyInstance } from 'fastify';
import { ANSWER_SCHEMAS, API_TITLE, DOCS_CSP } from '../../client/ingress/openapi';
import { orderConflictAnswer, startAnswer, statusAnswer } from '../../client/payouts/payout-answers';
import { progressAnswer } from '../../client/ingress/return-page/progress-answer';
import { type PayoutService } from '../../client/payouts/payout-service';
import { parsePayoutRequest, PayoutRequestSchema } from '../../domain/payout-request';
import { initialPayoutView, type PayoutStatusView } from '../../workflows/messages';
import { http, postJson, startTestIngress, type TestIngress } from '../support/ingress-harness';

/**
 * The order API's OpenAPI 3.1 document (issue 11), built by @fastify/swagger from the routes' own zod schemas
 * (issue 13): valid by an independent OpenAPI validator, served without authentication, and complete — every
 * route Fastify has registered, and every status code each route answers, is described. A route added without
 * documenting it fails here.
 */

const ROOT = path.resolve(__dirname, '../..');

type Operation = { responses: Record<string, unknown>; security?: unknown[] };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** No route here may reach Temporal: a call would be a bug in the test. */
const noPayouts = new Proxy({} as PayoutService, {
  get: (_target, name) => () => {
    throw new Error(`PayoutService.${String(name)} called by a documentation test`);
  },
});

let ingress: TestIngress;
let served: Document;

beforeAll(async () => {
  ingress = await startTestIngress({ payouts: noPayouts });
  const answer = await http(`${ingress.baseUrl}/openapi.json`, { apiKey: null });
  expect(answer.status).toBe(200);
  served = answer.json as Document;
});
afterAll(async () => {
  await ingress?.close();
});

/** @seriousme/openapi-schema-validator is ESM-only: it runs in its own Node process. */
function validateWithOpenApiValidator(document: unknown): {
  valid: boolean;
  version?: string;
  errors?: unknown;
} {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(text));
    process.stdout.write(JSON.stringify({ ...result, version: validator.version }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    input: JSON.stringify(document),
    encoding: 'utf8',
  });
  return JSON.parse(out) as { valid: boolean; version?: string; errors?: unknown };
}

/** Every method and path Fastify routes, from `printRoutes()`'s tree (HEAD is Fastify's automatic twin of GET). */
function registeredRoutes(app: FastifyInstance): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes().split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    const url = stack.join('') + (match[2] ?? '');
    stack.push(match[2] ?? '');
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim())) {
      if (method && method !== 'HEAD') routes.push({ method, path: url });
    }
  }
  return routes;
}

/** Swagger UI's own assets and copies of the document, served by @fastify/swagger-ui under /docs/. */
const DOCS_ASSETS = /^\/docs\/(static\/.*|\*|json|yaml)?$/;

/** What each route can answer (ingress.ts: 429 rate limit, 500 error handler, 503 Temporal unreachable). */
const STATUS_CODES: Record<string, string[]> = {
  'POST /payouts': ['200', '201', '202', '400', '401', '409', '413', '415', '429', '500', '503'],
  'GET /payouts/{orderId}': ['200', '400', '401', '404', '429', '500', '503'],
  'POST /payouts/{orderId}/cancel': ['200', '400', '401', '404', '409', '413', '415', '429', '500', '503'],
  'POST /webhooks/fintecture': ['200', '401', '413', '429', '500', '503'],
  'GET /payouts/return': ['200', '400', '404', '429', '500', '503'],
  'GET /payouts/return/status': ['200', '400', '404', '429', '500', '503'],
  'GET /healthz': ['200', '500', '503'],
  'GET /metrics': ['200', '500'],
  'GET /openapi.json': ['200', '429', '500'],
  'GET /docs': ['200', '429', '500'],
};
const BEARER_ROUTES = ['POST /payouts', 'GET /payouts/{orderId}', 'POST /payouts/{orderId}/cancel'];

function operation(key: string): Operation | undefined {
  const [method = '', url = ''] = key.split(' ');
  return served.paths[url]?.[method.toLowerCase()];
}

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1, valid by @seriousme/openapi-schema-validator, and the same as /docs/json', async () => {
    expect(served.openapi).toBe('3.1.0');
    const result = validateWithOpenApiValidator(served);
    expect(result).toEqual({ valid: true, version: '3.1' });
    // The validator does catch a broken document (it is not a rubber stamp).
    const broken = validateWithOpenApiValidator({
      ...served,
      paths: { '/payouts': { post: { responses: { '201': { content: {} } } } } },
    });
    expect(broken.valid).toBe(false);

    const ui = await http(`${ingress.baseUrl}/docs/json`, { apiKey: null });
    expect(ui.status).toBe(200);
    expect(ui.json).toEqual(served);
    // Built by @fastify/swagger from the routes' own schemas.
    expect(served).toEqual(JSON.parse(JSON.stringify(ingress.app.swagger())));
  });

  it('needs no API key, while the order routes it describes do', async () => {
    const open = await http(`${ingress.baseUrl}/openapi.json`, { apiKey: 'wrong' });
    expect(open.status).toBe(200);
    expect(open.headers.get('content-type')).toMatch(/^application\/json/);
    const closed = await http(`${ingress.baseUrl}/payouts/123`, { apiKey: null });
    expect(closed.status).toBe(401);
    const schemes = (served as unknown as { components: { securitySchemes: Record<string, unknown> } })
      .components.securitySchemes;
    expect(schemes).toEqual({ bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
  });

  it('describes the request with the zod schema that validates it', () => {
    const schemas = (
      served as unknown as { components: { schemas: Record<string, Record<string, unknown>> } }
    ).components.schemas;
    const request = schemas.PayoutRequest as {
      properties: Record<string, { properties?: Record<string, unknown> }>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(Object.keys(request.properties).sort()).toEqual(Object.keys(PayoutRequestSchema.shape).sort());
    expect(request.required.sort()).toEqual(
      ['communication', 'currency', 'amount', 'orderId', 'payee'].sort(),
    );
    expect(request.additionalProperties).toBe(false);
    expect(Object.keys(request.properties.beneficiary?.properties ?? {}).sort()).toEqual([
      'bic',
      'iban',
      'name',
    ]);
    expect(request.properties.currency).toMatchObject({ enum: ['EUR', 'GBP'] });

    // The examples the reference page offers are requests the ingress accepts.
    const body = operation('POST /payouts') as unknown as {
      requestBody: { content: { 'application/json': { examples: Record<string, { value: unknown }> } } };
    };
    const examples = Object.values(body.requestBody.content['application/json'].examples);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(parsePayoutRequest(example.value)).toMatchObject({ ok: true });
  });

  it('holds JSON Schemas only (every `schema` is a reference or says what it is)', () => {
    const bad: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'schema' && value && typeof value === 'object') {
          const keys = Object.keys(value);
          const described = ['$ref', 'type', 'oneOf', 'anyOf', 'const', 'enum'].some((k) => keys.includes(k));
          if (!described || keys.some((k) => k.startsWith('_') || k === 'def')) bad.push(`${at}.${key}`);
        }
        walk(value, `${at}.${key}`);
      }
    };
    walk(served, '');
    expect(bad).toEqual([]);
  });

  it("describes the answers the ingress builds (the answer builders' output parses strictly)", () => {
    const view: PayoutStatusView = {
      ...initialPayoutView('order-1', 'payout-order-1', 1),
      phase: 'waiting',
      sessionId: 'sess_12345678',
      sessionStatus: 'payment_created',
      transferState: 'processing',
      connectUrl: 'https://example.invalid/connect',
      unrecognised: { sessionStatus: 'brand_new', transferState: null },
      timeline: [
        {
          at: '2026-01-01T00:00:00.000Z',
          source: 'create',
          sessionStatus: 'iban_required',
          transferState: null,
        },
        {
          at: '2026-01-01T00:01:00.000Z',
          source: 'poll',
          sessionStatus: 'payment_created',
          transferState: 'rejected',
          transferReason: 'insufficient_funds',
        },
      ],
    };
    expect(() => ANSWER_SCHEMAS.StatusAnswer.strict().parse(statusAnswer(view))).not.toThrow();
    expect(() => ANSWER_SCHEMAS.StartAnswer.strict().parse(startAnswer(view))).not.toThrow();
    expect(() => ANSWER_SCHEMAS.ProgressAnswer.strict().parse(progressAnswer(view))).not.toThrow();
  });
});

describe('every route and status code the ingress answers is described', () => {
  it('documents each route Fastify has registered, and describes no route that does not exist', () => {
    const routes = registeredRoutes(ingress.app).filter((route) => !DOCS_ASSETS.test(route.path));
    const registered = routes.map(({ method, path: url }) => `${method} ${url.replace(/:(\w+)/g, '{$1}')}`);
    // The parser found the routes (a change of printRoutes' format must not make this test vacuous).
    expect(registered).toEqual(expect.arrayContaining(['GET /healthz', 'POST /payouts', 'GET /docs']));

    const documented = Object.entries(served.paths).flatMap(([url, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${url}`),
    );
    expect(registered.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((route) => !registered.includes(route))).toEqual([]);
    expect(registered.sort()).toEqual(Object.keys(STATUS_CODES).sort());
  });

  it.each(Object.entries(STATUS_CODES))('%s: every status code it answers', (route, codes) => {
    const described = operation(route);
    expect(described).toBeDefined();
    expect(Object.keys(described?.responses ?? {}).sort()).toEqual([...codes].sort());
    expect(described?.security ?? []).toEqual(BEARER_ROUTES.includes(route) ? [{ bearerAuth: [] }] : []);
  });

  it('describes 409 order_conflict with the fields that differ', () => {
    const conflict = operation('POST /payouts')?.responses['409'];
    expect(JSON.stringify(conflict)).toContain('#/components/schemas/OrderConflict');
    // The answer the order routes build (client/payouts/payout-answers.ts).
    expect(() =>
      ANSWER_SCHEMAS.OrderConflict.strict().parse(orderConflictAnswer(['amount', 'payee.name'])),
    ).not.toThrow();
  });

  it('every status code written in the ingress source is described by some route', () => {
    const ingress = path.join(ROOT, 'client', 'ingress');
    const sources = (readdirSync(ingress, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts'))
      .map((file) => readFileSync(path.join(ingress, file), 'utf8'))
      .join('\n');
    const written = new Set(
      [...sources.matchAll(/\b(?:code|refuse|page)\(\s*(\d{3})\b/g)].map((match) => match[1] ?? ''),
    );
    const described = new Set(
      Object.values(served.paths).flatMap((item) =>
        Object.values(item).flatMap((op) => Object.keys(op.responses)),
      ),
    );
    expect(written.size).toBeGreaterThan(5);
    expect([...written].filter((code) => !described.has(code))).toEqual([]);
  });
});

describe('the route schemas the document is built from', () => {
  it('validate the requests: a refused body names every field as parsePayoutRequest does', async () => {
    const bodies: unknown[] = [
      { orderId: 'bad id', amount: '0.00', currency: 'USD', communication: ' ', payee: { name: '' } },
      {
        orderId: '1',
        amount: '1',
        currency: 'EUR',
        communication: 'x',
        payee: { name: 'A' },
        delivery: 'sms',
      },
      { orderId: '1', beneficary: {} },
      [],
      null,
    ];
    for (const body of bodies) {
      const answer = await postJson(`${ingress.baseUrl}/payouts`, body);
      const parsed = parsePayoutRequest(body);
      expect(parsed.ok).toBe(false);
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ error: 'invalid_request', fields: parsed.ok ? [] : parsed.issues });
    }
    // No body at all: Fastify validates it as `null`, the answer still names it absent.
    const absent = await http(`${ingress.baseUrl}/payouts`, { method: 'POST' });
    const parsed = parsePayoutRequest(undefined);
    expect(absent.status).toBe(400);
    expect(absent.json).toEqual({ error: 'invalid_request', fields: parsed.ok ? [] : parsed.issues });

    const orderId = await http(`${ingress.baseUrl}/payouts/${encodeURIComponent('a b')}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requestedBy: 'john@doe.example' }),
    });
    expect(orderId.json).toEqual({
      error: 'invalid_request',
      fields: [{ path: 'orderId', message: 'is not a valid order ID' }],
    });
  });

  it('document the answers of the hooks and the error handler too (401, 429, 500, 503)', () => {
    const start = operation('POST /payouts') as unknown as {
      responses: Record<string, { headers?: Record<string, unknown>; content: Record<string, unknown> }>;
    };
    expect(start.responses['401']?.headers).toHaveProperty('www-authenticate');
    expect(start.responses['429']?.headers).toHaveProperty('retry-after');
    expect(JSON.stringify(start.responses['503'])).toContain('#/components/schemas/TemporarilyUnavailable');
    expect(JSON.stringify(start.responses['500'])).toContain('#/components/schemas/InternalError');
  });
});

describe('GET /docs', () => {
  it('serves Swagger UI with its own strict Content-Security-Policy, assets from this origin', async () => {
    const page = await http(`${ingress.baseUrl}/docs`, { apiKey: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(DOCS_CSP);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.text).toContain(`<title>${API_TITLE}</title>`);
    expect(page.text).not.toMatch(/https?:\/\//);
    const bundle = await http(`${ingress.baseUrl}/docs/static/swagger-ui-bundle.js`, { apiKey: null });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
  });
});
