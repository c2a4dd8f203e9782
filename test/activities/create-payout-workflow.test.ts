import { WorkflowFailedError, type Client, type Connection } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import { type PayoutRequestInput } from '../../domain/payout-request';
import { testDataConverter } from '../support/codec';
import { connectTestClient, testNamespace, testTemporalAddress, uniqueId } from '../support/temporal';
import {
  expectNoSecretLeaked,
  scenario1Request,
  scenario2Request,
  startSandboxHarness,
  type SandboxHarness,
} from './harness';

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
  await h.sandbox.control('PATCH', '/config', { listFilters: 'honoured' });
});

/** Runs the workflow on a real worker against the real dev server; returns its result and activity attempts. */
async function runCreatePayout(request: PayoutRequestInput, env: Record<string, string> = {}) {
  const taskQueue = uniqueId('payout-create');
  const worker = await Worker.create({
    connection: workerConnection,
    namespace: testNamespace(),
    taskQueue,
    workflowBundle: bundle,
    dataConverter: testDataConverter(),
    activities: h.activities({ env }),
  });
  const handle = await client.workflow.start('createPayoutWorkflow', {
    taskQueue,
    workflowId: uniqueId('wf-payout'),
    args: [request],
  });
  const outcome = await worker.runUntil(
    handle.result().then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
  );
  const history = await handle.fetchHistory();
  const attempts = (history.events ?? []).flatMap((e) =>
    e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 0] : [],
  );
  return { ...outcome, attempts };
}

function failureType(error: unknown): string | undefined {
  if (!(error instanceof WorkflowFailedError) || !(error.cause instanceof ActivityFailure)) return undefined;
  h.watch.failures.push(error);
  return error.cause.cause instanceof ApplicationFailure ? (error.cause.cause.type ?? undefined) : undefined;
}

async function createRequests(): Promise<number> {
  return (await h.requests('create')).length;
}

describe('createPayout driven by Temporal retries (real worker, real dev server)', () => {
  it('commit-then-drop: the create commits, the answer is lost, the retry adopts it — exactly one payout', async () => {
    const orderId = uniqueId('order');
    await h.sandbox.control('POST', '/faults', { route: 'create', mode: 'commit-then-drop' });
    const createsBefore = await createRequests();

    const run = await runCreatePayout(scenario2Request(orderId));

    if (!run.ok) throw run.error;
    expect(run.attempts).toEqual([2]);
    const payouts = await h.payouts(`payout-${orderId}`);
    expect(payouts.map((p) => p.sessionId)).toEqual([run.result.sessionId]);
    expect(run.result).toMatchObject({ adopted: true, scenario: 2, sessionStatus: 'payment_created' });
    expect((await createRequests()) - createsBefore).toBe(1);
  });

  it('commit-then-drop with list filters ignored: the retry pages, matches locally, adopts — exactly one', async () => {
    const orderId = uniqueId('order');
    for (let i = 0; i < 3; i++)
      await h.attempt(1).run(h.activities().createPayout, scenario1Request(uniqueId('other')));
    await h.sandbox.control('PATCH', '/config', { listFilters: 'ignored' });
    await h.sandbox.control('POST', '/faults', { route: 'create', mode: 'commit-then-drop' });

    const run = await runCreatePayout(scenario1Request(orderId), { FINTECTURE_RECONCILE_PAGE_SIZE: '1' });

    if (!run.ok) throw run.error;
    expect(run.attempts).toEqual([2]);
    expect(run.result.adopted).toBe(true);
    expect((await h.payouts(`payout-${orderId}`)).map((p) => p.sessionId)).toEqual([run.result.sessionId]);
  });

  it('a 500 that applied nothing: the retry finds nothing and creates — exactly one', async () => {
    const orderId = uniqueId('order');
    await h.sandbox.control('POST', '/faults', { route: 'create', mode: 'status', status: 500, times: 2 });

    const run = await runCreatePayout(scenario1Request(orderId));

    if (!run.ok) throw run.error;
    expect(run.attempts).toEqual([3]);
    expect(run.result.adopted).toBe(false);
    expect((await h.payouts(`payout-${orderId}`)).map((p) => p.sessionId)).toEqual([run.result.sessionId]);
  });

  it('an invalid request fails at once: non-retryable, one attempt, nothing created', async () => {
    const orderId = uniqueId('order');
    const run = await runCreatePayout({ ...scenario1Request(orderId), amount: '-3' });

    expect(run.ok).toBe(false);
    expect(failureType(run.ok ? undefined : run.error)).toBe('PayoutRequestInvalid');
    expect(run.attempts).toEqual([1]);
    expect(await h.payouts(`payout-${orderId}`)).toEqual([]);
  });

  it('an inconclusive reconciliation stops the retries instead of risking a second payment', async () => {
    const orderId = uniqueId('order');
    for (let i = 0; i < 3; i++)
      await h.attempt(1).run(h.activities().createPayout, scenario1Request(uniqueId('other')));
    await h.sandbox.control('PATCH', '/config', { listFilters: 'ignored' });
    await h.sandbox.control('POST', '/faults', { route: 'create', mode: 'drop' });

    const run = await runCreatePayout(scenario1Request(orderId), {
      FINTECTURE_RECONCILE_PAGE_SIZE: '1',
      FINTECTURE_RECONCILE_MAX_PAGES: '2',
    });

    expect(run.ok).toBe(false);
    expect(failureType(run.ok ? undefined : run.error)).toBe('PayoutReconciliationInconclusive');
    expect(run.attempts).toEqual([2]);
    expect(await h.payouts(`payout-${orderId}`)).toEqual([]);
  });
});

describe('secrets', () => {
  it('never appear in a log line or an error produced by this suite', () => {
    expectNoSecretLeaked(h);
  });
});
