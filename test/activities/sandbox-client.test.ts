import { inspect } from 'node:util';
import { type CreatePayoutBody } from '../../activities/fintecture/client';
import { toActivityFailure } from '../../activities/failures';
import {
  carriesReference,
  communicationWithReference,
  payoutReferencesFor,
} from '../../activities/payout-references';
import { type PayoutRequestInput } from '../../domain/payout-request';
import { type CreatedPayout } from '../../domain/payout-session';
import { type CreateSessionResult } from '../../domain/activity-facts';
import { uniqueId } from '../support/temporal';
import { eventually } from '../support/wait';
import {
  expectApplicationFailure,
  expectNoSecretLeaked,
  scenario1Request,
  scenario2Request,
  startSandboxHarness,
  type SandboxHarness,
} from './harness';

/** Against the sandbox's default, `documented` profile: the guide's answers and nothing [assumed]. */
let h: SandboxHarness;
beforeAll(async () => {
  h = await startSandboxHarness({ SANDBOX_SIGNATURES: 'required' });
});
afterAll(async () => {
  await h?.stop();
});

const attempt = (n: number) => h.attempt(n);
const orderId = () => uniqueId('order');

function body(overrides: Partial<CreatePayoutBody['data']['attributes']> = {}): CreatePayoutBody {
  return {
    meta: { psu_name: 'John Doe', psu_email: 'john@doe.example', method: 'link', expiry: 3600 },
    data: {
      type: 'payments',
      attributes: {
        amount: '12.50',
        currency: 'EUR',
        communication: 'Refund',
        end_to_end_id: 'e2e-1',
        ...overrides,
      },
    },
  };
}

async function tokenCalls(): Promise<number> {
  return (await h.requests('token')).length;
}

/** The session of a create that established one (created or adopted). */
function sessionOf(result: CreateSessionResult, kind: 'created' | 'adopted' = 'created'): CreatedPayout {
  expect(result.kind).toBe(kind);
  if (result.kind !== kind) throw new Error(`expected ${kind}, got ${JSON.stringify(result)}`);
  return result.session;
}

/** Creates the order's payout through the activity (attempt 1) and returns its session. */
async function createSession(order: PayoutRequestInput): Promise<CreatedPayout> {
  return sessionOf(await attempt(1).run(h.activities().createPayoutSession, order));
}

describe('signing, against the sandbox in `required` mode', () => {
  it('gets every request accepted, including query strings that need encoding', async () => {
    const client = h.client();
    const state = `payout-Ä&b=c+d?e#f g'!*()/${uniqueId('s')}`;
    const redirectUri = 'https://shop.example/payouts/return?from=mail&note=two words&ü=é€#frag';
    const before = (await h.requests()).length;

    const created = await client.createPayout({
      redirectUri,
      state,
      language: 'fr',
      country: 'FR',
      body: body(),
    });
    await client.getPayment(created.sessionId);
    await client.listPayments({ state, endToEndId: 'e2e-1', pageNumber: 1, pageSize: 5 });
    await client.cancelPayment(created.sessionId);

    const signed = (await h.requests()).slice(before).filter((r) => r.route !== 'token');
    expect(signed.map((r) => r.route)).toEqual(['create', 'fetch', 'list', 'cancel']);
    expect(signed.map((r) => r.signature)).toEqual(['valid', 'valid', 'valid', 'valid']);
    expect(signed.map((r) => r.status)).toEqual([201, 200, 200, 200]);
    // The sandbox decoded exactly what we meant: the encoding round-trips.
    const [stored] = await h.payouts(state);
    expect(stored).toMatchObject({ state, redirectUri, sessionId: created.sessionId });
  });

  it('signs the activity’s calls too, for an order ID full of query-significant characters', async () => {
    const id = `A&B=C+D;E!'()*~@:$,${uniqueId('o')}`;
    const before = (await h.requests()).length;
    const created = await createSession(scenario1Request(id));
    const signed = (await h.requests()).slice(before).filter((r) => r.route !== 'token');
    // The whole list (at least one page and the empty one), the create, the read that learns its status.
    const pages = signed.filter((r) => r.route === 'list').length;
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(signed.map((r) => `${r.route}:${r.signature}`)).toEqual([
      ...Array(pages).fill('list:valid'),
      'create:valid',
      'fetch:valid',
    ]);
    expect((await h.payouts(`payout-${id}`)).map((p) => p.sessionId)).toEqual([created.sessionId]);
  });
});

describe('the access token', () => {
  it('is fetched once and cached for later calls', async () => {
    const client = h.client();
    const before = await tokenCalls();
    for (let i = 0; i < 5; i++) await client.listPayments({ pageNumber: 1, pageSize: 1 });
    expect((await tokenCalls()) - before).toBe(1);
  });

  it('is fetched once for 50 concurrent callers (single flight)', async () => {
    const client = h.client();
    const activities = h.activities({ client });
    const before = await tokenCalls();
    const beforeLists = (await h.requests('list')).length;
    const results = await Promise.all([
      ...Array.from({ length: 25 }, () => attempt(1).run(activities.ensureAccessToken)),
      ...Array.from({ length: 25 }, () => client.listPayments({ pageNumber: 1, pageSize: 1 })),
    ]);
    expect(results).toHaveLength(50);
    expect((await tokenCalls()) - before).toBe(1);
    const lists = (await h.requests('list')).slice(beforeLists);
    expect(lists.filter((r) => r.status === 200)).toHaveLength(25);
  });

  it('is renewed ahead of expiry, and only the expiry reaches the workflow', async () => {
    await h.sandbox.control('PATCH', '/config', { tokenTtlSeconds: 60 });
    try {
      let offsetMs = 0;
      const clock = { now: () => Date.now() + offsetMs };
      const client = h.client({ clock, env: { FINTECTURE_TOKEN_REFRESH_MARGIN_SECONDS: '20' } });
      const activities = h.activities({ client });
      const before = await tokenCalls();

      const first = await attempt(1).run(activities.ensureAccessToken);
      expect(Object.keys(first)).toEqual(['expiresAt']);
      expect(Date.parse(first.expiresAt) - clock.now()).toBeGreaterThan(55_000);
      expect(Date.parse(first.expiresAt) - clock.now()).toBeLessThanOrEqual(60_000);

      offsetMs = 39_000; // 21 s before expiry: still outside the 20 s margin
      await client.listPayments({ pageNumber: 1, pageSize: 1 });
      expect((await tokenCalls()) - before).toBe(1);

      offsetMs = 41_000; // inside the margin: renewed before Fintecture would refuse it
      await client.listPayments({ pageNumber: 1, pageSize: 1 });
      expect((await tokenCalls()) - before).toBe(2);
      const second = await attempt(1).run(activities.ensureAccessToken);
      expect(Date.parse(second.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
    } finally {
      await h.sandbox.control('PATCH', '/config', { tokenTtlSeconds: 3600 });
    }
  });

  it('is renewed once, and each call re-sent once, when Fintecture answers 401 invalid_token', async () => {
    const client = h.client();
    await client.listPayments({ pageNumber: 1, pageSize: 1 });
    const before = await tokenCalls();
    const beforeLists = (await h.requests('list')).length;
    await h.sandbox.control('POST', '/tokens/revoke');

    const pages = await Promise.all(
      Array.from({ length: 10 }, () => client.listPayments({ pageNumber: 1, pageSize: 1 })),
    );

    expect(pages).toHaveLength(10);
    expect((await tokenCalls()) - before).toBe(1);
    const lists = (await h.requests('list')).slice(beforeLists);
    expect(lists.filter((r) => r.status === 401)).toHaveLength(10);
    expect(lists.filter((r) => r.status === 200)).toHaveLength(10);
  });

  it('fails with a typed, retryable auth failure when the credentials are wrong', async () => {
    const activities = h.activities({ env: { FINTECTURE_APP_SECRET: 'wrong-secret-value' } });
    const error = await h.watch.failureOf(attempt(1).run(activities.ensureAccessToken));
    expectApplicationFailure(error, 'FintectureUnauthorized', { nonRetryable: false });
  });
});

describe('creating and reading payouts', () => {
  it('creates a scenario 1 payout (link) and reads it back', async () => {
    const id = orderId();
    const before = (await h.requests()).length;
    const created = await createSession(scenario1Request(id));
    const references = payoutReferencesFor(id);
    expect(created).toEqual({
      sessionId: expect.stringMatching(/^[0-9a-f]{32}$/),
      // The guide's answer has no status: the read right after the create gave it.
      sessionStatus: 'iban_required',
      scenario: 1,
      connectUrl: expect.stringContaining(`${h.sandbox.baseUrl}/`),
      transferState: null,
      state: `payout-${id}`,
      endToEndId: expect.stringMatching(/^[0-9a-f]{32}$/),
      adopted: false,
      unrecognised: null,
    });
    const sent = (await h.requests()).slice(before).filter((r) => r.route !== 'token');
    expect(sent.slice(-2).map((r) => `${r.route} ${r.status}`)).toEqual(['create 201', 'fetch 200']);
    const [stored] = await h.payouts(`payout-${id}`);
    expect(stored).toMatchObject({
      sessionId: created.sessionId,
      amount: '26.99',
      redirectUri: 'https://shop.example/payouts/return',
    });
    // Fintecture keeps its own end_to_end_id (§4): ours was only sent.
    expect(stored!.endToEndId).toMatch(/^[0-9a-f]{32}$/);
    expect(stored!.endToEndId).not.toBe(references.endToEndId);

    const snapshot = await attempt(1).run(h.activities().fetchPayout, created.sessionId);
    expect(snapshot).toMatchObject({
      sessionId: created.sessionId,
      sessionStatus: 'iban_required',
      transferState: null,
      amount: '26.99',
      currency: 'EUR',
      // The order's text, then its reference: what finds the session again.
      communication: communicationWithReference('MyShop REFUND from Order 123', references),
      endToEndId: stored!.endToEndId,
    });

    // The payee submits their bank details; the payout then runs to completion.
    await h.sandbox.control('POST', `/payouts/${created.sessionId}/payee`, {
      name: 'John Doe',
      iban: 'FR1420041010050500013M02606',
      bic: 'PSSTFRPPXXX',
    });
    const settled = await eventually(
      () => attempt(1).run(h.activities().fetchPayout, created.sessionId),
      (s) => s.transferState === 'completed',
      { what: 'the scenario 1 payout to complete' },
    );
    expect(settled).toMatchObject({
      sessionStatus: 'payment_created',
      scheme: 'SEPA',
      executionDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
  });

  it.each(['email', 'sms'] as const)('asks Fintecture to deliver the link by %s', async (delivery) => {
    const id = orderId();
    await createSession(scenario1Request(id, { delivery }));
    expect((await h.payouts(`payout-${id}`)).map((p) => p.method)).toEqual([delivery]);
  });

  it('creates a scenario 2 payout (verified beneficiary), which settles without the payee', async () => {
    const id = orderId();
    const created = await createSession(scenario2Request(id));
    expect(created).toMatchObject({
      scenario: 2,
      sessionStatus: 'payment_created',
      transferState: 'initiated',
      connectUrl: null,
      adopted: false,
    });
    const settled = await eventually(
      () => attempt(1).run(h.activities().fetchPayout, created.sessionId),
      (s) => s.transferState === 'completed',
      { what: 'the scenario 2 payout to complete' },
    );
    // The read says `payment_scheme`, the create said `scheme`: both are read.
    expect(settled).toMatchObject({
      amount: '273.00',
      scheme: 'INSTANT_SEPA',
      transferReason: null,
      endToEndId: created.endToEndId,
    });
  });

  it('reads a rejection and its reason', async () => {
    const created = await createSession(scenario2Request(orderId(), { amount: '400.01' }));
    const rejected = await eventually(
      () => attempt(1).run(h.activities().fetchPayout, created.sessionId),
      (s) => s.transferState === 'rejected',
      { what: 'the payout to be rejected' },
    );
    expect(rejected.transferReason).toBe('insufficient_funds');
  });

  it('fails non-retryably, naming the field, on every kind of validation error Fintecture reports', async () => {
    const client = h.client();
    const beneficiary = { name: 'John Doe', iban: 'FR1420041010050500013M02606', swift_bic: 'PSSTFRPPXXX' };
    const cases: [string, CreatePayoutBody, string?][] = [
      ['data.attributes.amount', body({ amount: '-1' })],
      ['data.attributes.amount', body({ amount: '1.234' })],
      ['data.attributes.currency', body({ currency: 'USD' })],
      ['data.attributes.communication', body({ communication: 'x'.repeat(141) })],
      ['data.attributes.end_to_end_id', body({ end_to_end_id: 'x'.repeat(36) })],
      [
        'data.attributes.beneficiary.iban',
        body({ beneficiary: { ...beneficiary, iban: 'FR1520041010050500013M02606' } }),
      ],
      ['data.attributes.beneficiary.swift_bic', body({ beneficiary: { ...beneficiary, swift_bic: 'XX' } })],
      ['meta.psu_email', { ...body(), meta: { psu_name: 'John Doe', method: 'email', expiry: 3600 } }],
      ['meta.psu_phone', { ...body(), meta: { psu_name: 'John Doe', method: 'sms', expiry: 3600 } }],
      ['meta.expiry', { ...body(), meta: { psu_name: 'John Doe', method: 'link', expiry: -1 } }],
      ['redirect_uri', body(), 'not a url'],
    ];
    for (const [field, payload, redirectUri] of cases) {
      const error = await h.watch.failureOf(
        client.createPayout({
          redirectUri: redirectUri ?? 'https://shop.example/r',
          state: uniqueId('v'),
          body: payload,
        }),
      );
      const failure = toActivityFailure(error);
      expectApplicationFailure(failure, 'FintectureValidationFailed', { nonRetryable: true });
      expect((failure as Error).message).toContain(field);
    }
  });

  it('refuses an invalid order request before calling Fintecture, naming every field', async () => {
    const before = (await h.requests()).length;
    const input = {
      ...scenario1Request(orderId()),
      amount: '0',
      payee: { name: 'John Doe' },
      delivery: 'email' as const,
    };
    const error = await h.watch.failureOf(attempt(1).run(h.activities().createPayoutSession, input));
    expectApplicationFailure(error, 'PayoutRequestInvalid', { nonRetryable: true });
    expect((error as Error).message).toMatch(/amount .*payee\.email/);
    expect((await h.requests()).slice(before).filter((r) => r.route !== 'token')).toEqual([]);
  });

  it('reports an unknown session as a non-retryable not-found', async () => {
    const error = await h.watch.failureOf(attempt(1).run(h.activities().fetchPayout, '0'.repeat(32)));
    expectApplicationFailure(error, 'FintectureNotFound', { nonRetryable: true });
  });
});

describe('cancelling', () => {
  it('cancels a payout still waiting for the payee, and answers the same when asked again', async () => {
    const created = await createSession(scenario1Request(orderId()));
    expect(await attempt(1).run(h.activities().cancelPayout, created.sessionId)).toEqual({
      cancelled: true,
      sessionStatus: 'payment_cancelled',
    });
    expect(await attempt(2).run(h.activities().cancelPayout, created.sessionId)).toEqual({
      cancelled: true,
      sessionStatus: 'payment_cancelled',
    });
    const snapshot = await attempt(1).run(h.activities().fetchPayout, created.sessionId);
    expect(snapshot.sessionStatus).toBe('payment_cancelled');
  });

  it('returns a typed refusal, not a failure, once money is on its way', async () => {
    const created = await createSession(scenario2Request(orderId()));
    const outcome = await attempt(1).run(h.activities().cancelPayout, created.sessionId);
    expect(outcome).toEqual({
      cancelled: false,
      reason: 'not_cancellable',
      sessionStatus: 'payment_created',
      fintectureCodes: expect.any(Array),
    });
  });
});

describe('identifying the session an event names', () => {
  it('says ours for the order’s session, read from Fintecture', async () => {
    const id = orderId();
    const order = scenario1Request(id);
    const created = await createSession(order);
    const [stored] = await h.payouts(`payout-${id}`);

    const answer = await attempt(1).run(h.activities().identifySession, {
      order,
      sessionId: created.sessionId,
    });
    expect(answer).toEqual({
      ours: true,
      session: {
        sessionId: created.sessionId,
        sessionStatus: 'iban_required',
        scenario: 1,
        // A read shows no payee link (§5).
        connectUrl: null,
        transferState: null,
        state: `payout-${id}`,
        endToEndId: stored!.endToEndId,
        adopted: true,
        unrecognised: null,
      },
    });
  });

  it('says not ours for a lookalike of it, a pay-in, another payout or another order of the same amount', async () => {
    const id = orderId();
    const order = scenario1Request(id);
    const references = payoutReferencesFor(id);
    // The documented profile follows this create with a lookalike: same amount and currency, and a
    // communication that differs from ours only in its last word (our reference).
    await h.fillUntilNextForeignIs('lookalike-payout');
    const created = await createSession(order);
    const foreign = await h.foreign();
    const lookalike = foreign.at(-1)!;
    expect(lookalike).toMatchObject({
      kind: 'lookalike-payout',
      type: 'RequestForPayout',
      status: 'iban_required',
      amount: '26.99',
      currency: 'EUR',
    });
    expect(carriesReference(lookalike.communication ?? null, references)).toBe(false);
    const payIn = foreign.find((session) => session.type === 'PayByBank')!;
    const otherPayout = foreign.find((session) => session.kind === 'other-payout')!;
    const otherOrder = await createSession(scenario1Request(orderId()));

    const activities = h.activities();
    for (const sessionId of [
      lookalike.sessionId,
      payIn.sessionId,
      otherPayout.sessionId,
      otherOrder.sessionId,
    ]) {
      expect(await attempt(1).run(activities.identifySession, { order, sessionId })).toEqual({ ours: false });
    }
    // Nothing was cancelled or changed on the way.
    expect((await h.payouts(`payout-${id}`)).map((p) => [p.sessionId, p.status])).toEqual([
      [created.sessionId, 'iban_required'],
    ]);
  });

  it('fails non-retryably when the session does not exist', async () => {
    const error = await h.watch.failureOf(
      attempt(1).run(h.activities().identifySession, {
        order: scenario1Request(orderId()),
        sessionId: 'f'.repeat(32),
      }),
    );
    expectApplicationFailure(error, 'FintectureNotFound', { nonRetryable: true });
  });
});

describe('secrets', () => {
  it('do not show when a client holding a token is printed', async () => {
    const client = h.client();
    await client.ensureAccessToken();
    const printed = [
      String(client),
      JSON.stringify(client),
      inspect(client, { depth: 10, showHidden: true }),
    ].join('\n');
    for (const secret of h.watch.secrets()) expect(printed.includes(secret)).toBe(false);
  });

  it('never appear in a log line or an error produced by this suite', () => {
    expectNoSecretLeaked(h);
  });
});
