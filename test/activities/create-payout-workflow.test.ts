import { WorkflowFailedError, type Client, type Connection } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import { carriesReference, payoutReferencesFor } from '../../activities/payout-references';
import { type PayoutRequestInput } from '../../domain/payout-request';
import { type CreatedPayout } from '../../domain/payout-session';
import { type CreateSessionResult } from '../../domain/activity-facts';
import { testDataConverter } from '../support/codec';
import { connectTestClient, testNamespace, testTemporalAddress, uniqueId } from '../support/temporal';
import {
  expectNoSecretLeaked,
  scenario1Request,
  scenario2Request,
  startSandboxHarness,
  type SandboxHarness,
} from './harness';

/** Against the sandbox's default, `documented` profile (fintecture-api.md as corrected 2026-11-30). */
let h: SandboxHarness;
let bundle: WorkflowBundle;
let workerConnection: NativeConnection;
let client: Client;
let connection: Connection;

beforeAll(async () => {
  h = await startSandboxHarness();
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../fixtures/create-payout-workflow'),
    logger: new DefaultLogger('WARN'),
  });
  workerConnection = await NativeConnection.connect({ address: testTemporalAddress() });
  ({ client, connection } = await connectTestClient());
});
afterAll(async () => {
  await connection?.close();
  await workerConnection?.close();
  await h?.stop();
});
afterEach(async () => {
  await h.sandbox.control('DELETE', '/faults');
  await h.sandbox.control('PATCH', '/config', { listPageSize: 10 });
});

// Small fixed pages, so a search has many to read: the sandbox, not our `page[size]`, decides.
const SMALL_PAGES = 3;

type WorkflowName = 'createPayoutSessionWorkflow' | 'createPayoutWorkflow';

/** Runs a workflow on a real worker against the real dev server; returns its result and activity attempts. */
async function run<T>(workflow: WorkflowName, request: PayoutRequestInput, env: Record<string, string> = {}) {
  const taskQueue = uniqueId('payout-create');
  const worker = await Worker.create({
    connection: workerConnection,
    namespace: testNamespace(),
    taskQueue,
    workflowBundle: bundle,
    dataConverter: testDataConverter(),
    activities: h.activities({ env }),
  });
  const handle = await client.workflow.start(workflow, {
    taskQueue,
    workflowId: uniqueId('wf-payout'),
    args: [request],
  });
  const outcome = await worker.runUntil(
    handle.result().then(
      (result) => ({ ok: true as const, result: result as T }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
  );
  const history = await handle.fetchHistory();
  const attempts = (history.events ?? []).flatMap((e) =>
    e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 0] : [],
  );
  return { ...outcome, attempts };
}

const runCreatePayoutSession = (request: PayoutRequestInput, env: Record<string, string> = {}) =>
  run<CreateSessionResult>('createPayoutSessionWorkflow', request, env);
const runLegacyCreatePayout = (request: PayoutRequestInput, env: Record<string, string> = {}) =>
  run<CreatedPayout>('createPayoutWorkflow', request, env);

function failureType(error: unknown): string | undefined {
  if (!(error instanceof WorkflowFailedError) || !(error.cause instanceof ActivityFailure)) return undefined;
  h.watch.failures.push(error);
  return error.cause.cause instanceof ApplicationFailure ? (error.cause.cause.type ?? undefined) : undefined;
}

async function logLength(): Promise<number> {
  return (await h.requests()).length;
}

async function routesSince(before: number): Promise<string[]> {
  return (await h.requests()).slice(before).flatMap((r) => (r.route === 'token' ? [] : [r.route]));
}

async function otherPayouts(count: number) {
  for (let i = 0; i < count; i++) await h.createDirectly(scenario1Request(uniqueId('other')));
}

describe('createPayoutSession driven by Temporal retries (real worker, real dev server)', () => {
  it('commit-then-drop among foreign sessions: the retry waits, pages, matches the reference, adopts — one session, never two', async () => {
    const orderId = uniqueId('order');
    const references = payoutReferencesFor(orderId);
    const delayMs = 1000;
    await h.sandbox.control('PATCH', '/config', { listPageSize: SMALL_PAGES });
    await otherPayouts(2);
    // Right after ours, the sandbox adds a lookalike: same amount and currency, another reference.
    await h.fillUntilNextForeignIs('lookalike-payout');
    await h.sandbox.control('POST', '/faults', { route: 'create', mode: 'commit-then-drop' });
    const before = await logLength();

    const outcome = await runCreatePayoutSession(scenario1Request(orderId), {
      FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS: String(delayMs),
    });

    if (!outcome.ok) throw outcome.error;
    expect(outcome.attempts).toEqual([2]);
    const payouts = await h.payouts(`payout-${orderId}`);
    expect(payouts).toHaveLength(1);
    const [committed] = payouts;
    expect(outcome.result).toEqual({
      kind: 'adopted',
      attempt: 2,
      session: expect.objectContaining({
        sessionId: committed!.sessionId,
        sessionStatus: 'iban_required',
        scenario: 1,
        adopted: true,
        // Fintecture's own end_to_end_id, not the one we sent: the session was found by its reference.
        endToEndId: committed!.endToEndId,
      }),
    });
    expect(committed!.endToEndId).not.toBe(references.endToEndId);
    const lookalike = (await h.foreign()).find(
      (session) => session.kind === 'lookalike-payout' && session.createdAt > committed!.createdAt,
    );
    expect(lookalike).toMatchObject({ amount: '26.99', currency: 'EUR', type: 'RequestForPayout' });
    expect(carriesReference(lookalike!.communication ?? null, references)).toBe(false);

    const sent = (await h.requests()).slice(before).filter((r) => r.route !== 'token');
    const create = sent.findIndex((r) => r.route === 'create');
    // Attempt 1: the list, the create (answer lost). Attempt 2: only the list, several pages of it.
    expect(sent.filter((r) => r.route === 'create')).toHaveLength(1);
    expect(sent.slice(0, create).every((r) => r.route === 'list')).toBe(true);
    const retried = sent.slice(create + 1);
    expect(retried.length).toBeGreaterThan(2);
    expect(retried.every((r) => r.route === 'list')).toBe(true);
    expect(sent.some((r) => r.url.includes('filter'))).toBe(false);
    // The retry looked only once a late commit had had its time.
    expect(Date.parse(retried[0]!.at) - Date.parse(sent[create]!.at)).toBeGreaterThanOrEqual(delayMs);
  });

  it('a 500 that applied nothing: the retry finds nothing and creates — exactly one', async () => {
    const orderId = uniqueId('order');
    await h.sandbox.control('POST', '/faults', { route: 'create', mode: 'status', status: 500, times: 2 });

    const outcome = await runCreatePayoutSession(scenario1Request(orderId));

    if (!outcome.ok) throw outcome.error;
    expect(outcome.attempts).toEqual([3]);
    expect(outcome.result.kind).toBe('created');
    if (outcome.result.kind !== 'created') return;
    expect(outcome.result.session.adopted).toBe(false);
    expect((await h.payouts(`payout-${orderId}`)).map((p) => p.sessionId)).toEqual([
      outcome.result.session.sessionId,
    ]);
  });

  it('two sessions with the order’s reference: ambiguous, both named, no retry and no create', async () => {
    const orderId = uniqueId('order');
    const first = await h.createDirectly(scenario1Request(orderId));
    const second = await h.createDirectly(scenario1Request(orderId));
    const before = await logLength();

    const outcome = await runCreatePayoutSession(scenario1Request(orderId));

    if (!outcome.ok) throw outcome.error;
    expect(outcome.attempts).toEqual([1]);
    expect(outcome.result).toEqual({ kind: 'ambiguous', sessionIds: [first, second].sort() });
    expect(await routesSince(before)).not.toContain('create');
    expect(await h.payouts(`payout-${orderId}`)).toHaveLength(2);
  });

  it('a search that reaches FINTECTURE_RECONCILE_MAX_PAGES: search_incomplete, no retry, no create', async () => {
    const orderId = uniqueId('order');
    await h.sandbox.control('PATCH', '/config', { listPageSize: SMALL_PAGES });
    await otherPayouts(3);
    const before = await logLength();

    const outcome = await runCreatePayoutSession(scenario1Request(orderId), {
      FINTECTURE_RECONCILE_MAX_PAGES: '2',
    });

    if (!outcome.ok) throw outcome.error;
    expect(outcome.attempts).toEqual([1]);
    expect(outcome.result).toEqual({ kind: 'search_incomplete', pagesRead: 2 });
    expect(await routesSince(before)).toEqual(['list', 'list']);
    expect(await h.payouts(`payout-${orderId}`)).toEqual([]);
  });

  it('an invalid request fails at once: non-retryable, one attempt, nothing created', async () => {
    const orderId = uniqueId('order');
    const outcome = await runCreatePayoutSession({ ...scenario1Request(orderId), amount: '-3' });

    expect(outcome.ok).toBe(false);
    expect(failureType(outcome.ok ? undefined : outcome.error)).toBe('PayoutRequestInvalid');
    expect(outcome.attempts).toEqual([1]);
    expect(await h.payouts(`payout-${orderId}`)).toEqual([]);
  });
});

describe('the legacy createPayout driven by Temporal retries', () => {
  it('commit-then-drop: the create commits, the answer is lost, the retry adopts it — exactly one payout', async () => {
    const orderId = uniqueId('order');
    await h.sandbox.control('POST', '/faults', { route: 'create', mode: 'commit-then-drop' });
    const before = await logLength();

    const outcome = await runLegacyCreatePayout(scenario2Request(orderId));

    if (!outcome.ok) throw outcome.error;
    expect(outcome.attempts).toEqual([2]);
    const payouts = await h.payouts(`payout-${orderId}`);
    expect(payouts.map((p) => p.sessionId)).toEqual([outcome.result.sessionId]);
    expect(outcome.result).toMatchObject({ adopted: true, scenario: 2, sessionStatus: 'payment_created' });
    expect((await routesSince(before)).filter((route) => route === 'create')).toHaveLength(1);
  });

  it('an incomplete search stops the retries with a non-retryable failure instead of risking a second payment', async () => {
    const orderId = uniqueId('order');
    await h.sandbox.control('PATCH', '/config', { listPageSize: SMALL_PAGES });
    await otherPayouts(3);
    // Were the search skipped, this drop would be retried into a create.
    await h.sandbox.control('POST', '/faults', { route: 'create', mode: 'drop' });
    const before = await logLength();

    const outcome = await runLegacyCreatePayout(scenario1Request(orderId), {
      FINTECTURE_RECONCILE_MAX_PAGES: '2',
    });

    expect(outcome.ok).toBe(false);
    expect(failureType(outcome.ok ? undefined : outcome.error)).toBe('PayoutReconciliationInconclusive');
    // Every attempt searches first, so the first one already stops: no create was ever sent.
    expect(outcome.attempts).toEqual([1]);
    expect(await routesSince(before)).toEqual(['list', 'list']);
    expect(await h.payouts(`payout-${orderId}`)).toEqual([]);
  });
});

describe('secrets', () => {
  it('never appear in a log line or an error produced by this suite', () => {
    expectNoSecretLeaked(h);
  });
});
