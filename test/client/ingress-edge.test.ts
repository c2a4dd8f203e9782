import { type Client, type Connection } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { createPayoutService, type PayoutService } from '../../client/payouts/payout-service';
import { DEFAULT_WEBHOOK_MAX_AGE_SECONDS } from '../../client/config';
import { signFintectureWebhook, type SignFintectureWebhookInput } from '../support/fintecture-webhook-signer';
import { DEFAULT_PAYOUT_SETTINGS } from '../../domain/payout-settings';
import { payoutWorkflowId } from '../../workflows/messages';
import {
  http,
  metricValue,
  postJson,
  rawPost,
  startTestIngress,
  TEST_API_KEY,
  TEST_APP_ID,
  webhookKeys,
  type TestIngress,
} from '../support/ingress-harness';
import { TEST_BIC, TEST_IBAN } from '../support/payout-bodies';
import { connectTestClient, uniqueId } from '../support/temporal';

/**
 * The ingress in front of a real Temporal server with no worker: everything that must be decided at the
 * edge — authentication, validation, webhook verification, routing of unknown payouts — and must never
 * start or touch a workflow.
 */

let client: Client;
let connection: Connection;
let ingress: TestIngress;

beforeAll(async () => {
  ({ client, connection } = await connectTestClient());
  const payouts = createPayoutService({
    client,
    taskQueue: uniqueId('no-worker'),
    settings: DEFAULT_PAYOUT_SETTINGS,
  });
  ingress = await startTestIngress({ payouts });
});
afterAll(async () => {
  await ingress?.close();
  await connection?.close();
});

function validOrder(orderId = uniqueId('order')) {
  return {
    orderId,
    amount: '26.99',
    currency: 'EUR',
    communication: 'MyShop REFUND from Order 123',
    payee: { name: 'John Doe', email: 'john@doe.example', phone: '+33601020304' },
    beneficiary: { name: 'John Doe', iban: TEST_IBAN, bic: TEST_BIC },
    delivery: 'link',
  };
}

async function expectNoWorkflow(orderId: string) {
  await expect(client.workflow.getHandle(payoutWorkflowId(orderId)).describe()).rejects.toBeInstanceOf(
    WorkflowNotFoundError,
  );
}

describe('POST /payouts at the edge', () => {
  const url = () => `${ingress.baseUrl}/payouts`;

  it.each([
    ['no Authorization header', null],
    ['a wrong key', 'not-the-key-0123456789abcdef'],
    ['the key with one character changed', TEST_API_KEY.slice(0, -1) + 'X'],
    ['a prefix of the key', TEST_API_KEY.slice(0, 10)],
  ])('answers 401 with %s, and starts nothing', async (_label, apiKey) => {
    const order = validOrder();
    const answer = await postJson(url(), order, { apiKey });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ error: 'unauthorized' });
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    await expectNoWorkflow(order.orderId);
  });

  it('answers 401 to a Basic scheme carrying the right key', async () => {
    const answer = await http(url(), {
      method: 'POST',
      apiKey: null,
      headers: { authorization: `Basic ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(validOrder()),
    });
    expect(answer.status).toBe(401);
  });

  type Order = ReturnType<typeof validOrder> & Record<string, unknown>;
  const cases: [string, (order: Order) => void, string[]][] = [
    ['an order ID with a space', (o) => (o.orderId = 'order 1'), ['orderId']],
    ['an order ID with a slash', (o) => (o.orderId = 'a/b'), ['orderId']],
    ['three decimals', (o) => (o.amount = '26.999'), ['amount']],
    ['a zero amount', (o) => (o.amount = '0.00'), ['amount']],
    ['a number instead of a string', (o) => ((o as Record<string, unknown>).amount = 26.99), ['amount']],
    ['an unsupported currency', (o) => (o.currency = 'USD'), ['currency']],
    ['an empty communication', (o) => (o.communication = '  '), ['communication']],
    ['a communication too long', (o) => (o.communication = 'x'.repeat(141)), ['communication']],
    // 16 of SEPA's 140 characters carry the payout reference that finds the session again.
    [
      'a communication that leaves no room for the reference',
      (o) => (o.communication = 'x'.repeat(125)),
      ['communication'],
    ],
    ['no payee', (o) => delete (o as Partial<Order>).payee, ['payee']],
    ['an invalid email', (o) => (o.payee.email = 'john-at-doe'), ['payee.email']],
    ['an invalid phone', (o) => (o.payee.phone = '0601020304'), ['payee.phone']],
    [
      'a wrong IBAN check digit',
      (o) => (o.beneficiary.iban = TEST_IBAN.replace('14', '15')),
      ['beneficiary.iban'],
    ],
    ['an invalid BIC', (o) => (o.beneficiary.bic = 'PSST'), ['beneficiary.bic']],
    ['an unknown delivery', (o) => (o.delivery = 'fax'), ['delivery']],
    ['an expiry too short', (o) => (o.expiresInSeconds = 10), ['expiresInSeconds']],
    ['a 3-letter language', (o) => (o.language = 'fra'), ['language']],
    ['a misspelt field', (o) => (o.beneficary = {}), ['']],
    [
      'email delivery without an email (scenario 1)',
      (o) => {
        delete (o as Partial<Order>).beneficiary;
        delete (o.payee as { email?: string }).email;
        o.delivery = 'email';
      },
      ['payee.email'],
    ],
  ];

  it.each(cases)('answers 400 naming the field for %s, and starts nothing', async (_label, mutate, paths) => {
    const order = validOrder() as Order;
    mutate(order);
    const answer = await postJson(url(), order);
    expect(answer.status).toBe(400);
    const body = answer.json as { error: string; fields: { path: string; message: string }[] };
    expect(body.error).toBe('invalid_request');
    expect(body.fields.map((f) => f.path)).toEqual(paths);
    expect(body.fields.every((f) => typeof f.message === 'string' && f.message.length > 0)).toBe(true);
    // The offending value is never echoed (it may be personal data).
    expect(answer.text).not.toContain('john-at-doe');
    expect(answer.text).not.toContain('0601020304');
    expect(answer.text).not.toContain(TEST_IBAN.replace('14', '15'));
    if (typeof order.orderId === 'string' && !paths.includes('orderId'))
      await expectNoWorkflow(order.orderId);
  });

  it('lists every bad field of one request at once', async () => {
    const order = {
      orderId: 'bad id',
      amount: '-1',
      currency: 'XXX',
      communication: '',
      payee: { name: '', email: 'nope' },
      beneficiary: { name: 'John Doe', iban: 'FR00', bic: '?' },
      delivery: 'pigeon',
      expiresInSeconds: 1.5,
    };
    const answer = await postJson(url(), order);
    expect(answer.status).toBe(400);
    const paths = (answer.json as { fields: { path: string }[] }).fields.map((f) => f.path);
    expect(new Set(paths)).toEqual(
      new Set([
        'orderId',
        'amount',
        'currency',
        'communication',
        'payee.name',
        'payee.email',
        'beneficiary.iban',
        'beneficiary.bic',
        'delivery',
        'expiresInSeconds',
      ]),
    );
  });

  it('answers 400 (not 500) to malformed JSON, and to JSON that is not an object', async () => {
    const malformed = await http(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"orderId": "1", "amount": ',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual({ error: 'malformed_json' });

    for (const body of ['[]', 'null', '"text"']) {
      const answer = await http(url(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(answer.status).toBe(400);
      expect((answer.json as { error: string }).error).toBe('invalid_request');
    }
  });

  it('answers 415 to a body that is not JSON', async () => {
    const answer = await http(url(), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(answer.status).toBe(415);
  });

  it('answers 413 to an oversize body, and starts nothing', async () => {
    const order = { ...validOrder(), communication: 'x'.repeat(20_000) };
    const answer = await postJson(url(), order);
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual({ error: 'payload_too_large' });
    await expectNoWorkflow(order.orderId);
  });
});

describe('GET /payouts/:orderId and cancel at the edge', () => {
  it('answers 404 for an order without a payout', async () => {
    const answer = await http(`${ingress.baseUrl}/payouts/${uniqueId('order')}`);
    expect(answer.status).toBe(404);
    expect((answer.json as { error: string }).error).toBe('not_found');
  });

  it('answers 400 for an order ID that cannot be one', async () => {
    const answer = await http(`${ingress.baseUrl}/payouts/${encodeURIComponent('a b')}`);
    expect(answer.status).toBe(400);
    expect((answer.json as { fields: { path: string }[] }).fields[0]?.path).toBe('orderId');
  });

  it('answers 401 without the key', async () => {
    expect((await http(`${ingress.baseUrl}/payouts/x`, { apiKey: null })).status).toBe(401);
    expect((await http(`${ingress.baseUrl}/payouts/x/cancel`, { method: 'POST', apiKey: null })).status).toBe(
      401,
    );
  });

  it('answers 404 to cancelling an order without a payout', async () => {
    const answer = await http(`${ingress.baseUrl}/payouts/${uniqueId('order')}/cancel`, { method: 'POST' });
    expect(answer.status).toBe(404);
  });

  it('answers 400 to a cancel naming a person instead of a role', async () => {
    const answer = await postJson(`${ingress.baseUrl}/payouts/${uniqueId('order')}/cancel`, {
      requestedBy: 'john@doe.example',
    });
    expect(answer.status).toBe(400);
    expect((answer.json as { fields: { path: string }[] }).fields[0]?.path).toBe('requestedBy');
  });
});

describe('POST /webhooks/fintecture at the edge', () => {
  const url = () => `${ingress.baseUrl}/webhooks/fintecture`;
  const bodyFor = (state: string, sessionId = 'b2bca2bcd3b64a32a7da0766df59a7d2') =>
    new URLSearchParams({
      session_id: sessionId,
      status: 'payment_created',
      transfer_state: 'processing',
      state,
      event: 'payment_session.transfer_state.processing',
    }).toString();
  const sign = (
    body: string,
    extra: Partial<
      Pick<SignFintectureWebhookInput, 'date' | 'requestId' | 'signedHeaders' | 'request'> & {
        publicKey: string;
      }
    > = {},
  ) =>
    signFintectureWebhook({
      body,
      appId: TEST_APP_ID,
      publicKey: extra.publicKey ?? webhookKeys().publicKey,
      ...extra,
    });
  const send = (body: string, headers: Record<string, string>, target = '/webhooks/fintecture') =>
    http(`${ingress.baseUrl}${target}`, { method: 'POST', apiKey: null, headers, body });
  const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000);

  it('answers 401 to forgeries, with the reason, and counts them', async () => {
    const body = bodyFor(`payout-${uniqueId('order')}`);
    const other = (await import('node:crypto')).generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cases: [Record<string, string>, string, string][] = [
      [
        sign(body, { publicKey: other.publicKey.export({ type: 'spki', format: 'pem' }).toString() }),
        body,
        'undecryptable_signature',
      ],
      [sign(body), body.replace('processing', 'completed'), 'digest_mismatch'],
      [sign(body, { date: secondsAgo(DEFAULT_WEBHOOK_MAX_AGE_SECONDS + 60) }), body, 'stale_date'],
      [sign(body, { date: secondsAgo(-10 * 60) }), body, 'future_date'],
      [sign(body, { signedHeaders: ['(request-target)', 'digest'] }), body, 'unsigned_headers'],
      [
        sign(body, {
          signedHeaders: ['(request-target)', 'date', 'digest'],
          request: { method: 'POST', target: '/webhooks/elsewhere' },
        }),
        body,
        'signed_headers_mismatch',
      ],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, body, 'missing_header'],
    ];
    for (const [headers, sentBody, reason] of cases) {
      const before = await metricValue(ingress.registry, 'payout_ingress_webhooks_total', { result: reason });
      const answer = await send(sentBody, headers);
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual({ error: 'invalid_signature', reason });
      expect(await metricValue(ingress.registry, 'payout_ingress_webhooks_total', { result: reason })).toBe(
        before + 1,
      );
    }
  });

  it('answers 401 to a signed header sent twice on the wire', async () => {
    const body = bodyFor(`payout-${uniqueId('order')}`);
    const headers = sign(body);
    const answer = await rawPost(url(), { ...headers, digest: [headers.digest!, headers.digest!] }, body);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toEqual({ error: 'invalid_signature', reason: 'repeated_header' });
  });

  it('acknowledges a genuine webhook for an unknown payout without creating anything, once', async () => {
    const orderId = uniqueId('order');
    const body = bodyFor(`payout-${orderId}`);
    const headers = sign(body);
    const unknown = () =>
      metricValue(ingress.registry, 'payout_ingress_signals_total', {
        source: 'webhook',
        outcome: 'unknown',
      });
    const before = await unknown();

    const first = await send(body, headers);
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ received: true, outcome: 'unknown' });
    expect(await unknown()).toBe(before + 1);
    await expectNoWorkflow(orderId);
    expect(ingress.logger.entries).toContainEqual(
      expect.objectContaining({ event: 'webhook_unknown', fields: expect.objectContaining({ orderId }) }),
    );

    // Fintecture delivering the same event again: acknowledged, not passed on a second time.
    const again = await send(body, headers);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ received: true, outcome: 'duplicate' });
    expect(await unknown()).toBe(before + 1);
  });

  it('checks (request-target) against the path and query exactly as they reached it', async () => {
    const target = '/webhooks/fintecture?src=fc&next=%2Fa%7E';
    const body = bodyFor('somebody-elses-state');
    const headers = sign(body, {
      signedHeaders: ['(request-target)', 'date', 'digest'],
      request: { method: 'POST', target },
    });
    const answer = await send(body, headers, target);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ received: true, outcome: 'ignored' });
    const decoded = await send(body, headers, '/webhooks/fintecture?src=fc&next=/a~');
    expect(decoded.status).toBe(401);
    expect(decoded.json).toEqual({ error: 'invalid_signature', reason: 'signed_headers_mismatch' });
  });

  it('accepts a delivery whose Date is hours old (console offset and retries), still once', async () => {
    const orderId = uniqueId('order');
    const body = bodyFor(`payout-${orderId}`);
    const headers = sign(body, { date: secondsAgo(61 * 60 + 4 * 3600) });
    const first = await send(body, headers);
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ received: true, outcome: 'unknown' });
    const again = await send(body, headers);
    expect(again.json).toEqual({ received: true, outcome: 'duplicate' });
  });

  it('without X-Request-ID, dedupes retries by the signed Date and Digest', async () => {
    const orderId = uniqueId('order');
    const body = bodyFor(`payout-${orderId}`);
    const date = secondsAgo(30);
    const retry = () => sign(body, { date, requestId: null, signedHeaders: ['date', 'digest'] });
    const first = await send(body, retry());
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ received: true, outcome: 'unknown' });
    // A retry is encrypted afresh (OAEP is randomised): same event, acknowledged, not passed on.
    const again = await send(body, retry());
    expect(again.json).toEqual({ received: true, outcome: 'duplicate' });
    const unknownLogs = ingress.logger.entries.filter(
      (entry) => entry.event === 'webhook_unknown' && entry.fields.orderId === orderId,
    );
    expect(unknownLogs).toHaveLength(1);
    expect(unknownLogs[0]!.fields).toMatchObject({
      requestId: null,
      eventId: expect.stringMatching(/^webhook-/),
    });
  });

  it('acknowledges a genuine webhook whose state is not one of ours, and ignores it', async () => {
    const body = bodyFor('somebody-elses-state');
    const answer = await send(body, sign(body));
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ received: true, outcome: 'ignored' });
  });
});

describe('oversize webhooks and internal failures', () => {
  it('answers 413 to a webhook body over the limit, before verifying anything', async () => {
    const body = `state=payout-x&pad=${'x'.repeat(70 * 1024)}`;
    const answer = await http(`${ingress.baseUrl}/webhooks/fintecture`, {
      method: 'POST',
      apiKey: null,
      headers: signFintectureWebhook({ body, appId: TEST_APP_ID, publicKey: webhookKeys().publicKey }),
      body,
    });
    expect(answer.status).toBe(413);
  });

  it('answers 500 with no detail and no stack trace when something unexpected breaks, and logs it', async () => {
    const failing: PayoutService = {
      startPayout: () => Promise.reject(new Error('boom: internal detail')),
      getPayout: () => Promise.reject(new Error('boom: internal detail')),
      cancelPayout: () => Promise.reject(new Error('boom: internal detail')),
      signalEvent: () => Promise.reject(new Error('boom: internal detail')),
      listPayouts: () => Promise.reject(new Error('boom: internal detail')),
      isTemporalReachable: () => Promise.resolve(true),
    };
    const broken = await startTestIngress({ payouts: failing });
    try {
      const answer = await http(`${broken.baseUrl}/payouts/${uniqueId('order')}`);
      expect(answer.status).toBe(500);
      expect(answer.json).toEqual({ error: 'internal_error' });
      expect(answer.text).not.toContain('boom');
      expect(answer.text).not.toMatch(/\bat .*:\d+/);
      expect(broken.logger.entries).toContainEqual(
        expect.objectContaining({
          event: 'request_failed',
          level: 'error',
          fields: expect.objectContaining({ error: 'Error' }),
        }),
      );
    } finally {
      await broken.close();
    }
  });
});

describe('GET /payouts/return at the edge', () => {
  it('answers a 404 page for an unknown payout, and a 400 page for a malformed query, without scripts', async () => {
    const unknown = await http(
      `${ingress.baseUrl}/payouts/return?${new URLSearchParams({
        session_id: 'b2bca2bcd3b64a32a7da0766df59a7d2',
        status: 'iban_received',
        state: `payout-${uniqueId('order')}`,
      })}`,
      { apiKey: null },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^text\/html/);
    expect(unknown.text).toContain('We could not find this payout');
    expect(unknown.text).not.toContain('<script');
    expect(unknown.headers.get('content-security-policy')).toContain("default-src 'none'");

    const malformed = await http(`${ingress.baseUrl}/payouts/return?state=<script>alert(1)</script>`, {
      apiKey: null,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.text).not.toContain('<script>alert(1)');
  });

  it('the progress endpoint answers 404 for an unknown payout', async () => {
    const answer = await http(
      `${ingress.baseUrl}/payouts/return/status?${new URLSearchParams({
        session_id: 'b2bca2bcd3b64a32a7da0766df59a7d2',
        state: `payout-${uniqueId('order')}`,
      })}`,
      { apiKey: null },
    );
    expect(answer.status).toBe(404);
  });
});

describe('platform routes', () => {
  it('/healthz answers 200 while Temporal is reachable', async () => {
    const answer = await http(`${ingress.baseUrl}/healthz`, { apiKey: null });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: 'ok', temporal: 'reachable' });
  });

  it('/metrics exposes the ingress metrics in Prometheus format', async () => {
    const answer = await http(`${ingress.baseUrl}/metrics`, { apiKey: null });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    for (const name of [
      'payout_ingress_payouts_started_total',
      'payout_ingress_webhooks_total',
      'payout_ingress_signals_total',
      'payout_ingress_request_duration_seconds_bucket',
    ]) {
      expect(answer.text).toContain(name);
    }
    expect(answer.text).toMatch(/payout_ingress_request_duration_seconds_count\{[^}]*route="\/payouts"/);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const answer = await http(`${ingress.baseUrl}/nothing-here`, { apiKey: null });
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ error: 'not_found' });
  });

  it('logged IDs and codes only: no personal data, no key', () => {
    const logs = ingress.logger.text();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [
      'John Doe',
      'john@doe.example',
      '+33601020304',
      TEST_IBAN,
      TEST_API_KEY,
      'MyShop',
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});
