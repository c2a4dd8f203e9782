import { WorkflowUpdateFailedError } from '@temporalio/client';
import { TEST_BIC, TEST_IBAN } from '../support/payout-bodies';
import { FAST_SETTINGS, startPayoutStack, testOrder, type PayoutStack } from '../support/payout-stack';
import { eventually } from '../support/wait';
import {
  cancelUpdate,
  payoutEventSignal,
  payoutWorkflowId,
  statusQuery,
  type PayoutStatusView,
} from '../../workflows/messages';

let stack: PayoutStack;

beforeAll(async () => {
  stack = await startPayoutStack();
});
afterAll(() => stack?.stop());

const handle = (orderId: string) => stack.client.workflow.getHandle(payoutWorkflowId(orderId));
const status = (orderId: string) => handle(orderId).query(statusQuery);

describe('PayoutWorkflow, scenario 2 (verified beneficiary)', () => {
  it('creates one payout, follows it to SETTLED and records the timeline', async () => {
    const order = testOrder();
    const created = await stack.startPayout(order);
    expect(created).toMatchObject({
      phase: 'waiting',
      scenario: 2,
      sessionStatus: 'payment_created',
      outcome: null,
    });
    expect(created.sessionId).toMatch(/^[0-9a-f]{32}$/);

    const result = await stack.result(order.orderId);
    expect(result).toMatchObject({
      outcome: 'SETTLED',
      orderId: order.orderId,
      sessionId: created.sessionId,
      transferState: 'completed',
      endToEndId: expect.stringMatching(/^.{1,35}$/),
      executionDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    expect(result.timeline[0]).toMatchObject({
      source: 'create',
      sessionStatus: 'payment_created',
      transferState: 'initiated',
    });
    expect(result.timeline.at(-1)).toMatchObject({ source: 'poll', transferState: 'completed' });
    expect(await stack.payoutsAtFintecture(order.orderId)).toHaveLength(1);
  });

  it('ends REJECTED with the reason when the bank refuses', async () => {
    const order = testOrder({ amount: '400.01' });
    await stack.startPayout(order);
    const result = await stack.result(order.orderId);
    expect(result).toMatchObject({
      outcome: 'REJECTED',
      transferState: 'rejected',
      transferReason: 'insufficient_funds',
    });
  });

  it('keeps polling a blocked transfer and settles once it clears', async () => {
    // Hold the AML block long enough for the 1 s polls to see it.
    await stack.sandbox.control('PATCH', '/config', { slowDelayMs: 2500 });
    try {
      const order = testOrder({ amount: '402.00' });
      await stack.startPayout(order, { ...FAST_SETTINGS, pollDelaysSeconds: [1] });
      const result = await stack.result(order.orderId);
      expect(result.outcome).toBe('SETTLED');
      // Polls sample the transfer: the 20 ms `processing` step may or may not be seen.
      const states = result.timeline.map((t) => t.transferState);
      expect(states[0]).toBe('initiated');
      expect(states).toContain('blocked');
      expect(states.at(-1)).toBe('completed');
      // At least three reads of the session (the create's, then the polls), whether on timers or watched.
      const sessionId = result.sessionId!;
      const log = (await stack.sandbox.control('GET', '/requests')) as { method: string; url: string }[];
      const reads = log.filter(
        (entry) => entry.method === 'GET' && entry.url.endsWith(`/payments/${sessionId}`),
      );
      expect(reads.length).toBeGreaterThanOrEqual(3);
    } finally {
      await stack.sandbox.control('PATCH', '/config', { slowDelayMs: 500 });
    }
  });

  it('parks a transfer that never ends as NEEDS_REVIEW when the schedule is exhausted', async () => {
    const order = testOrder({ amount: '409.00' });
    await stack.startPayout(order, { ...FAST_SETTINGS, maxWaitSeconds: 3 });
    const result = await stack.result(order.orderId);
    expect(result).toMatchObject({
      outcome: 'NEEDS_REVIEW',
      outcomeReason: 'poll_schedule_exhausted',
      transferState: 'blocked',
    });
  });

  it('starting the same order twice gives one workflow and one Fintecture payout', async () => {
    const order = testOrder();
    const [first, second] = await Promise.all([stack.startPayout(order), stack.startPayout(order)]);
    expect(second.sessionId).toBe(first.sessionId);
    await stack.result(order.orderId);
    expect(await stack.payoutsAtFintecture(order.orderId)).toHaveLength(1);
  });

  it('refuses to cancel once money has left, with a clear message', async () => {
    const order = testOrder({ amount: '409.00' });
    await stack.startPayout(order);
    const update = handle(order.orderId).executeUpdate(cancelUpdate, { args: [{ requestedBy: 'test' }] });
    await expect(update).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(update).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/can no longer be cancelled: money is on its way/) },
    });
    await handle(order.orderId).terminate('test done');
  });
});

describe('PayoutWorkflow, scenario 1 (payout link)', () => {
  it('answers with the connect URL, wakes on an event and settles once the payee acted', async () => {
    const order = testOrder({ verified: false });
    // Slow polls: only the event can wake the workflow in time.
    const created = await stack.startPayout(order, { ...FAST_SETTINGS, pollDelaysSeconds: [3600] });
    expect(created).toMatchObject({ scenario: 1, sessionStatus: 'iban_required' });
    expect(created.connectUrl).toBe(`${stack.sandbox.baseUrl}/pay/${created.sessionId}`);
    // Answered as soon as the session exists (the duplicate sweep and the first poll come after).
    expect(created.phase).toBe('waiting');

    await stack.sandbox.control('POST', `/payouts/${created.sessionId}/payee`, {
      name: 'John Doe',
      iban: TEST_IBAN,
      bic: TEST_BIC,
    });
    await eventually(
      () => stack.payoutsAtFintecture(order.orderId),
      (list) => list[0]?.transferState === 'completed',
      { what: 'settlement at the sandbox' },
    );
    const receivedAt = new Date().toISOString();
    // A forged event for another session is dropped; the real one wakes the loop.
    await handle(order.orderId).signal(payoutEventSignal, {
      source: 'webhook',
      sessionId: 'f'.repeat(32),
      status: 'payment_created',
      transferState: 'completed',
      eventId: 'forged-1',
      receivedAt,
    });
    await handle(order.orderId).signal(payoutEventSignal, {
      source: 'redirect',
      sessionId: created.sessionId!,
      status: 'payment_created',
      eventId: 'redirect-1',
      receivedAt,
    });
    const result = await stack.result(order.orderId);
    expect(result.outcome).toBe('SETTLED');
    expect(result.timeline.map((t) => t.source)).toEqual(['create', 'redirect']);
    const view = await status(order.orderId);
    expect(view.polls).toBe(1);
  });

  it('cancels before the payee acts, and closes at once (polls are an hour apart)', async () => {
    const order = testOrder({ verified: false });
    const created = await stack.startPayout(order, { ...FAST_SETTINGS, pollDelaysSeconds: [3600] });
    const outcome = await handle(order.orderId).executeUpdate(cancelUpdate, {
      args: [{ requestedBy: 'operator-test' }],
    });
    // Cancelled at Fintecture; the outcome is shown once the final duplicate sweep has confirmed it.
    expect(outcome).toMatchObject({
      cancelled: true,
      status: { sessionStatus: 'payment_cancelled', transferState: 'cancelled', outcome: null },
    });
    // Without waking on the outcome, the workflow would sleep until its next poll, an hour away.
    const result = await stack.result(order.orderId);
    expect(result).toMatchObject({
      outcome: 'CANCELLED',
      sessionId: created.sessionId,
      transferReason: 'api_cancellation',
    });
    expect(result.timeline.at(-1)?.source).toBe('operator');
    const [atFintecture] = await stack.payoutsAtFintecture(order.orderId);
    expect(atFintecture?.status).toBe('payment_cancelled');
  });

  it('ends EXPIRED when the link expires', async () => {
    const order = testOrder({ verified: false, expiresInSeconds: 60 });
    const created = await stack.startPayout(order);
    await stack.sandbox.control('POST', `/payouts/${created.sessionId}/expire`);
    await handle(order.orderId).signal(payoutEventSignal, {
      source: 'webhook',
      sessionId: created.sessionId!,
      status: 'payment_expired',
      eventId: 'expired-1',
      receivedAt: new Date().toISOString(),
    });
    const result = await stack.result(order.orderId);
    expect(result).toMatchObject({ outcome: 'EXPIRED', sessionStatus: 'payment_expired' });
  });
});

describe('search attributes', () => {
  it('are queryable through visibility once a payout settles', async () => {
    const order = testOrder();
    const created = await stack.startPayout(order);
    await stack.result(order.orderId);
    const query = `PayoutOrderId = "${order.orderId}" AND PayoutStatus = "SETTLED" AND PayoutTransferState = "completed" AND PayoutScenario = "verified" AND PayoutSessionId = "${created.sessionId}"`;
    const found = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const execution of stack.client.workflow.list({ query })) ids.push(execution.workflowId);
        return ids;
      },
      (ids) => ids.length === 1,
      { what: 'visibility to index the payout' },
    );
    expect(found).toEqual([payoutWorkflowId(order.orderId)]);
  });

  it('the status query shows the timeline while waiting', async () => {
    const order = testOrder({ verified: false });
    await stack.startPayout(order);
    const view: PayoutStatusView = await status(order.orderId);
    expect(view).toMatchObject({ phase: 'waiting', outcome: null, sessionStatus: 'iban_required' });
    expect(view.timeline).toEqual([
      expect.objectContaining({ source: 'create', sessionStatus: 'iban_required' }),
    ]);
    await handle(order.orderId).terminate('test done');
  });
});
