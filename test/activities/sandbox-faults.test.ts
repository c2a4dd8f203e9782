import { CancelledFailure } from '@temporalio/common';
import { FintectureClient } from '../../activities/fintecture/client';
import { createPayoutActivities } from '../../activities/payout-activities';
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

let h: SandboxHarness;
beforeAll(async () => {
  h = await startSandboxHarness();
});
afterAll(async () => {
  await h?.stop();
});
afterEach(async () => {
  await h.sandbox.control('DELETE', '/faults');
  await h.sandbox.control('PATCH', '/config', { listFilters: 'honoured' });
});

// A 1 s client timeout, so a `delay` fault of 2.5 s is a timeout.
const CLIENT_TIMEOUT = { FINTECTURE_REQUEST_TIMEOUT_MS: '1000' };

type FaultMode = 'status' | 'delay' | 'drop' | 'malformed' | 'commit-then-drop';
async function fault(
  route: 'token' | 'create' | 'fetch' | 'list' | 'cancel',
  mode: FaultMode,
  options: { status?: number; retryAfterSeconds?: number; delayMs?: number; times?: number } = {},
) {
  await h.sandbox.control('POST', '/faults', { route, mode, ...options });
}

async function sentSince(before: number): Promise<string[]> {
  return (await h.requests()).slice(before).flatMap((r) => (r.route === 'token' ? [] : [r.route]));
}

/** Creates payouts for other orders, so that an unfiltered list has several pages. */
async function otherPayouts(count: number) {
  const activities = h.activities();
  for (let i = 0; i < count; i++)
    await h.attempt(1).run(activities.createPayout, scenario1Request(uniqueId('other')));
}

describe('a create that fails', () => {
  it.each([
    ['500', { status: 500 }],
    ['503', { status: 503 }],
  ])(
    'with %s is ambiguous and retryable; the retry reconciles, then creates exactly one payout',
    async (_name, options) => {
      const id = uniqueId('order');
      const activities = h.activities();
      await fault('create', 'status', options);

      const error = await h.watch.failureOf(h.attempt(1).run(activities.createPayout, scenario2Request(id)));
      expectApplicationFailure(error, 'FintectureAmbiguousOutcome', { nonRetryable: false });
      expect(await h.payouts(`payout-${id}`)).toEqual([]);

      const before = (await h.requests()).length;
      const created = await h.attempt(2).run(activities.createPayout, scenario2Request(id));
      expect(created.adopted).toBe(false);
      expect(await sentSince(before)).toEqual(['list', 'create']);
      expect((await h.payouts(`payout-${id}`)).map((p) => p.sessionId)).toEqual([created.sessionId]);
    },
  );

  it('with 429 + Retry-After is retryable after that delay, and nothing was created', async () => {
    const id = uniqueId('order');
    await fault('create', 'status', { status: 429, retryAfterSeconds: 3 });
    const error = await h.watch.failureOf(
      h.attempt(1).run(h.activities().createPayout, scenario1Request(id)),
    );
    expectApplicationFailure(error, 'FintectureRateLimited', { nonRetryable: false, nextRetryDelay: 3000 });
    expect(await h.payouts(`payout-${id}`)).toEqual([]);
  });

  it('by a dropped connection is ambiguous; the retry finds nothing and creates exactly one', async () => {
    const id = uniqueId('order');
    const activities = h.activities();
    await fault('create', 'drop');
    const error = await h.watch.failureOf(h.attempt(1).run(activities.createPayout, scenario1Request(id)));
    expectApplicationFailure(error, 'FintectureAmbiguousOutcome', { nonRetryable: false });

    const created = await h.attempt(2).run(activities.createPayout, scenario1Request(id));
    expect(created.adopted).toBe(false);
    expect((await h.payouts(`payout-${id}`)).map((p) => p.sessionId)).toEqual([created.sessionId]);
  });

  it.each(['commit-then-drop', 'malformed'] as const)(
    'by %s (applied, answer lost) is ambiguous; the retry adopts the session instead of paying twice',
    async (mode) => {
      const id = uniqueId('order');
      const activities = h.activities();
      await fault('create', mode);
      const error = await h.watch.failureOf(h.attempt(1).run(activities.createPayout, scenario2Request(id)));
      expectApplicationFailure(error, 'FintectureAmbiguousOutcome', { nonRetryable: false });
      const [committed] = await h.payouts(`payout-${id}`);

      const before = (await h.requests()).length;
      const created = await h.attempt(2).run(activities.createPayout, scenario2Request(id));
      expect(created).toMatchObject({ adopted: true, sessionId: committed!.sessionId, scenario: 2 });
      expect(await sentSince(before)).toEqual(['list']);
      expect(await h.payouts(`payout-${id}`)).toHaveLength(1);
    },
  );

  it('by a timeout is ambiguous; once the slow request lands, the retry adopts it', async () => {
    const id = uniqueId('order');
    const activities = h.activities({
      env: { ...CLIENT_TIMEOUT, FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS: '4000' },
    });
    await fault('create', 'delay', { delayMs: 2500 });
    const error = await h.watch.failureOf(h.attempt(1).run(activities.createPayout, scenario1Request(id)));
    // The retry waits long enough for a request still in the server's hands to land.
    expectApplicationFailure(error, 'FintectureAmbiguousOutcome', {
      nonRetryable: false,
      nextRetryDelay: 4000,
    });
    expect((error as Error).message).toContain('1000 ms');

    // Stand-in for that retry delay: wait until the sandbox has finished the slow request.
    await eventually(
      () => h.payouts(`payout-${id}`),
      (payouts) => payouts.length > 0,
      { what: 'the slow create to land' },
    );
    const created = await h.attempt(2).run(activities.createPayout, scenario1Request(id));
    expect(created.adopted).toBe(true);
    expect(await h.payouts(`payout-${id}`)).toHaveLength(1);
  });

  it('after a workflow reset (attempt 1 again) adopts the existing session', async () => {
    const id = uniqueId('order');
    const first = await h.attempt(1).run(h.activities().createPayout, scenario1Request(id));
    const again = await h.attempt(1).run(h.activities().createPayout, scenario1Request(id));
    expect(again).toMatchObject({
      adopted: true,
      sessionId: first.sessionId,
      sessionStatus: 'iban_required',
    });
    expect(await h.payouts(`payout-${id}`)).toHaveLength(1);
  });

  it('does not adopt a session whose amount differs: that needs a human', async () => {
    const id = uniqueId('order');
    await h.attempt(1).run(h.activities().createPayout, scenario2Request(id));
    const error = await h.watch.failureOf(
      h.attempt(2).run(h.activities().createPayout, scenario2Request(id, { amount: '999.99' })),
    );
    expectApplicationFailure(error, 'PayoutReconciliationMismatch', { nonRetryable: true });
    expect(await h.payouts(`payout-${id}`)).toHaveLength(1);
  });
});

describe('reconciliation when the API ignores the list filters', () => {
  it('pages through every payment and still finds the session', async () => {
    const id = uniqueId('order');
    const activities = h.activities({ env: { FINTECTURE_RECONCILE_PAGE_SIZE: '2' } });
    // Others before and after ours: whatever the list order, ours is not on the first page.
    await otherPayouts(3);
    await fault('create', 'commit-then-drop');
    await h.watch.failureOf(h.attempt(1).run(activities.createPayout, scenario1Request(id)));
    await otherPayouts(3);
    await h.sandbox.control('PATCH', '/config', { listFilters: 'ignored' });

    const before = (await h.requests()).length;
    const created = await h.attempt(2).run(activities.createPayout, scenario1Request(id));
    expect(created.adopted).toBe(true);
    const sent = await sentSince(before);
    expect(sent.every((route) => route === 'list')).toBe(true);
    expect(sent.length).toBeGreaterThan(1);
    expect(await h.payouts(`payout-${id}`)).toHaveLength(1);
  });

  it('reads to the end and creates when the session is absent', async () => {
    await otherPayouts(3);
    await h.sandbox.control('PATCH', '/config', { listFilters: 'ignored' });
    const id = uniqueId('order');
    const created = await h
      .attempt(2)
      .run(
        h.activities({ env: { FINTECTURE_RECONCILE_PAGE_SIZE: '100' } }).createPayout,
        scenario1Request(id),
      );
    expect(created.adopted).toBe(false);
    expect(await h.payouts(`payout-${id}`)).toHaveLength(1);
  });

  it('fails non-retryably, without creating, when the page limit is reached first', async () => {
    await otherPayouts(3);
    await h.sandbox.control('PATCH', '/config', { listFilters: 'ignored' });
    const id = uniqueId('order');
    const activities = h.activities({
      env: { FINTECTURE_RECONCILE_PAGE_SIZE: '1', FINTECTURE_RECONCILE_MAX_PAGES: '2' },
    });
    const before = (await h.requests()).length;
    const error = await h.watch.failureOf(h.attempt(2).run(activities.createPayout, scenario1Request(id)));
    expectApplicationFailure(error, 'PayoutReconciliationInconclusive', { nonRetryable: true });
    expect(await sentSince(before)).toEqual(['list', 'list']);
    expect(await h.payouts(`payout-${id}`)).toEqual([]);
  });

  it('never creates when the lookup itself fails', async () => {
    const id = uniqueId('order');
    await fault('list', 'status', { status: 503 });
    const error = await h.watch.failureOf(
      h.attempt(2).run(h.activities().createPayout, scenario1Request(id)),
    );
    expectApplicationFailure(error, 'FintectureUnavailable', { nonRetryable: false });
    expect(await h.payouts(`payout-${id}`)).toEqual([]);
  });
});

describe('a read that fails', () => {
  let sessionId: string;
  beforeAll(async () => {
    sessionId = (await h.attempt(1).run(h.activities().createPayout, scenario1Request(uniqueId('order'))))
      .sessionId;
  });

  it.each([
    ['500', 'FintectureUnavailable', 'status', { status: 500 }],
    ['503', 'FintectureUnavailable', 'status', { status: 503 }],
    ['a dropped connection', 'FintectureUnavailable', 'drop', {}],
    ['malformed JSON', 'FintectureMalformedResponse', 'malformed', {}],
    ['a timeout', 'FintectureUnavailable', 'delay', { delayMs: 2500 }],
  ] as const)(
    'with %s is a retryable %s, and the next attempt reads it',
    async (_name, type, mode, options) => {
      const activities = h.activities({ env: CLIENT_TIMEOUT });
      await fault('fetch', mode, options);
      const error = await h.watch.failureOf(h.attempt(1).run(activities.fetchPayout, sessionId));
      expectApplicationFailure(error, type, { nonRetryable: false });
      expect((await h.attempt(2).run(activities.fetchPayout, sessionId)).sessionId).toBe(sessionId);
    },
  );

  it('with 429 + Retry-After asks Temporal to wait that long', async () => {
    await fault('fetch', 'status', { status: 429, retryAfterSeconds: 2 });
    const error = await h.watch.failureOf(h.attempt(1).run(h.activities().fetchPayout, sessionId));
    expectApplicationFailure(error, 'FintectureRateLimited', { nonRetryable: false, nextRetryDelay: 2000 });
  });

  it('is aborted in flight when the activity is cancelled', async () => {
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const client = new FintectureClient({
      config: h.config(),
      logger: h.logger,
      fetch: async (input, init) => {
        const response = h.watch.fetch(input, init);
        if (String(input instanceof Request ? input.url : input).includes('/pis/v2/payments/')) started();
        return response;
      },
    });
    await client.ensureAccessToken();
    const activities = createPayoutActivities({ client, config: h.config(), logger: h.logger });
    await fault('fetch', 'delay', { delayMs: 10_000 });
    const attempt = h.attempt(1);
    const startedAt = Date.now();
    const pending = attempt.run(activities.fetchPayout, sessionId);
    await inFlight;
    attempt.cancel();
    const error = await h.watch.failureOf(pending);
    expect(error).toBeInstanceOf(CancelledFailure);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });
});

describe('a token call that fails', () => {
  it('with 503 is a retryable unavailability', async () => {
    await fault('token', 'status', { status: 503 });
    const error = await h.watch.failureOf(h.attempt(1).run(h.activities().ensureAccessToken));
    expectApplicationFailure(error, 'FintectureUnavailable', { nonRetryable: false });
  });
});

describe('secrets', () => {
  it('never appear in a log line or an error produced by this suite', () => {
    expectNoSecretLeaked(h);
  });
});
