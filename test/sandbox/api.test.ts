import { requestToken, sdkRequest, type ApiCredentials } from '../support/fintecture-sdk';
import {
  linkPayoutBody,
  payoutQuery,
  TEST_BIC,
  TEST_IBAN,
  verifiedPayoutBody,
} from '../support/payout-bodies';
import { startSandboxProcess, type SandboxProcess } from '../support/sandbox-process';
import { eventually } from '../support/wait';

interface Payment {
  meta: {
    session_id: string;
    status: string;
    type?: string;
    customer_id?: string;
    url?: string;
    code?: number;
    method?: string;
  };
  data?: { id: string; attributes: Record<string, string | undefined> };
}
interface ControlPayout {
  sessionId: string;
  status: string;
  transferState: string | null;
  transferReason: string | null;
  history: { status: string; transferState?: string }[];
}
interface ErrorBody {
  status: number;
  code: string;
  log_id: string;
  errors: { code: string; message: string; source?: { pointer: string } }[];
}

let sandbox: SandboxProcess;
let api: ApiCredentials;
let token: string;

// These tests pin the friendly profile (fintecture-api.md before its 2026-11-30 correction: filters,
// page size and page count, the client's end_to_end_id, a status in the scenario-1 answer);
// documented-profile.test.ts covers the default.
beforeAll(async () => {
  sandbox = await startSandboxProcess({ SANDBOX_PROFILE: 'friendly' });
  api = sandbox;
  token = await requestToken(api);
});
afterAll(() => sandbox.stop());

async function createVerified(amount = '26.99', endToEndId?: string) {
  const { path, state } = payoutQuery();
  const response = await sdkRequest<Payment>(
    api,
    token,
    'POST',
    path,
    verifiedPayoutBody(amount, endToEndId),
  );
  expect(response.status).toBe(201);
  return { sessionId: response.body.meta.session_id, state, response };
}

async function createLink(overrides: Parameters<typeof linkPayoutBody>[0] = {}) {
  const { path, state } = payoutQuery();
  const response = await sdkRequest<Payment>(api, token, 'POST', path, linkPayoutBody(overrides));
  expect(response.status).toBe(201);
  return { sessionId: response.body.meta.session_id, state, response };
}

const payoutView = (sessionId: string) => sandbox.control<ControlPayout>('GET', `/payouts/${sessionId}`);
const settledAs = (transferState: string) => (p: ControlPayout) => p.transferState === transferState;

describe('OAuth', () => {
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const tokenCall = (authorization: string, form: Record<string, string>) =>
    fetch(`${api.baseUrl}/oauth/accesstoken`, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams(form).toString(),
    });

  it('issues Bearer tokens for scope PIS and payout, with expires_in', async () => {
    for (const scope of ['PIS', 'payout']) {
      const response = await tokenCall(basic(api.appId, api.appSecret), {
        grant_type: 'client_credentials',
        app_id: api.appId,
        scope,
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toEqual({ token_type: 'Bearer', access_token: expect.any(String), expires_in: 3600 });
    }
  });

  it('refuses bad credentials, a foreign app_id and an unknown scope in Fintecture format', async () => {
    const cases: [string, Record<string, string>, string][] = [
      [
        basic(api.appId, 'wrong-secret'),
        { grant_type: 'client_credentials', app_id: api.appId, scope: 'PIS' },
        'invalid_client',
      ],
      [
        basic(api.appId, api.appSecret),
        { grant_type: 'client_credentials', app_id: 'someone-else', scope: 'PIS' },
        'invalid_app_id',
      ],
      [
        basic(api.appId, api.appSecret),
        { grant_type: 'client_credentials', app_id: api.appId, scope: 'AIS' },
        'invalid_scopes',
      ],
    ];
    for (const [authorization, form, code] of cases) {
      const response = await tokenCall(authorization, form);
      expect(response.status).toBe(401);
      const body = (await response.json()) as ErrorBody;
      expect(body).toMatchObject({ status: 401, code: 'unauthorized', log_id: expect.any(String) });
      expect(body.errors[0]?.code).toBe(code);
    }
  });

  it('answers 401 invalid_token for unknown, revoked and expired tokens', async () => {
    const unknown = await sdkRequest<ErrorBody>(api, 'not-a-token', 'GET', '/pis/v2/payments');
    expect(unknown.status).toBe(401);
    expect(unknown.body.errors[0]?.code).toBe('invalid_token');

    await sandbox.control('PATCH', '/config', { tokenTtlSeconds: 1 });
    const shortLived = await requestToken(api);
    await sandbox.control('PATCH', '/config', { tokenTtlSeconds: 3600 });
    expect((await sdkRequest(api, shortLived, 'GET', '/pis/v2/payments')).status).toBe(200);
    const expired = await eventually(
      () => sdkRequest<ErrorBody>(api, shortLived, 'GET', '/pis/v2/payments'),
      (r) => r.status === 401,
      { what: 'the 1 s token to expire', intervalMs: 200 },
    );
    expect(expired.body.errors[0]?.message).toMatch(/expired/);

    const doomed = await requestToken(api);
    expect((await sandbox.control<{ tokens: string[] }>('GET', '/tokens')).tokens).toContain(doomed);
    await sandbox.control('POST', '/tokens/revoke');
    expect((await sandbox.control<{ tokens: string[] }>('GET', '/tokens')).tokens).toEqual([]);
    const revoked = await sdkRequest<ErrorBody>(api, doomed, 'GET', '/pis/v2/payments');
    expect(revoked.status).toBe(401);
    expect(revoked.body.errors[0]?.code).toBe('invalid_token');
    token = await requestToken(api);
  });
});

describe('scenario 2: verified beneficiary', () => {
  it('answers with the documented shape and pays at once, then settles initiated → processing → completed', async () => {
    const { sessionId, response } = await createVerified('26.99', 'E2E-ORDER-42');
    expect(response.body.meta).toEqual({
      status: 'payment_created',
      session_id: sessionId,
      type: 'RequestForPayout',
    });
    expect(sessionId).toMatch(/^[0-9a-f]{32}$/);
    expect(response.body.data?.attributes).toMatchObject({
      amount: '26.99',
      currency: 'EUR',
      end_to_end_id: 'E2E-ORDER-42',
      scheme: 'INSTANT_SEPA',
      transfer_state: 'initiated',
      execution_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      beneficiary: { name: 'John Doe', iban: TEST_IBAN, swift_bic: TEST_BIC },
    });

    await eventually(() => payoutView(sessionId), settledAs('completed'), { what: 'settlement' });
    const read = await sdkRequest<Payment>(api, token, 'GET', `/pis/v2/payments/${sessionId}`);
    expect(read.status).toBe(200);
    expect(read.body.meta).toMatchObject({
      session_id: sessionId,
      status: 'payment_created',
      type: 'RequestForPayout',
    });
    expect(read.body.data?.attributes).toMatchObject({
      transfer_state: 'completed',
      payment_scheme: 'INSTANT_SEPA',
    });
    expect(read.body.data?.attributes.transfer_reason).toBeUndefined();
    expect(read.text).not.toMatch(/"state"/); // our `state` is echoed by webhooks and redirects, not reads
    const history = (await payoutView(sessionId)).history.map((h) => h.transferState);
    expect(history).toEqual(['initiated', 'processing', 'completed']);
  });

  it('generates a 32-hex end_to_end_id when none is given', async () => {
    const { response } = await createVerified();
    expect(response.body.data?.attributes.end_to_end_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ['400.01', 'insufficient_funds'],
    ['400.02', 'incorrect_account_number'],
    ['400.03', 'closed_account'],
    ['400.04', 'blocked_account'],
    ['400.05', 'invalid_bic'],
    ['400.06', 'fraud_suspected'],
    ['400.07', 'technical'],
  ])('amount %s is rejected with transfer_reason %s', async (amount, reason) => {
    const { sessionId } = await createVerified(amount);
    const payout = await eventually(() => payoutView(sessionId), settledAs('rejected'), {
      what: 'rejection',
    });
    expect(payout.transferReason).toBe(reason);
    const read = await sdkRequest<Payment>(api, token, 'GET', `/pis/v2/payments/${sessionId}`);
    expect(read.body.data?.attributes).toMatchObject({ transfer_state: 'rejected', transfer_reason: reason });
  });

  it('402.00 is blocked for AML review, then settles', async () => {
    const { sessionId } = await createVerified('402.00');
    const payout = await eventually(() => payoutView(sessionId), settledAs('completed'), {
      what: 'settlement',
    });
    expect(payout.history.map((h) => h.transferState)).toEqual([
      'initiated',
      'blocked',
      'processing',
      'completed',
    ]);
  });

  it('408.00 settles only after the slow delay', async () => {
    const { sessionId } = await createVerified('408.00');
    await eventually(() => payoutView(sessionId), settledAs('processing'), { what: 'processing' });
    const payout = await eventually(() => payoutView(sessionId), settledAs('completed'), {
      what: 'settlement',
    });
    expect(payout.history.map((h) => h.transferState)).toEqual(['initiated', 'processing', 'completed']);
  });

  it('409.00 stays blocked until an outcome is forced', async () => {
    const { sessionId } = await createVerified('409.00');
    await eventually(() => payoutView(sessionId), settledAs('blocked'), { what: 'blocked' });
    // A payout created after it, on the same step clock, goes through two more steps to settle;
    // by then the stuck one has still not moved.
    const witness = await createVerified('12.00');
    await eventually(() => payoutView(witness.sessionId), settledAs('completed'), {
      what: 'witness settlement',
    });
    expect((await payoutView(sessionId)).history.map((h) => h.transferState)).toEqual([
      'initiated',
      'blocked',
    ]);
    const forced = await sandbox.control<ControlPayout>('POST', `/payouts/${sessionId}/outcome`, {
      transferState: 'completed',
    });
    expect(forced.transferState).toBe('completed');
  });

  it('202.00 ends at sent; with a payment account transfers go on to received', async () => {
    const sent = await createVerified('202.00');
    await eventually(() => payoutView(sent.sessionId), settledAs('sent'), { what: 'sent' });

    await sandbox.control('PATCH', '/config', { settlement: 'received' });
    try {
      const { sessionId } = await createVerified('10.00');
      const payout = await eventually(() => payoutView(sessionId), settledAs('received'), {
        what: 'received',
      });
      expect(payout.history.map((h) => h.transferState)).toEqual([
        'initiated',
        'processing',
        'completed',
        'received',
      ]);
    } finally {
      await sandbox.control('PATCH', '/config', { settlement: 'completed' });
    }
  });
});

describe('scenario 1: payout link', () => {
  it('answers with a connect URL and waits at iban_required', async () => {
    const { sessionId, response } = await createLink();
    expect(response.body.meta).toEqual({
      code: 201,
      session_id: sessionId,
      status: 'iban_required',
      method: 'link',
      url: `${api.baseUrl}/pay/${sessionId}`,
    });
    const read = await sdkRequest<Payment>(api, token, 'GET', `/pis/v2/payments/${sessionId}`);
    expect(read.body.meta.status).toBe('iban_required');
    expect(read.body.data?.attributes.transfer_state).toBeUndefined();
  });

  it('moves on when the payee gives bank details, to payment_created and a completed transfer', async () => {
    const { sessionId } = await createLink();
    await sandbox.control('POST', `/payouts/${sessionId}/payee`, {
      name: 'John Doe',
      iban: TEST_IBAN,
      bic: TEST_BIC,
    });
    const payout = await eventually(() => payoutView(sessionId), settledAs('completed'), {
      what: 'settlement',
    });
    expect(payout.history.map((h) => [h.status, h.transferState ?? null])).toEqual([
      ['iban_required', null],
      ['iban_received', null],
      ['payment_created', 'initiated'],
      ['payment_created', 'processing'],
      ['payment_created', 'completed'],
    ]);
    const read = await sdkRequest<Payment>(api, token, 'GET', `/pis/v2/payments/${sessionId}`);
    expect(read.body.meta.customer_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('expires the link after meta.expiry seconds', async () => {
    const { sessionId } = await createLink({ expiry: 1 });
    const payout = await eventually(
      () => payoutView(sessionId),
      (p) => p.status === 'payment_expired',
      {
        what: 'expiry',
        intervalMs: 100,
      },
    );
    expect(payout.history.map((h) => h.status)).toEqual(['iban_required', 'payment_expired']);
  });

  it('accepts email and sms delivery when their contact fields are given', async () => {
    const { path } = payoutQuery();
    const sms = linkPayoutBody({ method: 'sms' });
    Object.assign(sms.meta, { psu_phone: '601020304', psu_phone_prefix: '+33' });
    const response = await sdkRequest<Payment>(api, token, 'POST', path, sms);
    expect(response.status).toBe(201);
    expect(response.body.meta.method).toBe('sms');
    const email = await sdkRequest<Payment>(
      api,
      token,
      'POST',
      payoutQuery().path,
      linkPayoutBody({ method: 'email' }),
    );
    expect(email.body.meta.method).toBe('email');
  });
});

describe('cancel', () => {
  const cancel = (sessionId: string, body: unknown = { meta: { status: 'payment_cancelled' } }) =>
    sdkRequest<Payment & ErrorBody>(api, token, 'PATCH', `/pis/v2/payments/${sessionId}`, body);

  it('cancels before money leaves', async () => {
    const { sessionId } = await createLink();
    const response = await cancel(sessionId);
    expect(response.status).toBe(200);
    expect(response.body.meta.status).toBe('payment_cancelled');
    expect(response.body.data?.attributes).toMatchObject({
      transfer_state: 'cancelled',
      transfer_reason: 'api_cancellation',
    });
  });

  it('refuses once the payment was created, and for unknown sessions or bodies', async () => {
    const { sessionId } = await createVerified();
    const refused = await cancel(sessionId);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]?.message).toMatch(/cannot be cancelled: session status is payment_created/);

    expect((await cancel('0'.repeat(32))).status).toBe(404);
    const link = await createLink();
    const wrong = await cancel(link.sessionId, { meta: { status: 'payment_created' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0]?.message).toMatch(/\[meta\.status\]/);
    expect((await payoutView(link.sessionId)).status).toBe('iban_required');
  });
});

describe('request-for-payout validation', () => {
  type Body = Omit<ReturnType<typeof verifiedPayoutBody>, 'meta' | 'data'> & {
    meta: Record<string, unknown>;
    data: { type?: string; attributes: Record<string, unknown> & { beneficiary: Record<string, unknown> } };
  };
  const cases: [string, string, string, (body: Body) => void][] = [
    [
      'amount missing',
      'data.attributes.amount',
      'mandatory_field_missing',
      (b) => delete (b.data.attributes as Partial<typeof b.data.attributes>).amount,
    ],
    [
      'amount as a number',
      'data.attributes.amount',
      'invalid_field',
      (b) => Object.assign(b.data.attributes, { amount: 26.99 }),
    ],
    [
      'amount with 3 decimals',
      'data.attributes.amount',
      'invalid_field',
      (b) => Object.assign(b.data.attributes, { amount: '1.234' }),
    ],
    [
      'amount zero',
      'data.attributes.amount',
      'invalid_field',
      (b) => Object.assign(b.data.attributes, { amount: '0.00' }),
    ],
    [
      'amount negative',
      'data.attributes.amount',
      'invalid_field',
      (b) => Object.assign(b.data.attributes, { amount: '-5' }),
    ],
    [
      'currency unknown',
      'data.attributes.currency',
      'invalid_field',
      (b) => Object.assign(b.data.attributes, { currency: 'USD' }),
    ],
    [
      'communication missing',
      'data.attributes.communication',
      'mandatory_field_missing',
      (b) => delete (b.data.attributes as Partial<typeof b.data.attributes>).communication,
    ],
    [
      'communication too long',
      'data.attributes.communication',
      'invalid_field',
      (b) => Object.assign(b.data.attributes, { communication: 'x'.repeat(141) }),
    ],
    [
      'end_to_end_id too long',
      'data.attributes.end_to_end_id',
      'invalid_field',
      (b) => Object.assign(b.data.attributes, { end_to_end_id: 'e'.repeat(36) }),
    ],
    ['psu_name missing', 'meta.psu_name', 'mandatory_field_missing', (b) => delete b.meta.psu_name],
    [
      'psu_email malformed',
      'meta.psu_email',
      'invalid_field',
      (b) => Object.assign(b.meta, { psu_email: 'not-an-email' }),
    ],
    [
      'IBAN checksum wrong',
      'data.attributes.beneficiary.iban',
      'invalid_field',
      (b) => Object.assign(b.data.attributes.beneficiary, { iban: 'FR1520041010050500013M02606' }),
    ],
    [
      'IBAN missing',
      'data.attributes.beneficiary.iban',
      'mandatory_field_missing',
      (b) => Object.assign(b.data.attributes.beneficiary, { iban: '' }),
    ],
    [
      'BIC malformed',
      'data.attributes.beneficiary.swift_bic',
      'invalid_field',
      (b) => Object.assign(b.data.attributes.beneficiary, { swift_bic: 'BNP' }),
    ],
    [
      'beneficiary name missing',
      'data.attributes.beneficiary.name',
      'mandatory_field_missing',
      (b) => Object.assign(b.data.attributes.beneficiary, { name: '' }),
    ],
    ['data.type wrong', 'data.type', 'invalid_field', (b) => Object.assign(b.data, { type: 'refunds' })],
    ['expiry negative', 'meta.expiry', 'invalid_field', (b) => Object.assign(b.meta, { expiry: -1 })],
    ['method unknown', 'meta.method', 'invalid_field', (b) => Object.assign(b.meta, { method: 'fax' })],
  ];

  it.each(cases)('%s → 400 naming [%s] (%s)', async (_label, field, code, mutate) => {
    const body = verifiedPayoutBody() as Body;
    mutate(body);
    const { path, state } = payoutQuery();
    const response = await sdkRequest<ErrorBody>(api, token, 'POST', path, body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: 400, code: 'bad_request' });
    const entry = response.body.errors.find((e) => e.message.includes(`[${field}]`));
    expect(entry).toMatchObject({ code, source: { pointer: `/${field.replace(/\./g, '/')}` } });
    expect(await sandbox.control<unknown[]>('GET', `/payouts?state=${state}`)).toEqual([]);
  });

  it('names every bad field at once', async () => {
    const body = verifiedPayoutBody() as Body;
    Object.assign(body.data.attributes, { amount: 'abc', currency: 'XXX' });
    delete body.meta.psu_name;
    const response = await sdkRequest<ErrorBody>(api, token, 'POST', payoutQuery().path, body);
    const fields = response.body.errors.map((e) => /\[([^\]]+)\]/.exec(e.message)?.[1]);
    expect(fields).toEqual(
      expect.arrayContaining(['data.attributes.amount', 'data.attributes.currency', 'meta.psu_name']),
    );
  });

  it('requires the contact fields of the chosen delivery method, and a redirect_uri for a link', async () => {
    const email = linkPayoutBody({ method: 'email' }) as { meta: Record<string, unknown> };
    delete email.meta.psu_email;
    const noEmail = await sdkRequest<ErrorBody>(api, token, 'POST', payoutQuery().path, email);
    expect(noEmail.body.errors.map((e) => e.message)).toEqual([expect.stringContaining('[meta.psu_email]')]);

    const sms = await sdkRequest<ErrorBody>(
      api,
      token,
      'POST',
      payoutQuery().path,
      linkPayoutBody({ method: 'sms' }),
    );
    expect(sms.body.errors.map((e) => /\[([^\]]+)\]/.exec(e.message)?.[1])).toEqual([
      'meta.psu_phone',
      'meta.psu_phone_prefix',
    ]);

    const noRedirect = await sdkRequest<ErrorBody>(
      api,
      token,
      'POST',
      '/pis/v2/request-for-payout?state=x',
      linkPayoutBody(),
    );
    expect(noRedirect.body.errors.map((e) => e.message)).toEqual([expect.stringContaining('[redirect_uri]')]);
  });

  it('accepts a body without data.type and both psu_address spellings', async () => {
    const body = verifiedPayoutBody() as Body;
    delete body.data.type;
    body.meta.psu_address = {
      street: 'rue de la Paix',
      number: '1',
      zip: '75002',
      city: 'Paris',
      country: 'FR',
    };
    expect((await sdkRequest(api, token, 'POST', payoutQuery().path, body)).status).toBe(201);
    body.meta.psu_address = {
      street: 'rue de la Paix',
      street_number: '1',
      zipcode: '75002',
      city: 'Paris',
      country: 'FR',
    };
    expect((await sdkRequest(api, token, 'POST', payoutQuery().path, body)).status).toBe(201);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await sdkRequest<ErrorBody>(api, token, 'POST', payoutQuery().path, '{"meta":');
    expect(response.status).toBe(400);
    expect(response.body.errors[0]?.code).toBe('invalid_body');
  });
});

describe('listing payments', () => {
  it('filters by state, end_to_end_id and status, and pages', async () => {
    const first = await createVerified('11.00', `E2E-${Date.now()}`);
    const list = (query: string) =>
      sdkRequest<{
        data: { id: string; meta: { status: string } }[];
        meta: { total: number; totalPages: number };
      }>(api, token, 'GET', `/pis/v2/payments?${query}`);
    const byState = await list(new URLSearchParams({ 'filter[state]': first.state }).toString());
    expect(byState.body.data.map((p) => p.id)).toEqual([first.sessionId]);
    expect(byState.text).not.toMatch(/"state"/);
    const e2e = first.response.body.data?.attributes.end_to_end_id ?? '';
    const byE2e = await list(new URLSearchParams({ 'filter[end_to_end_id]': e2e }).toString());
    expect(byE2e.body.data.map((p) => p.id)).toEqual([first.sessionId]);

    const link = await createLink();
    const byStatus = await list('filter[status]=iban_required&page[size]=100');
    expect(byStatus.body.data.map((p) => p.id)).toContain(link.sessionId);
    expect(byStatus.body.data.every((p) => p.meta.status === 'iban_required')).toBe(true);

    const all = await list('page[size]=2&page[number]=1');
    expect(all.body.data).toHaveLength(2);
    expect(all.body.meta.totalPages).toBe(Math.ceil(all.body.meta.total / 2));
    const pages = await Promise.all(
      Array.from({ length: all.body.meta.totalPages }, (_, i) => list(`page[size]=2&page[number]=${i + 1}`)),
    );
    const ids = pages.flatMap((page) => page.body.data.map((p) => p.id));
    expect(new Set(ids).size).toBe(all.body.meta.total);

    await sandbox.control('PATCH', '/config', { listFilters: 'ignored' });
    try {
      const ignored = await list(
        new URLSearchParams({ 'filter[state]': first.state, 'page[size]': '100' }).toString(),
      );
      expect(ignored.body.meta.total).toBe(all.body.meta.total);
    } finally {
      await sandbox.control('PATCH', '/config', { listFilters: 'honoured' });
    }
  });

  it('answers 404 not_found for an unknown session', async () => {
    const response = await sdkRequest<ErrorBody>(api, token, 'GET', `/pis/v2/payments/${'a'.repeat(32)}`);
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not_found');
  });
});

describe('fault injection', () => {
  const countFor = async (state: string) =>
    (await sandbox.control<unknown[]>('GET', `/payouts?state=${state}`)).length;

  it('status faults answer the error with Retry-After and apply nothing', async () => {
    await sandbox.control('POST', '/faults', {
      route: 'create',
      mode: 'status',
      status: 429,
      retryAfterSeconds: 7,
    });
    const { path, state } = payoutQuery();
    const limited = await sdkRequest<ErrorBody>(api, token, 'POST', path, verifiedPayoutBody());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body.code).toBe('too_many_requests');
    expect(await countFor(state)).toBe(0);

    for (const status of [500, 502, 503]) {
      await sandbox.control('POST', '/faults', { route: 'fetch', mode: 'status', status });
      expect((await sdkRequest(api, token, 'GET', `/pis/v2/payments/${'b'.repeat(32)}`)).status).toBe(status);
    }
    // The fault was consumed: the next request is served normally.
    expect((await sdkRequest(api, token, 'POST', path, verifiedPayoutBody())).status).toBe(201);
  });

  it('drop closes the connection and applies nothing; commit-then-drop applies and closes', async () => {
    await sandbox.control('POST', '/faults', { route: 'create', mode: 'drop' });
    const dropped = payoutQuery();
    await expect(sdkRequest(api, token, 'POST', dropped.path, verifiedPayoutBody())).rejects.toThrow();
    expect(await countFor(dropped.state)).toBe(0);

    await sandbox.control('POST', '/faults', { route: 'create', mode: 'commit-then-drop' });
    const committed = payoutQuery();
    await expect(sdkRequest(api, token, 'POST', committed.path, verifiedPayoutBody())).rejects.toThrow();
    expect(await countFor(committed.state)).toBe(1);
  });

  it('malformed applies and answers broken JSON; delay applies after the delay', async () => {
    await sandbox.control('POST', '/faults', { route: 'create', mode: 'malformed' });
    const malformed = payoutQuery();
    const response = await sdkRequest(api, token, 'POST', malformed.path, verifiedPayoutBody());
    expect(response.status).toBe(200);
    expect(() => JSON.parse(response.text)).toThrow();
    expect(await countFor(malformed.state)).toBe(1);

    await sandbox.control('POST', '/faults', { route: 'create', mode: 'delay', delayMs: 400 });
    const delayed = payoutQuery();
    // The client gives up before the answer: the payout is still created — the ambiguous case G1 is about.
    await expect(
      sdkRequest(api, token, 'POST', delayed.path, verifiedPayoutBody(), {
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow(/abort|timeout/i);
    expect(await countFor(delayed.state)).toBe(0);
    await eventually(
      () => countFor(delayed.state),
      (n) => n === 1,
      { what: 'the delayed create to apply' },
    );
  });

  it('times limits how many requests a fault hits, and * hits every route', async () => {
    await sandbox.control('POST', '/faults', { route: '*', mode: 'status', status: 503, times: 2 });
    expect((await sdkRequest(api, token, 'GET', '/pis/v2/payments')).status).toBe(503);
    expect((await sdkRequest(api, token, 'GET', `/pis/v2/payments/${'c'.repeat(32)}`)).status).toBe(503);
    expect((await sdkRequest(api, token, 'GET', '/pis/v2/payments')).status).toBe(200);
    const log = await sandbox.control<{ route: string; fault?: string; status: number }[]>(
      'GET',
      '/requests',
    );
    expect(log.filter((e) => e.fault === 'status' && e.status === 503).length).toBeGreaterThanOrEqual(2);
  });
});
