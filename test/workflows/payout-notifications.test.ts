import { ApplicationFailure } from '@temporalio/common';
import {
  type NotifyOrderSystemInput,
  type NotifyOrderSystemResult,
  type PayoutActivities,
} from '../../activities';
import { statusAnswer } from '../../client/payouts/payout-answers';
import { type PayoutSettings } from '../../domain/payout-settings';
import { type CreateSessionResult } from '../../domain/activity-facts';
import { payoutEventSignal, statusQuery, type PayoutResult } from '../../workflows/messages';
import { PayoutStatus } from '../../domain/search-attributes';
import { testOrder } from '../support/payout-stack';
import {
  STUB_SESSION_ID,
  STUB_SETTINGS,
  stubbedPayoutServer,
  stubSession,
  stubSnapshot,
  stubWatch,
} from '../support/stubbed-workflows';
import { eventually } from '../support/wait';

/**
 * Outcome events to the order system (patch `notify-order-system`), with stubbed activities on the
 * time-skipping server: `payout.created` then exactly one final event, delivered in the background — a
 * delivery that hangs or fails never delays the outcome — and a delivery that gave up shows in the view.
 */

const SETTINGS: PayoutSettings = {
  ...STUB_SETTINGS,
  notifyRetry: { initialIntervalSeconds: 1, maximumIntervalSeconds: 2, giveUpAfterSeconds: 20 },
};
const server = stubbedPayoutServer(SETTINGS);
const SESSION = STUB_SESSION_ID;
const session = stubSession;
const snapshot = stubSnapshot;

interface Call {
  type: string;
  id: string;
  startedAt: number;
  endedAt?: number;
}

function stubActivities(
  notify: (input: NotifyOrderSystemInput) => Promise<NotifyOrderSystemResult>,
  createPayoutSession: () => Promise<CreateSessionResult> = async () => ({
    kind: 'created',
    session: session(),
  }),
) {
  const calls: Call[] = [];
  const activities = {
    ensureAccessToken: async () => ({ expiresAt: new Date(0).toISOString() }),
    createPayoutSession,
    identifySession: async () => ({ ours: false as const }),
    sweepDuplicates: async () => ({ outcome: 'clean' as const }),
    fetchPayout: async () => snapshot(),
    watchSession: stubWatch(async () => snapshot()),
    cancelPayout: async () => ({ cancelled: true, sessionStatus: 'payment_cancelled' }) as const,
    async notifyOrderSystem(input: NotifyOrderSystemInput) {
      const call: Call = { type: input.event.type, id: input.id, startedAt: Date.now() };
      calls.push(call);
      try {
        return await notify(input);
      } finally {
        call.endedAt = Date.now();
      }
    },
  };
  return { activities: activities as unknown as PayoutActivities, calls };
}

const withWorker = <T>(activities: PayoutActivities, body: (taskQueue: string) => Promise<T>) =>
  server.withWorker(activities, body);

const start = (taskQueue: string, order = testOrder()) => server.start(taskQueue, order);

const delivered = async (): Promise<NotifyOrderSystemResult> => ({
  configured: true,
  attempts: 1,
  receivers: [{ receiver: '#1 receiver.example', delivered: true, status: 204 }],
});

describe('PayoutWorkflow: outcome events to the order system', () => {
  it('a delivery that hangs holds up nothing: the wait loop goes on, the outcome and search attribute are final', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const order = testOrder();
    const { activities, calls } = stubActivities(async (input) => {
      // The order system does not answer payout.created until the test says so.
      if (input.event.type === 'payout.created') await released;
      return delivered();
    });
    await withWorker(activities, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      await eventually(
        async () => (await handle.query(statusQuery)).notifications ?? [],
        (list) => list.length === 1 && list[0]!.status === 'pending',
        { what: 'payout.created pending' },
      );
      // A webhook wakes the loop at once: it reads, settles, while payout.created is still being delivered.
      await handle.signal(payoutEventSignal, {
        source: 'webhook',
        sessionId: SESSION,
        eventId: 'e1',
        receivedAt: new Date().toISOString(),
      });
      const settled = await eventually(
        () => handle.query(statusQuery),
        (view) => view.outcome === 'SETTLED',
        { what: 'outcome SETTLED' },
      );
      expect(settled.phase).toBe('finished');
      expect((await handle.describe()).typedSearchAttributes.get(PayoutStatus)).toBe('SETTLED');
      expect((await handle.describe()).status.name).toBe('RUNNING');
      // The final event waits for payout.created's delivery: it is recorded, not started.
      await eventually(
        async () => (await handle.query(statusQuery)).notifications ?? [],
        (list) => list.length === 2,
        { what: 'payout.settled queued' },
      );
      expect(calls.map((call) => call.type)).toEqual(['payout.created']);

      release();
      const result = (await handle.result()) as PayoutResult;
      expect(result.notifications).toEqual([
        expect.objectContaining({
          id: `${result.workflowId}:payout.created`,
          type: 'payout.created',
          status: 'delivered',
          attempts: 1,
        }),
        expect.objectContaining({
          id: `${result.workflowId}:payout.settled`,
          type: 'payout.settled',
          status: 'delivered',
        }),
      ]);
      expect(result.notifications![1]!.event.data).toEqual({
        orderId: order.orderId,
        workflowId: result.workflowId,
        sessionId: SESSION,
        scenario: 2,
        outcome: 'SETTLED',
        outcomeReason: 'completed',
        transferState: 'completed',
        amount: '26.99',
        currency: 'EUR',
        connectUrl: null,
      });
    });
    expect(calls.map((call) => call.type)).toEqual(['payout.created', 'payout.settled']);
    expect(calls[1]!.startedAt).toBeGreaterThanOrEqual(calls[0]!.endedAt!);
  });

  it('a delivery refused for the whole retry schedule shows as failed (view and GET answer); the outcome stands', async () => {
    const { activities, calls } = stubActivities(async () => {
      throw ApplicationFailure.retryable('not delivered', 'OrderWebhookUndelivered', {
        attempt: 1,
        refused: '#1 receiver.example: http_503',
      });
    });
    const result = await withWorker(activities, async (taskQueue) => {
      const handle = await start(taskQueue);
      return (await handle.result()) as PayoutResult;
    });
    expect(result.outcome).toBe('SETTLED');
    const answer = statusAnswer(result);
    expect(answer.notifications).toEqual([
      expect.objectContaining({ type: 'payout.created', status: 'failed' }),
      expect.objectContaining({ type: 'payout.settled', status: 'failed' }),
    ]);
    for (const entry of answer.notifications) expect(entry.lastError).toMatch(/http_503|Timeout/);
    // Retried (growing delays, time skipped), and the final event only after created gave up.
    const created = calls.filter((call) => call.type === 'payout.created');
    expect(created.length).toBeGreaterThan(2);
    const firstFinal = calls.findIndex((call) => call.type === 'payout.settled');
    expect(calls.slice(firstFinal).every((call) => call.type === 'payout.settled')).toBe(true);
  });

  it('a worker without NOTIFY_WEBHOOK_URL: each event is asked once, recorded not_configured', async () => {
    const { activities, calls } = stubActivities(async () => ({ configured: false }));
    const result = await withWorker(activities, async (taskQueue) => {
      const handle = await start(taskQueue);
      return (await handle.result()) as PayoutResult;
    });
    expect(result.outcome).toBe('SETTLED');
    expect(result.notifications?.map((entry) => [entry.type, entry.status])).toEqual([
      ['payout.created', 'not_configured'],
      ['payout.settled', 'not_configured'],
    ]);
    expect(calls).toHaveLength(2);
  });

  it('NEEDS_REVIEW before any session exists: only payout.needs_review', async () => {
    const { activities, calls } = stubActivities(delivered, async () => ({
      kind: 'ambiguous',
      sessionIds: ['s1', 's2'],
    }));
    const result = await withWorker(activities, async (taskQueue) => {
      const handle = await start(taskQueue);
      return (await handle.result()) as PayoutResult;
    });
    expect(result.outcome).toBe('NEEDS_REVIEW');
    expect(calls.map((call) => call.type)).toEqual(['payout.needs_review']);
    expect(result.notifications?.[0]?.event.data).toMatchObject({
      sessionId: null,
      outcome: 'NEEDS_REVIEW',
      outcomeReason: 'create_ambiguous',
    });
  });

  it('scenario 1: payout.created carries the payee link; no event carries personal data', async () => {
    const order = testOrder({ verified: false, expiresInSeconds: 120 });
    const { activities } = stubActivities(delivered, async () => ({
      kind: 'created',
      session: session({
        scenario: 1,
        sessionStatus: 'iban_required',
        transferState: null,
        connectUrl: 'https://pay.example/x',
      }),
    }));
    const result = await withWorker(activities, async (taskQueue) => {
      const handle = await start(taskQueue, order);
      return (await handle.result()) as PayoutResult;
    });
    const [created] = result.notifications ?? [];
    expect(created?.event).toMatchObject({
      type: 'payout.created',
      data: { scenario: 1, connectUrl: 'https://pay.example/x', outcome: null },
    });
    const text = JSON.stringify(result.notifications);
    for (const personal of [order.payee.name, order.payee.email!, 'FR14', 'IBAN', 'iban"']) {
      expect(text).not.toContain(personal);
    }
  });
});
