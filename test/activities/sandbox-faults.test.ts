import { CancelledFailure } from '@temporalio/common';
import { FintectureClient } from '../../activities/fintecture/client';
import { createPayoutActivities } from '../../activities/payout-activities';
import { carriesReference, payoutReferencesFor } from '../../activities/payout-references';
import { type CreatedPayout } from '../../domain/payout-session';
import { type CreateSessionResult } from '../../domain/activity-facts';
import { uniqueId } from '../support/temporal';
import {
  expectApplicationFailure,
  expectNoSecretLeaked,
  type LoggedRequest,
  scenario1Request,
  scenario2Request,
  startSandboxHarness,
  type SandboxHarness,
} from './harness';

/**
 * Faults against the sandbox's default, `documented` profile (fintecture-api.md as corrected 2026-11-30):
 * the list ignores filters and `page[size]`, serves fixed pages newest first without a count and holds
 * sessions that are not ours; the sandbox keeps its own `end_to_end_id`; the scenario-1 create answer has
 * no status. Nothing here relies on anything the guide marks [assumed].
 */
let h: SandboxHarness;
beforeAll(async () => {
  h = await startSandboxHarness();
});
afterAll(async () => {
  await h?.stop();
});
afterEach(async () => {
  await h.sandbox.control('DELETE', '/faults');
  await h.sandbox.control('PATCH', '/config', { listPageSize: 10 });
});

// A 1 s client timeout, so a `delay` fault of 1.5 s or more is a timeout.
const CLIENT_TIMEOUT = { FINTECTURE_REQUEST_TIMEOUT_MS: '1000' };
// Small fixed pages, so a search has many to read: the sandbox, not our `page[size]`, decides.
const SMALL_PAGES = 3;

type FaultMode = 'status' | 'delay' | 'drop' | 'malformed' | 'commit-then-drop';
async function fault(
  route: 'token' | 'create' | 'fetch' | 'list' | 'cancel',
  mode: FaultMode,
  options: { status?: number; retryAfterSeconds?: number; delayMs?: number; times?: number } = {},
) {
  await h.sandbox.control('POST', '/faults', { route, mode, ...options });
}

async function requestsSince(before: number): Promise<LoggedRequest[]> {
  return (await h.requests()).slice(before).filter((r) => r.route !== 'token');
}

async function sentSince(before: number): Promise<string[]> {
  return (await requestsSince(before)).map((r) => r.route);
}

/** The routes sent, with each run of list requests (one search, any number of pages) shown once as `list*`. */
function searches(routes: string[]): string[] {
  return routes.filter((route, i) => route !== 'list' || routes[i - 1] !== 'list').map(searchName);
}
const searchName = (route: string) => (route === 'list' ? 'list*' : route);

/** The `state` a create request carried: the order it was for. */
const stateOf = (request: LoggedRequest) => new URL(request.url, 'http://sandbox').searchParams.get('state');

async function logLength(): Promise<number> {
  return (await h.requests()).length;
}

/** How many sessions the application's list holds now: our payouts and every foreign entry. */
async function listLength(): Promise<number> {
  return (await h.allPayouts()).length + (await h.foreign()).length;
}

async function smallPages() {
  await h.sandbox.control('PATCH', '/config', { listPageSize: SMALL_PAGES });
}

/** Creates payouts for other orders, so that the list has several pages. */
async function otherPayouts(count: number) {
  for (let i = 0; i < count; i++) await h.createDirectly(scenario1Request(uniqueId('other')));
}

function sessionOf(result: CreateSessionResult, kind: 'created' | 'adopted'): CreatedPayout {
  expect(result.kind).toBe(kind);
  if (result.kind !== kind) throw new Error(`expected ${kind}, got ${JSON.stringify(result)}`);
  return result.session;
}

/** The order's own session, created by a first attempt. */
async function ownSession(
  order: ReturnType<typeof scenario1Request>,
  activities = h.activities(),
): Promise<CreatedPayout> {
  return sessionOf(await h.attempt(1).run(activities.createPayoutSession, order), 'created');
}

/** One sweep for the order's session. */
function sweep(order: ReturnType<typeof scenario1Request>, ours: CreatedPayout, activities = h.activities()) {
  return h.attempt(1).run(activities.sweepDuplicates, { order, sessionId: ours.sessionId });
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

      const error = await h.watch.failureOf(
        h.attempt(1).run(activities.createPayoutSession, scenario2Request(id)),
      );
      // No delay of its own: the next attempt waits for a late commit itself (only a Retry-After sets one).
      expectApplicationFailure(error, 'FintectureAmbiguousOutcome', {
        nonRetryable: false,
        nextRetryDelay: undefined,
      });
      expect(await h.payouts(`payout-${id}`)).toEqual([]);

      const before = await logLength();
      const created = sessionOf(
        await h.attempt(2).run(activities.createPayoutSession, scenario2Request(id)),
        'created',
      );
      expect(created.adopted).toBe(false);
      // The whole list first (several pages, to the empty one), then one create; scenario 2 needs no read.
      const sent = await sentSince(before);
      expect(searches(sent)).toEqual(['list*', 'create']);
      expect(sent.filter((route) => route === 'list').length).toBeGreaterThanOrEqual(2);
      expect((await h.payouts(`payout-${id}`)).map((p) => p.sessionId)).toEqual([created.sessionId]);
    },
  );

  it('with 503 + Retry-After is ambiguous and asks Temporal to wait that long', async () => {
    const id = uniqueId('order');
    await fault('create', 'status', { status: 503, retryAfterSeconds: 2 });
    const error = await h.watch.failureOf(
      h.attempt(1).run(h.activities().createPayoutSession, scenario1Request(id)),
    );
    expectApplicationFailure(error, 'FintectureAmbiguousOutcome', {
      nonRetryable: false,
      nextRetryDelay: 2000,
    });
    expect(await h.payouts(`payout-${id}`)).toEqual([]);
  });

  it('with 429 + Retry-After is retryable after that delay, and nothing was created', async () => {
    const id = uniqueId('order');
    await fault('create', 'status', { status: 429, retryAfterSeconds: 3 });
    const error = await h.watch.failureOf(
      h.attempt(1).run(h.activities().createPayoutSession, scenario1Request(id)),
    );
    expectApplicationFailure(error, 'FintectureRateLimited', { nonRetryable: false, nextRetryDelay: 3000 });
    expect(await h.payouts(`payout-${id}`)).toEqual([]);
  });

  it('by a dropped connection is ambiguous; the retry finds nothing and creates exactly one', async () => {
    const id = uniqueId('order');
    const activities = h.activities();
    await fault('create', 'drop');
    const error = await h.watch.failureOf(
      h.attempt(1).run(activities.createPayoutSession, scenario1Request(id)),
    );
    expectApplicationFailure(error, 'FintectureAmbiguousOutcome', { nonRetryable: false });

    const created = sessionOf(
      await h.attempt(2).run(activities.createPayoutSession, scenario1Request(id)),
      'created',
    );
    expect(created.adopted).toBe(false);
    expect((await h.payouts(`payout-${id}`)).map((p) => p.sessionId)).toEqual([created.sessionId]);
  });

  it.each(['commit-then-drop', 'malformed'] as const)(
    'by %s (applied, answer lost) is ambiguous; the retry adopts the session instead of paying twice',
    async (mode) => {
      const id = uniqueId('order');
      const activities = h.activities();
      await fault('create', mode);
      const error = await h.watch.failureOf(
        h.attempt(1).run(activities.createPayoutSession, scenario2Request(id)),
      );
      expectApplicationFailure(error, 'FintectureAmbiguousOutcome', { nonRetryable: false });
      const [committed] = await h.payouts(`payout-${id}`);

      const before = await logLength();
      const adopted = sessionOf(
        await h.attempt(2).run(activities.createPayoutSession, scenario2Request(id)),
        'adopted',
      );
      expect(adopted).toMatchObject({ adopted: true, sessionId: committed!.sessionId, scenario: 2 });
      // The status and Fintecture's own end_to_end_id come from the list entry.
      expect(adopted).toMatchObject({ sessionStatus: 'payment_created', endToEndId: committed!.endToEndId });
      const sent = await sentSince(before);
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.every((route) => route === 'list')).toBe(true);
      expect(await h.payouts(`payout-${id}`)).toHaveLength(1);
    },
  );

  it('by a timeout is ambiguous; the retry’s own late-commit wait lets the slow create land, then adopts it', async () => {
    const id = uniqueId('order');
    const activities = h.activities({
      env: { ...CLIENT_TIMEOUT, FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS: '2500' },
    });
    // Lands 1.5 s after it was sent: after attempt 1 gave up (1 s), before attempt 2 looks (after 2.5 s).
    await fault('create', 'delay', { delayMs: 1500 });
    const error = await h.watch.failureOf(
      h.attempt(1).run(activities.createPayoutSession, scenario1Request(id)),
    );
    expectApplicationFailure(error, 'FintectureAmbiguousOutcome', {
      nonRetryable: false,
      nextRetryDelay: undefined,
    });
    expect((error as Error).message).toContain('1000 ms');
    // Nothing has landed yet: without its wait, the retry would find nothing and create a second payout.
    expect(await h.payouts(`payout-${id}`)).toEqual([]);

    // Straight away, as Temporal may retry: no waiting in the test, the attempt waits itself.
    const before = await logLength();
    const adopted = sessionOf(
      await h.attempt(2).run(activities.createPayoutSession, scenario1Request(id)),
      'adopted',
    );
    const payouts = await h.payouts(`payout-${id}`);
    expect(payouts.map((p) => p.sessionId)).toEqual([adopted.sessionId]);
    const sent = await requestsSince(before);
    expect(sent.every((r) => r.route === 'list')).toBe(true);
    // The slow create had committed before the retry's first list request.
    expect(Date.parse(payouts[0]!.createdAt)).toBeLessThan(Date.parse(sent[0]!.at));
  });

  it('is retried only after FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS: attempt 2 waits before its first list request, attempt 1 does not', async () => {
    const delayMs = 1500;
    const id = uniqueId('order');
    const activities = h.activities({ env: { FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS: String(delayMs) } });
    await fault('create', 'commit-then-drop');

    const first = h.attempt(1);
    const startedFirst = Date.now();
    const beforeFirst = await logLength();
    await h.watch.failureOf(first.run(activities.createPayoutSession, scenario1Request(id)));
    const sentFirst = await requestsSince(beforeFirst);
    expect(sentFirst.at(-1)).toMatchObject({ route: 'create', status: null, fault: 'commit-then-drop' });
    // Attempt 1 looks at once (the sandbox's timestamps; the start is the same machine's clock).
    expect(Date.parse(sentFirst[0]!.at) - startedFirst).toBeLessThan(delayMs);
    expect(first.heartbeats).not.toContainEqual(expect.objectContaining({ stage: 'late-commit-wait' }));

    const second = h.attempt(2);
    const startedSecond = Date.now();
    const beforeSecond = await logLength();
    const adopted = sessionOf(
      await second.run(activities.createPayoutSession, scenario1Request(id)),
      'adopted',
    );
    const sentSecond = await requestsSince(beforeSecond);
    expect(sentSecond.length).toBeGreaterThan(0);
    expect(sentSecond.every((r) => r.route === 'list')).toBe(true);
    const firstList = Date.parse(sentSecond[0]!.at);
    // The attempt started no earlier than `startedSecond`, and the create it may follow reached the sandbox
    // earlier still: both are at least the configured delay before the retry's first look.
    expect(firstList - startedSecond).toBeGreaterThanOrEqual(delayMs);
    expect(firstList - Date.parse(sentFirst.at(-1)!.at)).toBeGreaterThanOrEqual(delayMs);
    // It told Temporal it was alive while it waited.
    expect(second.heartbeats).toContainEqual(expect.objectContaining({ stage: 'late-commit-wait' }));
    expect((await h.payouts(`payout-${id}`)).map((p) => p.sessionId)).toEqual([adopted.sessionId]);
  });

  it('after a workflow reset (attempt 1 again) adopts the existing session', async () => {
    const id = uniqueId('order');
    const first = sessionOf(
      await h.attempt(1).run(h.activities().createPayoutSession, scenario1Request(id)),
      'created',
    );
    const again = sessionOf(
      await h.attempt(1).run(h.activities().createPayoutSession, scenario1Request(id)),
      'adopted',
    );
    expect(again).toMatchObject({
      adopted: true,
      sessionId: first.sessionId,
      sessionStatus: 'iban_required',
    });
    expect(await h.payouts(`payout-${id}`)).toHaveLength(1);
  });

  it('does not adopt a session whose amount differs: it reports the mismatch and sends nothing', async () => {
    const id = uniqueId('order');
    const first = sessionOf(
      await h.attempt(1).run(h.activities().createPayoutSession, scenario2Request(id)),
      'created',
    );
    const before = await logLength();
    const result = await h
      .attempt(2)
      .run(h.activities().createPayoutSession, scenario2Request(id, { amount: '999.99' }));
    expect(result).toEqual({ kind: 'mismatch', sessionId: first.sessionId });
    expect(searches(await sentSince(before))).toEqual(['list*']);
    expect(await h.payouts(`payout-${id}`)).toHaveLength(1);
  });

  it('is ambiguous, with both session IDs and no create sent, when two sessions carry the order’s reference', async () => {
    const id = uniqueId('order');
    const order = scenario1Request(id);
    const activities = h.activities();
    const ours = await ownSession(order, activities);
    // An earlier attempt's create that committed unseen.
    const duplicate = await h.createDirectly(order);

    const before = await logLength();
    const result = await h.attempt(2).run(activities.createPayoutSession, order);
    expect(result).toEqual({ kind: 'ambiguous', sessionIds: [ours.sessionId, duplicate].sort() });
    expect(searches(await sentSince(before))).toEqual(['list*']);
    expect(await h.payouts(`payout-${id}`)).toHaveLength(2);
  });
});

describe('reconciliation reads the whole list, whatever Fintecture does with filters and page sizes', () => {
  it('adopts a commit-then-drop create among foreign sessions, by its reference: one session, never two', async () => {
    const id = uniqueId('order');
    const order = scenario1Request(id);
    const references = payoutReferencesFor(id);
    const activities = h.activities({ env: { FINTECTURE_RECONCILE_PAGE_SIZE: '100' } });
    await smallPages();
    // Others before and after ours; right after ours, a lookalike: same amount and currency, other reference.
    await otherPayouts(3);
    await h.fillUntilNextForeignIs('lookalike-payout');
    const beforeOrder = await logLength();
    await fault('create', 'commit-then-drop');
    await h.watch.failureOf(h.attempt(1).run(activities.createPayoutSession, order));
    await otherPayouts(2);

    const [committed] = await h.payouts(`payout-${id}`);
    // What the documented profile gives: its own end_to_end_id, not the one we sent ...
    expect(committed!.endToEndId).toMatch(/^[0-9a-f]{32}$/);
    expect(committed!.endToEndId).not.toBe(references.endToEndId);
    // ... and sessions that are not ours, among them one that only a reference tells apart.
    const foreign = await h.foreign();
    const lookalike = foreign.find(
      (session) => session.kind === 'lookalike-payout' && session.createdAt > committed!.createdAt,
    );
    expect(lookalike).toMatchObject({ type: 'RequestForPayout', amount: '26.99', currency: 'EUR' });
    expect(carriesReference(lookalike!.communication ?? null, references)).toBe(false);
    expect(foreign.some((session) => session.type === 'PayByBank')).toBe(true);
    const sessions = await listLength();

    const before = await logLength();
    const adopted = sessionOf(await h.attempt(2).run(activities.createPayoutSession, order), 'adopted');
    expect(adopted).toMatchObject({
      sessionId: committed!.sessionId,
      sessionStatus: 'iban_required',
      endToEndId: committed!.endToEndId,
      state: `payout-${id}`,
      adopted: true,
    });
    // Every page of the sandbox's size (not the 100 we hinted), to the empty one, and nothing else.
    const sent = await requestsSince(before);
    expect(sent.map((r) => r.route)).toEqual(Array(Math.ceil(sessions / SMALL_PAGES) + 1).fill('list'));
    expect(sent.map((r) => new URL(r.url, 'http://sandbox').searchParams.get('page[number]'))).toEqual(
      sent.map((_r, i) => String(i + 1)),
    );
    expect(sent.some((r) => r.url.includes('filter'))).toBe(false);
    // One create for the order, ever, and one session.
    const creates = (await requestsSince(beforeOrder)).filter((r) => r.route === 'create');
    expect(creates.filter((r) => stateOf(r) === `payout-${id}`)).toHaveLength(1);
    expect(await h.payouts(`payout-${id}`)).toHaveLength(1);
  });

  it('reads to the end and creates when the session is absent', async () => {
    await smallPages();
    await otherPayouts(3);
    const id = uniqueId('order');
    const sessions = await listLength();
    const before = await logLength();
    const created = sessionOf(
      await h.attempt(2).run(h.activities().createPayoutSession, scenario1Request(id)),
      'created',
    );
    expect(created.adopted).toBe(false);
    // Every page, then the create, then the read that learns the status the guide's answer lacks.
    expect(await sentSince(before)).toEqual([
      ...Array(Math.ceil(sessions / SMALL_PAGES) + 1).fill('list'),
      'create',
      'fetch',
    ]);
    expect(created.sessionStatus).toBe('iban_required');
    expect(await h.payouts(`payout-${id}`)).toHaveLength(1);
  });

  it('reports search_incomplete, without creating, when FINTECTURE_RECONCILE_MAX_PAGES is reached first', async () => {
    await smallPages();
    await otherPayouts(3);
    expect(await listLength()).toBeGreaterThan(2 * SMALL_PAGES);
    const id = uniqueId('order');
    const activities = h.activities({ env: { FINTECTURE_RECONCILE_MAX_PAGES: '2' } });
    const before = await logLength();
    // Any attempt: the first one reads the whole list too.
    const result = await h.attempt(1).run(activities.createPayoutSession, scenario1Request(id));
    expect(result).toEqual({ kind: 'search_incomplete', pagesRead: 2 });
    expect(await sentSince(before)).toEqual(['list', 'list']);
    expect(await h.payouts(`payout-${id}`)).toEqual([]);
  });

  it('never creates when the lookup itself fails', async () => {
    const id = uniqueId('order');
    await fault('list', 'status', { status: 503 });
    const error = await h.watch.failureOf(
      h.attempt(2).run(h.activities().createPayoutSession, scenario1Request(id)),
    );
    expectApplicationFailure(error, 'FintectureUnavailable', { nonRetryable: false });
    expect(await h.payouts(`payout-${id}`)).toEqual([]);
  });
});

describe('the legacy createPayout (workflows started before createPayoutSession)', () => {
  it('returns a status even when the guide’s answer has none and the read after it fails', async () => {
    // The read that learns the status fails twice: once for each activity below.
    await fault('fetch', 'status', { status: 500, times: 2 });
    const newId = uniqueId('order');
    const before = await logLength();
    const fresh = sessionOf(
      await h.attempt(1).run(h.activities().createPayoutSession, scenario1Request(newId)),
      'created',
    );
    // A failed read is not a failed create: the session is reported, its status still unknown.
    expect(fresh.sessionStatus).toBeNull();
    expect(searches(await sentSince(before))).toEqual(['list*', 'create', 'fetch']);

    const legacyId = uniqueId('order');
    const legacy = await h.attempt(1).run(h.activities().createPayout, scenario1Request(legacyId));
    // Those workflows expect one: the documented status of a fresh scenario-1 session.
    expect(legacy).toMatchObject({ sessionStatus: 'iban_required', scenario: 1, adopted: false });
    expect((await h.payouts(`payout-${legacyId}`)).map((p) => p.sessionId)).toEqual([legacy.sessionId]);
    expect(await h.payouts(`payout-${newId}`)).toHaveLength(1);
  });

  it('adopts a commit-then-drop create on the retry: exactly one payout', async () => {
    const id = uniqueId('order');
    const activities = h.activities();
    await fault('create', 'commit-then-drop');
    const error = await h.watch.failureOf(h.attempt(1).run(activities.createPayout, scenario2Request(id)));
    expectApplicationFailure(error, 'FintectureAmbiguousOutcome', { nonRetryable: false });
    const created = await h.attempt(2).run(activities.createPayout, scenario2Request(id));
    expect(created).toMatchObject({ adopted: true, scenario: 2, sessionStatus: 'payment_created' });
    expect((await h.payouts(`payout-${id}`)).map((p) => p.sessionId)).toEqual([created.sessionId]);
  });

  it('fails non-retryably on a mismatch, on two sessions and on an incomplete search, never creating', async () => {
    const activities = h.activities();

    const mismatched = uniqueId('order');
    await h.attempt(1).run(activities.createPayout, scenario2Request(mismatched));
    let before = await logLength();
    let error = await h.watch.failureOf(
      h.attempt(2).run(activities.createPayout, scenario2Request(mismatched, { amount: '999.99' })),
    );
    expectApplicationFailure(error, 'PayoutReconciliationMismatch', { nonRetryable: true });
    expect(searches(await sentSince(before))).toEqual(['list*']);
    expect(await h.payouts(`payout-${mismatched}`)).toHaveLength(1);

    const doubled = uniqueId('order');
    await h.createDirectly(scenario1Request(doubled));
    await h.createDirectly(scenario1Request(doubled));
    before = await logLength();
    error = await h.watch.failureOf(h.attempt(2).run(activities.createPayout, scenario1Request(doubled)));
    expectApplicationFailure(error, 'PayoutReconciliationInconclusive', { nonRetryable: true });
    expect(searches(await sentSince(before))).toEqual(['list*']);
    expect(await h.payouts(`payout-${doubled}`)).toHaveLength(2);

    await smallPages();
    const unread = uniqueId('order');
    const bounded = h.activities({ env: { FINTECTURE_RECONCILE_MAX_PAGES: '1' } });
    before = await logLength();
    error = await h.watch.failureOf(h.attempt(2).run(bounded.createPayout, scenario1Request(unread)));
    expectApplicationFailure(error, 'PayoutReconciliationInconclusive', { nonRetryable: true });
    expect(await sentSince(before)).toEqual(['list']);
    expect(await h.payouts(`payout-${unread}`)).toEqual([]);
  });
});

describe('the duplicate sweep', () => {
  it('is clean when the order has only its own session', async () => {
    const order = scenario1Request(uniqueId('order'));
    const activities = h.activities();
    const ours = await ownSession(order, activities);
    const before = await logLength();
    expect(await sweep(order, ours, activities)).toEqual({
      outcome: 'clean',
    });
    expect(searches(await sentSince(before))).toEqual(['list*']);
  });

  it('cancels a duplicate that can still be cancelled (iban_required), and leaves the order’s session alone', async () => {
    const id = uniqueId('order');
    const order = scenario1Request(id);
    const activities = h.activities();
    const ours = await ownSession(order, activities);
    const duplicate = await h.createDirectly(order);

    const before = await logLength();
    const result = await sweep(order, ours, activities);
    expect(result).toEqual({ outcome: 'cancelled', cancelledSessionIds: [duplicate] });
    const cancels = (await requestsSince(before)).filter((r) => r.route === 'cancel');
    expect(cancels.map((r) => `${r.method} ${r.url}`)).toEqual([`PATCH /pis/v2/payments/${duplicate}`]);
    const payouts = await h.payouts(`payout-${id}`);
    expect(payouts.find((p) => p.sessionId === duplicate)?.status).toBe('payment_cancelled');
    expect(payouts.find((p) => p.sessionId === ours.sessionId)?.status).toBe('iban_required');

    // The final sweep meets the duplicate it cancelled (Fintecture shows transfer `cancelled` with it): done,
    // no second PATCH, and not a duplicate that needs a person.
    const again = await logLength();
    expect(await sweep(order, ours, activities)).toEqual({
      outcome: 'cancelled',
      cancelledSessionIds: [duplicate],
    });
    expect((await requestsSince(again)).filter((r) => r.route === 'cancel')).toEqual([]);
  });

  it('reports a duplicate that cannot be cancelled (payment_created) without touching it', async () => {
    const id = uniqueId('order');
    const order = scenario2Request(id);
    const activities = h.activities();
    const ours = await ownSession(order, activities);
    const duplicate = await h.createDirectly(order);
    expect((await h.payouts(`payout-${id}`)).find((p) => p.sessionId === duplicate)?.status).toBe(
      'payment_created',
    );

    const before = await logLength();
    const result = await sweep(order, ours, activities);
    expect(result).toEqual({ outcome: 'duplicate', sessionIds: [duplicate] });
    expect(await sentSince(before)).not.toContain('cancel');
    const payouts = await h.payouts(`payout-${id}`);
    expect(payouts.map((p) => p.status)).toEqual(['payment_created', 'payment_created']);
  });

  it('cancels what it can and still reports what it cannot', async () => {
    const id = uniqueId('order');
    const order = scenario1Request(id);
    const activities = h.activities();
    const ours = await ownSession(order, activities);
    const cancellable = await h.createDirectly(order);
    // The same reference, a verified beneficiary: money already on its way.
    const paid = await h.createDirectly(scenario2Request(id));

    const result = await sweep(order, ours, activities);
    expect(result).toEqual({ outcome: 'duplicate', sessionIds: [paid] });
    const statuses = Object.fromEntries(
      (await h.payouts(`payout-${id}`)).map((p) => [p.sessionId, p.status] as const),
    );
    expect(statuses).toEqual({
      [ours.sessionId]: 'iban_required',
      [cancellable]: 'payment_cancelled',
      [paid]: 'payment_created',
    });
  });

  it('says incomplete when it could not read the whole list and found no other session', async () => {
    const order = scenario1Request(uniqueId('order'));
    const ours = await ownSession(order);
    await smallPages();
    const bounded = h.activities({ env: { FINTECTURE_RECONCILE_MAX_PAGES: '1' } });
    expect(await h.attempt(1).run(bounded.sweepDuplicates, { order, sessionId: ours.sessionId })).toEqual({
      outcome: 'incomplete',
      pagesRead: 1,
    });
  });
});

describe('a read that fails', () => {
  let sessionId: string;
  beforeAll(async () => {
    const result = await h
      .attempt(1)
      .run(h.activities().createPayoutSession, scenario1Request(uniqueId('order')));
    sessionId = sessionOf(result, 'created').sessionId;
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
