import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type PayoutActivities } from '../../activities';
import { type CancelOutcome, type PayoutSnapshot } from '../../domain/payout-session';
import {
  type CreateSessionResult,
  type DuplicateSweepResult,
  type SessionIdentification,
} from '../../domain/activity-facts';
import {
  cancelUpdate,
  initialPayoutView,
  PAYOUT_WORKFLOW_TYPE,
  payoutEventSignal,
  payoutWorkflowId,
  statusQuery,
  type PayoutResult,
  type PayoutWorkflowInput,
} from '../../workflows/messages';
import { PayoutStatus } from '../../domain/search-attributes';
import { testOrder } from '../support/payout-stack';
import {
  STUB_SETTINGS,
  stubbedPayoutServer,
  stubSession,
  stubSnapshot,
  stubWatch,
} from '../support/stubbed-workflows';
import { eventually } from '../support/wait';

/**
 * Every branch of PayoutWorkflow's documented-Fintecture path (patch `fintecture-as-documented`), with
 * stubbed activities on the time-skipping server: each failure an activity can raise ends the payout
 * somewhere — a final outcome or NEEDS_REVIEW with a reason — never a failed or endlessly waiting workflow.
 */

const SETTINGS = STUB_SETTINGS;
const server = stubbedPayoutServer(SETTINGS);

const session = stubSession;
const snapshot = stubSnapshot;
const fail = (type: string) =>
  ApplicationFailure.create({ type, message: `stub ${type}`, nonRetryable: true });

type Stub = Partial<{
  createPayoutSession: () => Promise<CreateSessionResult>;
  identifySession: (args: { sessionId: string }) => Promise<SessionIdentification>;
  sweepDuplicates: () => Promise<DuplicateSweepResult>;
  fetchPayout: (sessionId: string) => Promise<PayoutSnapshot>;
  cancelPayout: (sessionId: string) => Promise<CancelOutcome>;
}>;

/** Records the calls each activity got; unset activities answer the happy path. */
function stubActivities(stub: Stub) {
  const calls: Record<string, number> = {};
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const activities = {
    async ensureAccessToken() {
      return { expiresAt: new Date(0).toISOString() };
    },
    async createPayoutSession() {
      count('createPayoutSession');
      return stub.createPayoutSession
        ? stub.createPayoutSession()
        : ({ kind: 'created', session: session() } as const);
    },
    async createPayout() {
      throw new Error('the documented path never calls createPayout');
    },
    // Outcome events: not configured here (test/workflows/payout-notifications.test.ts covers them).
    async notifyOrderSystem() {
      return { configured: false as const };
    },
    async identifySession(args: { sessionId: string }) {
      count('identifySession');
      return stub.identifySession ? stub.identifySession(args) : { ours: false as const };
    },
    async sweepDuplicates() {
      count('sweepDuplicates');
      return stub.sweepDuplicates ? stub.sweepDuplicates() : ({ outcome: 'clean' } as const);
    },
    async fetchPayout(sessionId: string) {
      count('fetchPayout');
      return stub.fetchPayout ? stub.fetchPayout(sessionId) : snapshot();
    },
    watchSession: stubWatch(async (sessionId) =>
      stub.fetchPayout ? stub.fetchPayout(sessionId) : snapshot(),
    ),
    async cancelPayout(sessionId: string) {
      count('cancelPayout');
      return stub.cancelPayout
        ? stub.cancelPayout(sessionId)
        : ({ cancelled: true, sessionStatus: 'payment_cancelled' } as const);
    },
  };
  return { activities: activities as unknown as PayoutActivities, calls };
}

async function withWorker<T>(
  stub: Stub,
  body: (worker: { taskQueue: string; calls: Record<string, number> }) => Promise<T>,
) {
  const { activities, calls } = stubActivities(stub);
  return server.withWorker(activities, (taskQueue) => body({ taskQueue, calls }));
}

const start = (taskQueue: string, order = testOrder()) => server.start(taskQueue, order);

/** A webhook event for `sessionId`, as the ingress signals it. */
const webhookEvent = (sessionId: string, eventId: string) => ({
  source: 'webhook' as const,
  sessionId,
  eventId,
  receivedAt: new Date().toISOString(),
});

async function run(stub: Stub, order = testOrder()) {
  return withWorker(stub, async ({ taskQueue, calls }) => {
    const handle = await start(taskQueue, order);
    const result = (await handle.result()) as PayoutResult;
    return { result, calls, handle };
  });
}

describe('PayoutWorkflow: the create states facts, and none of them sends twice', () => {
  it('created → swept twice (after the create and at the end) → SETTLED', async () => {
    const { result, calls } = await run({});
    expect(result).toMatchObject({
      outcome: 'SETTLED',
      outcomeReason: 'completed',
      sessionId: 'a'.repeat(32),
    });
    expect(calls.sweepDuplicates).toBe(2);
  });

  it.each([
    [{ kind: 'ambiguous', sessionIds: ['s1', 's2'] }, 'create_ambiguous', ['s1', 's2']],
    [{ kind: 'mismatch', sessionId: 's3' }, 'create_mismatch', ['s3']],
    [{ kind: 'search_incomplete', pagesRead: 50 }, 'create_unconfirmed:search_incomplete', []],
  ] as const)('%o → NEEDS_REVIEW %s, no sweep, no poll', async (fact, reason, others) => {
    const { result, calls } = await run({ createPayoutSession: async () => fact as CreateSessionResult });
    expect(result).toMatchObject({ outcome: 'NEEDS_REVIEW', outcomeReason: reason, sessionId: null });
    expect(result.otherSessionIds ?? []).toEqual(others);
    expect(calls.sweepDuplicates).toBeUndefined();
    expect(calls.fetchPayout).toBeUndefined();
  });

  it.each([
    ['FintectureValidationFailed', 'create_failed:FintectureValidationFailed'],
    ['FintectureAmbiguousOutcome', 'create_unconfirmed:FintectureAmbiguousOutcome'],
  ])('a create that fails with %s ends NEEDS_REVIEW %s', async (type, reason) => {
    const { result } = await run({
      createPayoutSession: async () => {
        throw fail(type);
      },
    });
    expect(result).toMatchObject({ outcome: 'NEEDS_REVIEW', outcomeReason: reason });
  });
});

describe("PayoutWorkflow: the view carries what the payee's return page shows", () => {
  it("holds the order's amount, currency and language, and no personal data", async () => {
    const { result } = await run({}, testOrder({ amount: '12.30', currency: 'EUR', language: 'fr' }));
    expect(result).toMatchObject({ amount: '12.30', currency: 'EUR', language: 'fr' });
    const text = JSON.stringify(result);
    for (const personal of ['John Doe', 'john@doe.example', 'FR1420041010050500013M02606']) {
      expect(text).not.toContain(personal);
    }
  });

  it('fills them on a view carried from a run that had none (started before they existed)', async () => {
    const order = testOrder({ amount: '45.00', language: 'en' });
    const {
      amount: _a,
      currency: _c,
      language: _l,
      ...old
    } = initialPayoutView(order.orderId, payoutWorkflowId(order.orderId), 2);
    const input: PayoutWorkflowInput = {
      order,
      settings: SETTINGS,
      resume: {
        view: { ...old, phase: 'waiting', sessionId: 'a'.repeat(32), sessionStatus: 'payment_created' },
        seenEventIds: [],
        pollIndex: 0,
        waitStartedAt: null,
        linkDeadline: null,
      },
    };
    const result = await withWorker({}, async ({ taskQueue }) => {
      const handle = await server.env.client.workflow.start(PAYOUT_WORKFLOW_TYPE, {
        workflowId: payoutWorkflowId(order.orderId),
        taskQueue,
        args: [input],
      });
      return (await handle.result()) as PayoutResult;
    });
    expect(result).toMatchObject({ outcome: 'SETTLED', amount: '45.00', currency: 'EUR', language: 'en' });
  });
});

describe('PayoutWorkflow: a session named by an event while the create is unconfirmed', () => {
  it('is identified at Fintecture and adopted; the running create is cancelled and waited for', async () => {
    let createCancelled = false;
    const ours = 'b'.repeat(32);
    const identified: string[] = [];
    await withWorker(
      {
        // A create retrying after a lost answer: it runs until it is cancelled.
        createPayoutSession: async () => {
          const context = Context.current();
          try {
            for (;;) {
              context.heartbeat();
              await context.sleep(100);
            }
          } catch (error) {
            createCancelled = context.cancellationSignal.aborted;
            throw error;
          }
        },
        identifySession: async ({ sessionId }) => {
          identified.push(sessionId);
          return sessionId === ours
            ? { ours: true, session: session({ sessionId: ours, adopted: true }) }
            : { ours: false };
        },
        fetchPayout: async (sessionId) => snapshot({ sessionId }),
      },
      async ({ taskQueue }) => {
        const handle = await start(taskQueue);
        // Someone else's session first: read, not ours, ignored.
        await handle.signal(payoutEventSignal, webhookEvent('c'.repeat(32), 'e1'));
        await handle.signal(payoutEventSignal, webhookEvent(ours, 'e2'));
        const result = (await handle.result()) as PayoutResult;
        expect(result).toMatchObject({ outcome: 'SETTLED', sessionId: ours });
      },
    );
    expect(identified).toEqual(['c'.repeat(32), 'b'.repeat(32)]);
    expect(createCancelled).toBe(true);
  });

  it('an event just ahead of the create’s own answer costs no read: the create is given a moment first', async () => {
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    await withWorker(
      {
        createPayoutSession: async () => {
          await answered;
          return { kind: 'created', session: session(), attempt: 1 } as const;
        },
      },
      async ({ taskQueue, calls }) => {
        const handle = await start(taskQueue);
        await handle.signal(payoutEventSignal, {
          source: 'webhook',
          sessionId: 'a'.repeat(32),
          eventId: 'early',
          receivedAt: new Date().toISOString(),
        });
        // The webhook is in the workflow before the create answers.
        await eventually(
          async () =>
            (await handle.fetchHistory()).events?.some((e) => e.workflowExecutionSignaledEventAttributes),
          Boolean,
          { what: 'the webhook to be signalled' },
        );
        answer();
        const result = (await handle.result()) as PayoutResult;
        expect(result).toMatchObject({ outcome: 'SETTLED', sessionId: 'a'.repeat(32) });
        expect(calls.identifySession).toBeUndefined();
      },
    );
  });
});

describe('PayoutWorkflow: the duplicate sweep', () => {
  it('a duplicate that could not be cancelled right after the create → NEEDS_REVIEW duplicate_payout', async () => {
    const { result, calls } = await run({
      sweepDuplicates: async () => ({ outcome: 'duplicate', sessionIds: ['d'.repeat(32)] }),
    });
    expect(result).toMatchObject({
      outcome: 'NEEDS_REVIEW',
      outcomeReason: 'duplicate_payout',
      sessionId: 'a'.repeat(32),
      otherSessionIds: ['d'.repeat(32)],
    });
    expect(calls.sweepDuplicates).toBe(1);
  });

  it('a duplicate cancelled by the sweep is listed, and the payout goes on to settle', async () => {
    let sweeps = 0;
    const { result } = await run({
      sweepDuplicates: async () =>
        ++sweeps === 1
          ? { outcome: 'cancelled', cancelledSessionIds: ['d'.repeat(32)] }
          : { outcome: 'clean' },
    });
    expect(result).toMatchObject({ outcome: 'SETTLED', cancelledDuplicateSessionIds: ['d'.repeat(32)] });
  });

  it('a duplicate found by the final sweep overrules SETTLED; the transfer state stays visible', async () => {
    let sweeps = 0;
    const { result, handle } = await run({
      sweepDuplicates: async () =>
        ++sweeps === 1 ? { outcome: 'clean' } : { outcome: 'duplicate', sessionIds: ['d'.repeat(32)] },
    });
    expect(result).toMatchObject({
      outcome: 'NEEDS_REVIEW',
      outcomeReason: 'duplicate_payout',
      transferState: 'completed',
      otherSessionIds: ['d'.repeat(32)],
    });
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(PayoutStatus)).toBe('NEEDS_REVIEW');
  });

  it('while the final sweep runs, the outcome it may overrule is shown nowhere (query, cancel, search attribute)', async () => {
    let sweeps = 0;
    let finalSweepStarted!: () => void;
    const started = new Promise<void>((resolve) => (finalSweepStarted = resolve));
    let release!: (result: DuplicateSweepResult) => void;
    const finalSweep = new Promise<DuplicateSweepResult>((resolve) => (release = resolve));
    const stub: Stub = {
      sweepDuplicates: async () => {
        if (++sweeps === 1) return { outcome: 'clean' };
        finalSweepStarted();
        return finalSweep;
      },
    };
    await withWorker(stub, async ({ taskQueue }) => {
      const handle = await start(taskQueue);
      // The webhook saying the transfer completed: looked at now, rather than at the first poll.
      await handle.signal(payoutEventSignal, webhookEvent('a'.repeat(32), 'completed'));
      await started;
      let duringTheSweep;
      try {
        duringTheSweep = {
          status: await handle.query(statusQuery),
          searchStatus: (await handle.describe()).typedSearchAttributes.get(PayoutStatus),
          cancel: await handle
            .executeUpdate(cancelUpdate, { args: [{ requestedBy: 'ops@example.test' }] })
            .catch((error: unknown) => error),
        };
      } finally {
        // Released whatever was read: a failed expectation must not leave the worker waiting on the sweep.
        release({ outcome: 'duplicate', sessionIds: ['d'.repeat(32)] });
      }
      // The transfer is `completed` (SETTLED once confirmed), but the sweep may still find a duplicate.
      expect(duringTheSweep.status).toMatchObject({
        phase: 'waiting',
        transferState: 'completed',
        outcome: null,
        outcomeReason: null,
      });
      expect(duringTheSweep.searchStatus).not.toBe('SETTLED');
      expect(duringTheSweep.cancel).toMatchObject({
        cause: { message: expect.stringMatching(/outcome is being confirmed/) },
      });
      expect(await handle.result()).toMatchObject({
        outcome: 'NEEDS_REVIEW',
        outcomeReason: 'duplicate_payout',
      });
      expect(await handle.query(statusQuery)).toMatchObject({ phase: 'finished', outcome: 'NEEDS_REVIEW' });
      expect((await handle.describe()).typedSearchAttributes.get(PayoutStatus)).toBe('NEEDS_REVIEW');
    });
  });

  it.each([
    [async () => ({ outcome: 'incomplete', pagesRead: 50 }) as const, 'duplicate_sweep_incomplete'],
    [
      async () => {
        throw fail('FintectureUnavailable');
      },
      'duplicate_sweep_failed:FintectureUnavailable',
    ],
  ] as const)('a final sweep that cannot conclude → NEEDS_REVIEW (%#)', async (finalSweep, reason) => {
    let sweeps = 0;
    const { result } = await run({
      sweepDuplicates: async () => (++sweeps === 1 ? { outcome: 'clean' } : finalSweep()),
    });
    expect(result).toMatchObject({ outcome: 'NEEDS_REVIEW', outcomeReason: reason });
  });
});

describe('PayoutWorkflow: states the status model cannot rank', () => {
  it.each([
    [{ sessionStatus: 'payout_scheduled', transferState: null }, 'unrecognised_state:payout_scheduled'],
    [{ sessionStatus: 'order_created', transferState: null }, 'unexpected_state:order_created'],
    [{ sessionStatus: null, transferState: 'overpaid' }, 'unexpected_state:overpaid'],
  ])(
    'are shown, move nothing, and at the deadline end NEEDS_REVIEW naming them (%o)',
    async (unrecognised, reason) => {
      const stuck = snapshot({ sessionStatus: null, transferState: null, unrecognised });
      await withWorker({ fetchPayout: async () => stuck }, async ({ taskQueue }) => {
        const handle = await start(taskQueue);
        const result = (await handle.result()) as PayoutResult;
        expect(result).toMatchObject({
          outcome: 'NEEDS_REVIEW',
          outcomeReason: reason,
          unrecognised,
          // What the create established stays: an unranked read never moves the payout.
          sessionStatus: 'payment_created',
          transferState: 'initiated',
        });
      });
    },
  );
});

describe('PayoutWorkflow: the link deadline (scenario 1)', () => {
  const linkOrder = () => testOrder({ verified: false, expiresInSeconds: 120 });
  const awaiting = () =>
    ({
      kind: 'created',
      // The guide's scenario-1 answer has no status, and the first read failed: unknown.
      session: session({
        scenario: 1,
        sessionStatus: null,
        transferState: null,
        connectUrl: 'https://pay.example/x',
      }),
    }) as const;

  it('a session whose status the create did not give counts as awaiting the payee', async () => {
    await withWorker(
      {
        createPayoutSession: async () => awaiting(),
        fetchPayout: async () => snapshot({ sessionStatus: 'iban_required', transferState: null }),
      },
      async ({ taskQueue }) => {
        const handle = await start(taskQueue, linkOrder());
        await eventually(
          async () => (await handle.describe()).typedSearchAttributes.get(PayoutStatus),
          (status) => status === 'AWAITING_PAYEE',
          { what: 'PayoutStatus AWAITING_PAYEE' },
        );
        const result = (await handle.result()) as PayoutResult;
        expect(result).toMatchObject({ outcome: 'EXPIRED', outcomeReason: 'link_expired' });
      },
    );
  });

  it('a cancel that fails at the deadline → NEEDS_REVIEW link_deadline_cancel_failed', async () => {
    const { result } = await run(
      {
        createPayoutSession: async () => awaiting(),
        fetchPayout: async () => snapshot({ sessionStatus: 'iban_required', transferState: null }),
        cancelPayout: async () => {
          throw fail('FintectureUnavailable');
        },
      },
      linkOrder(),
    );
    expect(result).toMatchObject({
      outcome: 'NEEDS_REVIEW',
      outcomeReason: 'link_deadline_cancel_failed:FintectureUnavailable',
    });
  });

  it('a cancel accepted whose confirming read fails → EXPIRED (the link is dead)', async () => {
    let reads = 0;
    const { result } = await run(
      {
        createPayoutSession: async () => awaiting(),
        fetchPayout: async () => {
          reads += 1;
          if (reads > 3) throw fail('FintectureUnavailable');
          return snapshot({ sessionStatus: 'iban_required', transferState: null });
        },
      },
      linkOrder(),
    );
    expect(result).toMatchObject({ outcome: 'EXPIRED', outcomeReason: 'link_expired' });
  });

  it('reads that keep failing never fail the workflow: the deadline still ends it', async () => {
    const { result } = await run({
      fetchPayout: async () => {
        throw fail('FintectureMalformedResponse');
      },
    });
    expect(result).toMatchObject({ outcome: 'NEEDS_REVIEW', outcomeReason: 'poll_schedule_exhausted' });
  });
});

describe('PayoutWorkflow: the cancel update', () => {
  const waitingOrder = () => testOrder({ verified: false });
  const awaiting = async () =>
    ({
      kind: 'created',
      session: session({ scenario: 1, sessionStatus: 'iban_required', transferState: null }),
    }) as const;

  it('a cancel whose fate is unknown parks the payout for review, and says so', async () => {
    await withWorker(
      {
        createPayoutSession: awaiting,
        fetchPayout: async () => snapshot({ sessionStatus: 'iban_required', transferState: null }),
        cancelPayout: async () => {
          throw fail('FintectureAmbiguousOutcome');
        },
      },
      async ({ taskQueue }) => {
        const handle = await start(taskQueue, waitingOrder());
        await eventually(
          async () => (await handle.query(statusQuery)).phase,
          (phase) => phase === 'waiting',
        );
        const answer = await handle.executeUpdate(cancelUpdate, { args: [{ requestedBy: 'ops' }] });
        // Said in words; the outcome itself is shown once the final duplicate sweep has confirmed it.
        expect(answer).toMatchObject({
          cancelled: false,
          message: expect.stringMatching(/parked for review/),
          status: { outcome: null },
        });
        const result = (await handle.result()) as PayoutResult;
        expect(result).toMatchObject({
          outcome: 'NEEDS_REVIEW',
          outcomeReason: 'cancel_failed:FintectureAmbiguousOutcome',
        });
      },
    );
  });

  it('a cancel accepted whose read fails is reported accepted, pending confirmation; the next poll confirms it', async () => {
    let cancelled = false;
    let failNextRead = false;
    await withWorker(
      {
        createPayoutSession: awaiting,
        fetchPayout: async () => {
          if (failNextRead) {
            failNextRead = false;
            throw fail('FintectureUnavailable');
          }
          return snapshot({
            sessionStatus: cancelled ? 'payment_cancelled' : 'iban_required',
            transferState: null,
          });
        },
        cancelPayout: async () => {
          cancelled = true;
          failNextRead = true;
          return { cancelled: true, sessionStatus: 'payment_cancelled' };
        },
      },
      async ({ taskQueue }) => {
        const handle = await start(taskQueue, waitingOrder());
        await eventually(
          async () => (await handle.query(statusQuery)).phase,
          (phase) => phase === 'waiting',
        );
        const answer = await handle.executeUpdate(cancelUpdate, { args: [{ requestedBy: 'ops' }] });
        expect(answer.cancelled).toBe(true);
        expect(answer.message).toMatch(/pending/);
        expect(answer.status.outcome).toBeNull();
        const result = (await handle.result()) as PayoutResult;
        expect(result).toMatchObject({ outcome: 'CANCELLED', sessionStatus: 'payment_cancelled' });
      },
    );
  });
});
