import { createHash, generateKeyPairSync } from 'node:crypto';
import { requestToken, sdkHeaders, sdkRequest, type ApiCredentials } from '../support/fintecture-sdk';
import {
  linkPayoutBody,
  payoutQuery,
  TEST_BIC,
  TEST_IBAN,
  verifiedPayoutBody,
} from '../support/payout-bodies';
import { startSandboxProcess, type SandboxProcess } from '../support/sandbox-process';
import { eventually } from '../support/wait';
import { WebhookReceiver } from '../support/webhook-receiver';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Validation } = require('fintecture-client/lib/src/Validation') as {
  Validation: new (config: { app_id: string; private_key: string }) => {
    authenticateRequest(headers: Record<string, unknown>, body: string): boolean;
  };
};

interface ErrorBody {
  errors: { code: string; message: string }[];
}
interface LogEntry {
  route: string;
  signature?: string;
  url: string;
}

let sandbox: SandboxProcess;
let api: ApiCredentials;
let token: string;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  await receiver.start();
  // Friendly: the first test filters the list by state, and the SDK validator below checks webhooks sent to
  // /webhooks/fintecture, while it rebuilds `(request-target)` as `post /webhook` whatever the URL (see the
  // documented-profile block at the end).
  sandbox = await startSandboxProcess({ SANDBOX_WEBHOOK_URL: receiver.url, SANDBOX_PROFILE: 'friendly' });
  api = sandbox;
  token = await requestToken(api);
});
afterAll(async () => {
  await sandbox.stop();
  await receiver.stop();
});

describe('requests signed by the official fintecture-client SDK', () => {
  it('are accepted on every signed route, including query strings that need encoding', async () => {
    const redirect = 'https://shop.example/payouts/return?lang=fr&x=a b/ü';
    const state = `payout-ordre ü&=?#${Date.now()}`;
    const path = `/pis/v2/request-for-payout?${new URLSearchParams({ redirect_uri: redirect, state })}`;
    const created = await sdkRequest<{ meta: { session_id: string } }>(
      api,
      token,
      'POST',
      path,
      linkPayoutBody(),
    );
    expect(created.status).toBe(201);
    const sessionId = created.body.meta.session_id;

    expect((await sdkRequest(api, token, 'GET', `/pis/v2/payments/${sessionId}`)).status).toBe(200);
    const listPath = `/pis/v2/payments?${new URLSearchParams({ 'filter[state]': state, 'page[size]': '5' })}`;
    const listed = await sdkRequest<{ data: { id: string }[] }>(api, token, 'GET', listPath);
    expect(listed.body.data.map((p) => p.id)).toEqual([sessionId]);
    const cancelled = await sdkRequest(api, token, 'PATCH', `/pis/v2/payments/${sessionId}`, {
      meta: { status: 'payment_cancelled' },
    });
    expect(cancelled.status).toBe(200);

    const log = await sandbox.control<LogEntry[]>('GET', '/requests');
    const mine = log.filter((e) => e.url.includes(sessionId) || e.url === path || e.url === listPath);
    expect(mine.map((e) => [e.route, e.signature])).toEqual([
      ['create', 'valid'],
      ['fetch', 'valid'],
      ['list', 'valid'],
      ['cancel', 'valid'],
    ]);
  });
});

describe('tampered requests are rejected, each with the precise reason', () => {
  const stranger = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });

  const cases: [string, () => Promise<{ status: number; body: ErrorBody }>, RegExp][] = [
    [
      'an edited body',
      () =>
        sdkRequest<ErrorBody>(api, token, 'POST', payoutQuery().path, verifiedPayoutBody('10.00'), {
          mutate: (r) => (r.body = r.body?.replace('10.00', '99.00')),
        }),
      /Digest does not match the request body/,
    ],
    [
      'a replaced digest (body and digest edited together)',
      () =>
        sdkRequest<ErrorBody>(api, token, 'POST', payoutQuery().path, verifiedPayoutBody('10.00'), {
          mutate: (r) => {
            r.body = r.body?.replace('10.00', '99.00');
            r.headers.Digest = `SHA-256=${createHash('sha256')
              .update(r.body ?? '')
              .digest('base64')}`;
          },
        }),
      /Signature does not verify/,
    ],
    [
      'another private key',
      () =>
        sdkRequest<ErrorBody>(
          { ...api, privateKeyPem: stranger.privateKey },
          token,
          'POST',
          payoutQuery().path,
          verifiedPayoutBody(),
        ),
      /Signature does not verify/,
    ],
    [
      'a stale date',
      () =>
        sdkRequest<ErrorBody>(api, token, 'GET', '/pis/v2/payments', undefined, {
          mutate: (r) => (r.headers.Date = new Date(Date.now() - 10 * 60_000).toUTCString()),
        }),
      // The SDK signed the original Date, so the edit is caught one way or the other; re-signing with an
      // old date is covered below by the date window itself.
      /Date is \d+s away|Signature does not verify/,
    ],
    [
      'a different keyId',
      () => sdkRequest<ErrorBody>({ ...api, appId: 'another-app' }, token, 'GET', '/pis/v2/payments'),
      /keyId does not match/,
    ],
    [
      'no Signature header',
      () =>
        sdkRequest<ErrorBody>(api, token, 'GET', '/pis/v2/payments', undefined, {
          mutate: (r) => delete r.headers.Signature,
        }),
      /Signature header is missing/,
    ],
    [
      'an edited query string',
      () =>
        sdkRequest<ErrorBody>(api, token, 'GET', '/pis/v2/payments?filter[status]=x', undefined, {
          mutate: (r) => (r.path = '/pis/v2/payments?filter[status]=y'),
        }),
      /Signature does not verify/,
    ],
    [
      'the same query encoded differently',
      () =>
        sdkRequest<ErrorBody>(api, token, 'GET', '/pis/v2/payments?filter%5Bstatus%5D=x', undefined, {
          mutate: (r) => (r.path = '/pis/v2/payments?filter[status]=x'),
        }),
      /Signature does not verify/,
    ],
    [
      'an edited X-Request-ID',
      () =>
        sdkRequest<ErrorBody>(api, token, 'GET', '/pis/v2/payments', undefined, {
          mutate: (r) => (r.headers['X-Request-ID'] = '00000000-0000-4000-8000-000000000000'),
        }),
      /Signature does not verify/,
    ],
  ];

  it.each(cases)('%s', async (_label, send, reason) => {
    const response = await send();
    expect(response.status).toBe(401);
    expect(response.body.errors[0]?.code).toBe('invalid_signature');
    expect(response.body.errors[0]?.message).toMatch(reason);
  });

  it('a correctly signed request with a date outside the window', async () => {
    jest.useFakeTimers({
      now: Date.now() - 6 * 60_000,
      doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'queueMicrotask'],
    });
    let headersSigned: Record<string, string> | undefined;
    try {
      // The SDK stamps Date with the (faked) clock and signs it properly.
      headersSigned = sdkHeaders(api, token, 'GET', '/pis/v2/payments');
    } finally {
      jest.useRealTimers();
    }
    const response = await fetch(`${api.baseUrl}/pis/v2/payments`, { headers: headersSigned });
    const body = (await response.json()) as ErrorBody;
    expect(response.status).toBe(401);
    expect(body.errors[0]?.message).toMatch(/Date is 36\ds away from the server clock \(tolerance 300s\)/);
  });
});

describe('signature modes', () => {
  afterEach(() => sandbox.control('PATCH', '/config', { signatures: 'required' }));

  const unsigned = () =>
    fetch(`${api.baseUrl}/pis/v2/payments`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });

  it('required refuses unsigned requests; if-present accepts them but still checks present signatures; off checks nothing', async () => {
    expect((await unsigned()).status).toBe(401);

    await sandbox.control('PATCH', '/config', { signatures: 'if-present' });
    expect((await unsigned()).status).toBe(200);
    const forged = await sdkRequest(api, token, 'GET', '/pis/v2/payments', undefined, {
      mutate: (r) =>
        (r.headers.Signature = r.headers.Signature!.replace(/signature="[^"]+"/, 'signature="AAAA"')),
    });
    expect(forged.status).toBe(401);

    await sandbox.control('PATCH', '/config', { signatures: 'off' });
    const ignored = await sdkRequest(api, token, 'GET', '/pis/v2/payments', undefined, {
      mutate: (r) =>
        (r.headers.Signature = r.headers.Signature!.replace(/signature="[^"]+"/, 'signature="AAAA"')),
    });
    expect(ignored.status).toBe(200);
  });
});

describe('webhooks sent by the sandbox', () => {
  it('pass the official SDK validator, one per status and transfer change, in order', async () => {
    const { path } = payoutQuery();
    const created = await sdkRequest<{ meta: { session_id: string } }>(
      api,
      token,
      'POST',
      path,
      linkPayoutBody(),
    );
    const sessionId = created.body.meta.session_id;
    await sandbox.control('POST', `/payouts/${sessionId}/payee`, {
      name: 'John Doe',
      iban: TEST_IBAN,
      bic: TEST_BIC,
    });
    const webhooks = await eventually(
      () => receiver.accepted(sessionId),
      (list) => list.some((w) => w.fields.transfer_state === 'completed'),
      { what: 'the completed webhook' },
    );
    expect(webhooks.map((w) => w.fields.event)).toEqual([
      'payment_session.status.iban_required',
      'payment_session.status.iban_received',
      'payment_session.status.payment_created',
      'payment_session.transfer_state.processing',
      'payment_session.transfer_state.completed',
    ]);
    const validator = new Validation({ app_id: api.appId, private_key: sandbox.privateKeyPem });
    for (const webhook of webhooks) {
      expect(webhook.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(validator.authenticateRequest({ ...webhook.headers }, webhook.rawBody)).toBe(true);
      // The SDK throws on a digest mismatch (and answers false on a bad signature).
      expect(() =>
        validator.authenticateRequest({ ...webhook.headers }, webhook.rawBody.replace('status=', 'status=x')),
      ).toThrow(/Digest/);
    }
    expect(webhooks.at(-1)?.fields).toMatchObject({
      session_id: sessionId,
      status: 'payment_created',
      transfer_state: 'completed',
      state: new URL(`http://x${path}`).searchParams.get('state'),
      customer_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it('retries a failing receiver with growing delays and the same X-Request-ID, then delivers', async () => {
    receiver.failNext(3);
    const created = await sdkRequest<{ meta: { session_id: string } }>(
      api,
      token,
      'POST',
      payoutQuery().path,
      verifiedPayoutBody('409.00'),
    );
    const sessionId = created.body.meta.session_id;
    const first = await eventually(
      () => receiver.received.filter((w) => w.fields.session_id === sessionId),
      (list) => list.some((w) => w.answeredWith === 200),
      { what: 'delivery after retries' },
    );
    const attempts = first.filter((w) => w.fields.event === 'payment_session.status.payment_created');
    expect(attempts.map((w) => w.answeredWith)).toEqual([500, 500, 500, 200]);
    expect(new Set(attempts.map((w) => w.headers['x-request-id'])).size).toBe(1);
    const deliveries = await sandbox.control<
      { sessionId: string; attempt: number; outcome: string; at: string }[]
    >('GET', '/webhooks/deliveries');
    const mine = deliveries.filter((d) => d.sessionId === sessionId).slice(0, 4);
    expect(mine.map((d) => [d.attempt, d.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
      [4, 'delivered'],
    ]);
    // Base 20 ms: retry n waits 20·2^(n-1) ms, so the gaps grow.
    const gaps = mine.slice(1).map((d, i) => Date.parse(d.at) - Date.parse(mine[i]!.at));
    expect(gaps[0]).toBeGreaterThanOrEqual(20 - 5);
    expect(gaps[1]).toBeGreaterThanOrEqual(40 - 5);
    expect(gaps[2]).toBeGreaterThanOrEqual(80 - 5);
  });
});

describe('webhooks of the documented profile', () => {
  // The SDK validator rebuilds `(request-target)` as `post /webhook` whatever the URL, so the receiver is
  // registered on that path here; the signing string follows the list in `headers="…"`.
  const documentedReceiver = new WebhookReceiver();
  let documented: SandboxProcess;

  beforeAll(async () => {
    await documentedReceiver.start();
    documented = await startSandboxProcess({
      SANDBOX_WEBHOOK_URL: documentedReceiver.url.replace('/webhooks/fintecture', '/webhook'),
    });
  });
  afterAll(async () => {
    await documented.stop();
    await documentedReceiver.stop();
  });

  it('pass the official SDK validator with every signed-header list, (request-target) included', async () => {
    const documentedToken = await requestToken(documented);
    const created = await sdkRequest<{ meta: { session_id: string } }>(
      documented,
      documentedToken,
      'POST',
      payoutQuery().path,
      linkPayoutBody(),
    );
    const sessionId = created.body.meta.session_id;
    await documented.control('POST', `/payouts/${sessionId}/payee`, {
      name: 'John Doe',
      iban: TEST_IBAN,
      bic: TEST_BIC,
    });
    const webhooks = await eventually(
      () => documentedReceiver.accepted(sessionId),
      (list) => list.some((w) => w.fields.transfer_state === 'completed'),
      { what: 'the completed webhook' },
    );
    const lists = webhooks.map((w) => /headers="([^"]+)"/.exec(String(w.headers.signature))?.[1]);
    expect(new Set(lists)).toEqual(
      new Set(['date digest x-request-id', '(request-target) date digest x-request-id', 'date digest']),
    );
    const validator = new Validation({ app_id: documented.appId, private_key: documented.privateKeyPem });
    for (const webhook of webhooks) {
      expect(validator.authenticateRequest({ ...webhook.headers }, webhook.rawBody)).toBe(true);
    }
  });
});
