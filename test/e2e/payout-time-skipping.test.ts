import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { DEFAULT_PAYOUT_SETTINGS } from '../../domain/payout-settings';
import {
  awaitCreatedUpdate,
  PAYOUT_WORKFLOW_TYPE,
  payoutWorkflowId,
  type PayoutResult,
} from '../../workflows/messages';
import { startPayoutStack, testOrder, type PayoutStack } from '../support/payout-stack';
import { startTimeSkippingEnvironment } from '../support/time-skipping';

// Days of waiting in seconds: the time-skipping server jumps over timers whenever no activity runs, while
// the activities still talk to the real sandbox process over HTTP.
let env: TestWorkflowEnvironment;
let stack: PayoutStack;

beforeAll(async () => {
  env = await startTimeSkippingEnvironment();
  stack = await startPayoutStack({
    temporal: { connection: env.nativeConnection, client: env.client, namespace: env.namespace ?? 'default' },
  });
});
afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
});

async function run(order: ReturnType<typeof testOrder>) {
  const handle = await env.client.workflow.start(PAYOUT_WORKFLOW_TYPE, {
    workflowId: payoutWorkflowId(order.orderId),
    taskQueue: stack.taskQueue,
    args: [{ order, settings: DEFAULT_PAYOUT_SETTINGS }],
  });
  const created = await handle.executeUpdate(awaitCreatedUpdate, { args: [{}] });
  const startedAt = await env.currentTimeMs();
  const result = (await handle.result()) as PayoutResult;
  // Until the workflow closed: the test server's clock may run on afterwards (it still fires the timeouts of
  // activities that completed, such as the outcome event's 3-day delivery window).
  const closedAt = (await handle.describe()).closeTime!.getTime();
  const elapsedDays = (closedAt - startedAt) / 86_400_000;
  return { handle, created, result, elapsedDays };
}

describe('PayoutWorkflow over days of simulated time', () => {
  it('a payout link nobody uses ends EXPIRED after expiry + grace, and is cancelled at Fintecture', async () => {
    const order = testOrder({ verified: false, expiresInSeconds: 7 * 24 * 3600 });
    const { handle, created, result, elapsedDays } = await run(order);
    expect(result).toMatchObject({
      outcome: 'EXPIRED',
      outcomeReason: 'link_expired',
      sessionStatus: 'payment_cancelled',
    });
    // 7 days of link + 1 hour of grace, waited quietly: reads at 30 s, 1 min, 5 min, 30 min, 1 h, then every
    // 4 h (PAYOUT_QUIET_POLL_SECONDS), as the retries of one activity.
    expect(elapsedDays).toBeGreaterThanOrEqual(7 + 1 / 24);
    expect(elapsedDays).toBeLessThan(7.2);
    const log = (await stack.sandbox.control('GET', '/requests')) as { method: string; url: string }[];
    const reads = log.filter(
      (entry) => entry.method === 'GET' && entry.url.endsWith(`/pis/v2/payments/${created.sessionId}`),
    );
    expect(reads.length).toBeGreaterThanOrEqual(44);
    expect(reads.length).toBeLessThanOrEqual(52);
    // The unchanged reads leave no trace in the history: a waiting payout-week fits in 200 events (issue 15).
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.length).toBeLessThan(200);
    expect(events.filter((event) => event.timerFiredEventAttributes)).toHaveLength(1);
    const [atFintecture] = await stack.payoutsAtFintecture(order.orderId);
    expect(atFintecture?.status).toBe('payment_cancelled');
  });

  it('a transfer stuck for the whole schedule ends NEEDS_REVIEW after maxWait (14 days)', async () => {
    const order = testOrder({ amount: '409.00' });
    const { handle, created, result, elapsedDays } = await run(order);
    expect(result).toMatchObject({
      outcome: 'NEEDS_REVIEW',
      outcomeReason: 'poll_schedule_exhausted',
      transferState: 'blocked',
    });
    expect(elapsedDays).toBeGreaterThanOrEqual(14);
    expect(elapsedDays).toBeLessThan(14.1);
    expect(await stack.payoutsAtFintecture(order.orderId)).toHaveLength(1);
    // Read hourly for 14 days (≈ 336 reads); once the schedule reached its hourly delay, a watch does the
    // reading, so the history stays small (it was ≈ 3 700 events on timers).
    const log = (await stack.sandbox.control('GET', '/requests')) as { method: string; url: string }[];
    const reads = log.filter(
      (entry) => entry.method === 'GET' && entry.url.endsWith(`/pis/v2/payments/${created.sessionId}`),
    );
    expect(reads.length).toBeGreaterThan(320);
    expect(reads.length).toBeLessThan(350);
    expect(((await handle.fetchHistory()).events ?? []).length).toBeLessThan(150);
  });
});
