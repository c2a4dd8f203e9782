import { type Client, type Connection } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import fc from 'fast-check';
import { type OutgoingHttpHeaders } from 'node:http';
import { DEFAULT_WEBHOOK_MAX_AGE_SECONDS } from '../../client/config';
import { createPayoutService } from '../../client/payouts/payout-service';
import { signFintectureWebhook } from '../support/fintecture-webhook-signer';
import { parsePayoutRequest } from '../../domain/payout-request';
import { DEFAULT_PAYOUT_SETTINGS } from '../../domain/payout-settings';
import { payoutWorkflowId } from '../../workflows/messages';
import { receivedEventsQuery } from './fixtures/contract-payout-workflow';
import {
  postJson,
  rawPost,
  startContractWorker,
  startTestIngress,
  TEST_API_KEY,
  TEST_APP_ID,
  webhookKeys,
  type ContractWorker,
  type TestIngress,
} from '../support/ingress-harness';
import { TEST_BIC, TEST_IBAN } from '../support/payout-bodies';
import { connectTestClient, uniqueId } from '../support/temporal';

/**
 * Hostile input (G4, G7), property-based, against a real ingress, Temporal server and contract worker: whatever
 * arrives, the answer is a 4xx with a JSON error and no stack trace, no workflow starts and no signal is sent.
 * Reproduce a failure with FUZZ_SEED=<seed printed by fast-check>.
 */

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const runs = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns,
  ...(seed === undefined ? {} : { seed }),
});

let client: Client;
let connection: Connection;
let worker: ContractWorker;
let ingress: TestIngress;
/** Every order ID a generated body named: none may have a workflow. */
const namedOrderIds = new Set<string>();
const prefix = uniqueId('fuzz').replace(/[^A-Za-z0-9-]/g, '');

beforeAll(async () => {
  ({ client, connection } = await connectTestClient());
  worker = await startContractWorker();
  const payouts = createPayoutService({
    client,
    taskQueue: worker.taskQueue,
    settings: DEFAULT_PAYOUT_SETTINGS,
  });
  ingress = await startTestIngress({ payouts });
});
afterAll(async () => {
  await ingress?.close();
  await worker?.stop();
  await connection?.close();
});

let counter = 0;
const nextOrderId = () => {
  const orderId = `${prefix}-${++counter}`;
  namedOrderIds.add(orderId);
  return orderId;
};

/**
 * Each property ends here: no order ID that its hostile bodies named (or that a valid-looking body was built
 * around) has a workflow. Per test, so a test run alone (`-t`) checks its own inputs.
 */
async function expectNoWorkflowStarted(): Promise<void> {
  const ids = [...namedOrderIds].filter((id) => id.length > 0);
  namedOrderIds.clear();
  expect(ids.length).toBeGreaterThan(0);
  for (const orderId of ids) {
    await expect(client.workflow.getHandle(payoutWorkflowId(orderId)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
  }
}

function validOrder(orderId: string): Record<string, unknown> {
  return {
    orderId,
    amount: '26.99',
    currency: 'EUR',
    communication: 'MyShop REFUND',
    payee: { name: 'John Doe', email: 'john@doe.example', phone: '+33601020304' },
    beneficiary: { name: 'John Doe', iban: TEST_IBAN, bic: TEST_BIC },
    delivery: 'link',
  };
}

/** A 4xx whose body is a JSON error object, with nothing internal in it. */
function expectCleanRejection(answer: { status: number; text: string }, allowed: readonly number[]) {
  expect(allowed).toContain(answer.status);
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  expect(typeof body.error).toBe('string');
  expect(body).not.toHaveProperty('stack');
  expect(answer.text).not.toMatch(/\bat .+:\d+:\d+|node_modules|\.ts\b|Error:/);
}

/** Order IDs anywhere in a body (as `orderId` at any depth): remembered, then checked to have no workflow. */
function collectOrderIds(value: unknown): void {
  if (Array.isArray(value)) value.forEach(collectOrderIds);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'orderId' && typeof item === 'string') namedOrderIds.add(item);
      collectOrderIds(item);
    }
  }
}

const orderHeaders = (extra: OutgoingHttpHeaders = {}): OutgoingHttpHeaders => ({
  authorization: `Bearer ${TEST_API_KEY}`,
  'content-type': 'application/json',
  ...extra,
});

const postOrder = (body: string | Buffer, headers: OutgoingHttpHeaders = orderHeaders()) =>
  rawPost(`${ingress.baseUrl}/payouts`, headers, body);

const wrongTyped = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 }),
);
const unicodeString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', minLength: 141, maxLength: 2000 }),
);
const FIELD_PATHS = [
  ['orderId'],
  ['amount'],
  ['currency'],
  ['communication'],
  ['delivery'],
  ['payee'],
  ['payee', 'name'],
  ['payee', 'email'],
  ['payee', 'phone'],
  ['beneficiary'],
  ['beneficiary', 'iban'],
  ['beneficiary', 'bic'],
  ['beneficiary', 'name'],
] as const;

function withField(body: Record<string, unknown>, path: readonly string[], value: unknown) {
  const copy = structuredClone(body);
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[path[path.length - 1]!] = value;
  return copy;
}

/** One valid order with one field replaced by a wrong type, a hostile string, or an extra key. */
const invalidOrder = fc
  .tuple(
    fc.constantFrom(...FIELD_PATHS),
    fc.oneof(wrongTyped, unicodeString),
    fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue()), { nil: undefined }),
  )
  .map(([path, value, extra]) => {
    const body = withField(validOrder(nextOrderId()), path, value);
    if (extra) body[`x-${extra[0]}`] = extra[1];
    return body;
  })
  // Only bodies the domain refuses (a unicode name, say, is a fine name).
  .filter((body) => !parsePayoutRequest(body).ok);

describe('POST /payouts with hostile input', () => {
  beforeEach(() => namedOrderIds.clear());
  it('answers arbitrary JSON values and wrongly typed fields with a clean 400', async () => {
    const anyJson = fc
      .oneof(fc.jsonValue(), invalidOrder, invalidOrder)
      .filter((body) => !parsePayoutRequest(body).ok);
    await fc.assert(
      fc.asyncProperty(anyJson, async (body) => {
        collectOrderIds(body);
        const answer = await postOrder(JSON.stringify(body));
        expectCleanRejection(answer, [400]);
      }),
      runs(100),
    );
    await expectNoWorkflowStarted();
  });

  it('answers malformed JSON bytes with a clean 400 malformed_json', async () => {
    const malformed = fc
      .oneof(
        fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
        fc
          .jsonValue()
          .map((value) =>
            Buffer.from(JSON.stringify(validOrder(nextOrderId())).slice(0, -1) + JSON.stringify(value)),
          ),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }).map((text) => Buffer.from(`{${text}`)),
      )
      .filter((bytes) => {
        try {
          JSON.parse(bytes.toString('utf8'));
          return false;
        } catch {
          return bytes.toString('utf8').trim().length > 0;
        }
      });
    await fc.assert(
      fc.asyncProperty(malformed, async (bytes) => {
        const answer = await postOrder(bytes);
        expectCleanRejection(answer, [400]);
        expect(JSON.parse(answer.text)).toMatchObject({ error: 'malformed_json' });
      }),
      runs(60),
    );
    await expectNoWorkflowStarted();
  });

  it('answers missing, repeated or wrong headers and oversize bodies with a clean 4xx', async () => {
    const headerVariants = fc.record({
      authorization: fc.constantFrom<string | string[] | undefined>(
        undefined,
        `Bearer ${TEST_API_KEY}`,
        [`Bearer ${TEST_API_KEY}`, `Bearer ${TEST_API_KEY}`],
        ['Bearer wrong-key-000000000000000', `Bearer ${TEST_API_KEY}`],
        `Basic ${TEST_API_KEY}`,
        'Bearer',
      ),
      'content-type': fc.constantFrom<string | string[] | undefined>(
        undefined,
        'application/json',
        ['application/json', 'text/plain'],
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
      ),
    });
    const bodies = fc.oneof(
      invalidOrder.map((body) => JSON.stringify(body)),
      // Over the 16 KiB limit, otherwise valid.
      fc.integer({ min: 17 * 1024, max: 200 * 1024 }).map((size) => {
        const body = validOrder(nextOrderId());
        body.communication = 'x'.repeat(size);
        return JSON.stringify(body);
      }),
    );
    await fc.assert(
      fc.asyncProperty(headerVariants, bodies, async (headers, body) => {
        collectOrderIds(JSON.parse(body));
        const sent: OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(headers)) if (value !== undefined) sent[name] = value;
        const answer = await postOrder(body, sent);
        expectCleanRejection(answer, [400, 401, 413, 415]);
      }),
      runs(60),
    );
    await expectNoWorkflowStarted();
  });
});

describe('POST /webhooks/fintecture with hostile input', () => {
  let orderId: string;
  const webhookUrl = () => `${ingress.baseUrl}/webhooks/fintecture`;
  const received = () => client.workflow.getHandle(payoutWorkflowId(orderId)).query(receivedEventsQuery);

  beforeAll(async () => {
    orderId = uniqueId('fuzz-webhook');
    const started = await postJson(`${ingress.baseUrl}/payouts`, validOrder(orderId));
    expect(started.status).toBe(201);
  });

  const formBody = (fields: Record<string, string>) =>
    new URLSearchParams({
      state: `payout-${orderId}`,
      session_id: `contract-${orderId}`,
      ...fields,
    }).toString();

  it('never signals for unsigned, forged, stale or malformed deliveries', async () => {
    const before = (await received()).length;
    const now = Date.now();
    const garbage = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.base64String({ maxLength: 400 }),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64')),
    );
    const body = fc.oneof(
      fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 40 }), { maxKeys: 4 }).map(formBody),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.integer({ min: 64 * 1024 + 1, max: 100 * 1024 }).map((size) => formBody({ pad: 'x'.repeat(size) })),
    );
    /** A delivery signed with the right key, then spoiled in one way. */
    const spoiled = fc
      .tuple(
        body,
        fc.constantFrom(
          'stale',
          'future',
          'body',
          'digest',
          'signature',
          'request-id',
          'date',
          'key-id',
          'missing',
          'repeated',
        ),
        fc.integer({ min: 301, max: 10 * 365 * 86_400 }),
        garbage,
        fc.constantFrom('signature', 'digest', 'date', 'x-request-id'),
      )
      .map(([text, how, skewSeconds, junk, header]) => {
        // Stale: older than the maximum age; future: beyond the 300 s skew tolerance, with a minute's
        // margin since `now` was read before the run.
        const date =
          how === 'stale'
            ? new Date(now - (DEFAULT_WEBHOOK_MAX_AGE_SECONDS - 300 + skewSeconds) * 1000)
            : how === 'future'
              ? new Date(now + (60 + skewSeconds) * 1000)
              : undefined;
        const signed = signFintectureWebhook({
          body: text,
          appId: how === 'key-id' ? `${TEST_APP_ID}-other` : TEST_APP_ID,
          publicKey: webhookKeys().publicKey,
          date,
        });
        const headers: Record<string, string | string[]> = { ...signed };
        let sentBody = text;
        if (how === 'body') sentBody = `${text}&tampered=1`;
        if (how === 'digest') headers.digest = `SHA-256=${junk}`;
        if (how === 'signature')
          headers.signature = signed.signature!.replace(/signature="[^"]*"/, `signature="${junk}"`);
        if (how === 'request-id') headers['x-request-id'] = `${signed['x-request-id']}-${junk}`;
        if (how === 'date') headers.date = junk;
        if (how === 'missing') delete headers[header];
        if (how === 'repeated') headers[header] = [String(signed[header]), String(signed[header])];
        return { headers, body: sentBody };
      });
    const unsigned = fc
      .record(
        {
          signature: garbage.map(
            (junk) =>
              `keyId="${TEST_APP_ID}",algorithm="rsa-sha256",headers="date digest x-request-id",signature="${junk}"`,
          ),
          digest: garbage.map((junk) => `SHA-256=${junk}`),
          date: fc.oneof(
            garbage,
            fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
          ),
          'x-request-id': garbage,
          'content-type': fc.constantFrom(
            'application/x-www-form-urlencoded',
            'application/json',
            'text/plain',
            'multipart/form-data',
          ),
        },
        { requiredKeys: [] },
      )
      .chain((headers) => body.map((text) => ({ headers: headers as OutgoingHttpHeaders, body: text })));

    await fc.assert(
      fc.asyncProperty(fc.oneof(spoiled, unsigned), async (delivery) => {
        const answer = await rawPost(webhookUrl(), delivery.headers, delivery.body);
        expectCleanRejection(answer, [400, 401, 413, 415]);
      }),
      runs(100),
    );
    expect((await received()).length).toBe(before);
  });

  it('signals a replayed X-Request-ID with a different body at most once', async () => {
    const fields = fc.record({
      status: fc.constantFrom('payment_created', 'payment_pending', 'payment_successful', 'other'),
      transfer_state: fc.constantFrom('initiated', 'sent', 'received', 'rejected'),
      extra: fc.string({ maxLength: 30 }),
    });
    await fc.assert(
      fc.asyncProperty(fields, fields, async (first, second) => {
        const before = (await received()).length;
        const original = formBody({ status: 'payment_created', transfer_state: 'initiated' });
        const signed = signFintectureWebhook({
          body: original,
          appId: TEST_APP_ID,
          publicKey: webhookKeys().publicKey,
        });
        const requestId = signed['x-request-id']!;
        expect((await rawPost(webhookUrl(), signed, original)).status).toBe(200);

        for (const replay of [formBody(first), formBody({ ...second, note: 'replay' })]) {
          // Replayed bytes under the original signature, and a fresh signature over new bytes with the same ID.
          const tampered = await rawPost(webhookUrl(), signed, replay);
          expect(tampered.status).toBe(401);
          const resigned = signFintectureWebhook({
            body: replay,
            appId: TEST_APP_ID,
            publicKey: webhookKeys().publicKey,
            requestId,
          });
          const answer = await rawPost(webhookUrl(), resigned, replay);
          expect(answer.status).toBe(200);
          expect(JSON.parse(answer.text)).toEqual({ received: true, outcome: 'duplicate' });
        }
        const events = await received();
        expect(events.length).toBe(before + 1);
        expect(events.filter((event) => event.eventId === requestId)).toHaveLength(1);
      }),
      runs(15),
    );
  });
});
