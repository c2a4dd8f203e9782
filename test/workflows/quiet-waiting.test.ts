import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { type PayoutActivities } from '../../activities';
import type { CreateSessionResult } from '../../domain/activity-facts';
import { fintectureReadsQueue, fintectureWritesQueue } from '../../domain/identifiers';
import type { PayoutSettings } from '../../domain/payout-settings';
import type { PayoutSnapshot } from '../../domain/payout-session';
import { PayoutStatus } from '../../domain/search-attributes';
import { payoutEventSignal, type PayoutResult } from '../../workflows/messages';
import { testOrder } from '../support/payout-stack';
import {
  STUB_SESSION_ID,
  STUB_SETTINGS,
  stubbedPayoutServer,
  stubSession,
  stubSnapshot,
  stubWatch,
  withStubbedWorker,
  startStubbedPayout,
} from '../support/stubbed-workflows';
import { eventually } from '../support/wait';

// Issue 15 (patch budgeted-quiet-waiting), on the time-skipping server with stubbed activities: scenario 1
// waits quietly for its payee, reads go to the read queue, the rest to the write queue, and nothing is
// upserted or swept that changes nothing.

const HOUR = 3600;
/** A 2-day link, reads every 30 s at first, then every 4 h. */
const QUIET: PayoutSettings = { ...STUB_SETTINGS, pollDelaysSeconds: [30, 300], quietPollSeconds: 4 * HOUR };
const server = stubbedPayoutServer(QUIET);

const waitingSession = (attempt = 1): CreateSessionResult => ({
  kind: 'created',
  session: stubSession({ scenario: 1, sessionStatus: 'iban_required', transferState: null }),
  attempt,
});
const waiting = stubSnapshot({ sessionStatus: 'iban_required', transferState: null });
const settled = stubSnapshot({ sessionStatus: 'payment_created', transferState: 'completed' });

interface Calls {
  /** Reads of the session, by the watch or by fetchPayout. */
  reads: number;
  watchAttempts: number;
  fetches: number;
  sweeps: number;
  cancels: number;
}

/** Activities over one mutable read; counts every call. */
function activitiesReading(read: () => PayoutSnapshot, create = async () => waitingSession()) {
  const calls: Calls = { reads: 0, watchAttempts: 0, fetches: 0, sweeps: 0, cancels: 0 };
  const counted = async () => {
    calls.reads += 1;
    return read();
  };
  const watch = stubWatch(counted);
  const activities = {
    ensureAccessToken: async () => ({ expiresAt: new Date(0).toISOString() }),
    createPayoutSession: create,
    identifySession: async () => ({ ours: false as const }),
    sweepDuplicates: async () => {
      calls.sweeps += 1;
      return { outcome: 'clean' as const };
    },
    fetchPayout: async () => {
      calls.fetches += 1;
      return counted();
    },
    watchSession: async (input: Parameters<typeof watch>[0]) => {
      calls.watchAttempts += 1;
      return watch(input);
    },
    cancelPayout: async () => {
      calls.cancels += 1;
      return { cancelled: true, sessionStatus: 'payment_cancelled' } as const;
    },
    notifyOrderSystem: async () => ({ configured: false as const }),
  };
  return { activities: activities as unknown as PayoutActivities, calls };
}

async function eventsOf(handle: WorkflowHandle) {
  return (await handle.fetchHistory()).events ?? [];
}

const count = (events: Awaited<ReturnType<typeof eventsOf>>, type: string) =>
  events.filter((event) => event[type as keyof typeof event]).length;

/** The payout's quiet wait is under way: its watch has made its first attempt. */
const quietWaitStarted = (calls: Calls) =>
  eventually(
    async () => calls.watchAttempts,
    (attempts) => attempts > 0,
    { what: 'the quiet wait to start' },
  );

/** What the ingress signals for a verified webhook about the stub session. */
const webhook = (handle: WorkflowHandle) =>
  handle.signal(payoutEventSignal, {
    eventId: `wh-${STUB_SESSION_ID}-${Math.random().toString(36).slice(2)}`,
    sessionId: STUB_SESSION_ID,
    source: 'webhook',
    receivedAt: new Date().toISOString(),
  });

/** How many times the history schedules `activityType`. */
const scheduled = (events: Awaited<ReturnType<typeof eventsOf>>, activityType: string) =>
  events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType)
    .length;

/** The activity types whose cancellation the workflow requested, in order. */
function cancelRequests(events: Awaited<ReturnType<typeof eventsOf>>): string[] {
  const types = new Map<string, string>();
  for (const event of events) {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) types.set(String(event.eventId), name);
  }
  return events.flatMap((event) => {
    const requested = event.activityTaskCancelRequestedEventAttributes;
    return requested ? [types.get(String(requested.scheduledEventId)) ?? '?'] : [];
  });
}

describe('PayoutWorkflow: quiet waiting for the payee (budgeted-quiet-waiting)', () => {
  it('a link nobody uses: reads on the quiet schedule leave no history, and at the deadline the link is cancelled', async () => {
    let cancelled = false;
    const { activities, calls } = activitiesReading(() =>
      cancelled ? stubSnapshot({ sessionStatus: 'payment_cancelled', transferState: null }) : waiting,
    );
    activities.cancelPayout = async () => {
      calls.cancels += 1;
      cancelled = true;
      return { cancelled: true, sessionStatus: 'payment_cancelled' };
    };
    await server.withWorker(activities, async (taskQueue) => {
      const order = testOrder({ verified: false, expiresInSeconds: 2 * 24 * HOUR });
      const handle = await server.start(taskQueue, order);
      const result = (await handle.result()) as PayoutResult;
      expect(result).toMatchObject({ outcome: 'EXPIRED', outcomeReason: 'link_expired' });

      // Reads at 30 s, 300 s, then every 4 h until the deadline (2 days + 60 s): 2 + 12 = 14, and the
      // deadline's confirming read.
      expect(calls.reads).toBeGreaterThanOrEqual(13);
      expect(calls.reads).toBeLessThanOrEqual(16);
      const events = await eventsOf(handle);
      // One watch for the whole wait; none of its unchanged reads is in the history.
      expect(count(events, 'activityTaskScheduledEventAttributes')).toBeLessThanOrEqual(8);
      expect(calls.watchAttempts).toBeGreaterThan(calls.reads - 2);
      expect(count(events, 'timerFiredEventAttributes')).toBe(1); // the link deadline only
      expect(events.length).toBeLessThan(80);
    });
  });

  it('puts reads on the read queue and the create, sweep and cancel on the write queue', async () => {
    let cancelled = false;
    const { activities } = activitiesReading(() =>
      cancelled ? stubSnapshot({ sessionStatus: 'payment_cancelled', transferState: null }) : waiting,
    );
    activities.cancelPayout = async () => {
      cancelled = true;
      return { cancelled: true, sessionStatus: 'payment_cancelled' };
    };
    await server.withWorker(activities, async (taskQueue) => {
      const handle = await server.start(taskQueue, testOrder({ verified: false, expiresInSeconds: HOUR }));
      await handle.result();
      const queues = Object.fromEntries(
        (await eventsOf(handle)).flatMap((event) => {
          const scheduled = event.activityTaskScheduledEventAttributes;
          return scheduled ? [[scheduled.activityType!.name!, scheduled.taskQueue!.name!]] : [];
        }),
      );
      const reads = fintectureReadsQueue(taskQueue);
      const writes = fintectureWritesQueue(taskQueue);
      expect(queues).toEqual({
        ensureAccessToken: writes,
        createPayoutSession: writes,
        watchSession: reads,
        cancelPayout: writes,
        fetchPayout: reads,
        sweepDuplicates: writes,
        notifyOrderSystem: taskQueue,
      });
    });
  });

  it('a webhook is looked at at once, beside the running watch; the watch ends with the outcome', async () => {
    let current = waiting;
    const { activities, calls } = activitiesReading(() => current);
    await server.withWorker(activities, async (taskQueue) => {
      const handle = await server.start(taskQueue, testOrder({ verified: false }));
      await quietWaitStarted(calls);
      current = settled;
      await webhook(handle);
      const result = (await handle.result()) as PayoutResult;
      expect(result).toMatchObject({ outcome: 'SETTLED', outcomeReason: 'completed' });
      expect(result.timeline.map((entry) => entry.source)).toEqual(['create', 'webhook']);
      const events = await eventsOf(handle);
      // watch-ends-with-its-wait: no read can change the outcome, so the watch is stopped rather than left to
      // read (every 4 h) until the workflow closes.
      expect(cancelRequests(events)).toEqual(['watchSession']);
      expect(calls.fetches).toBe(1);
    });
  });

  it('a webhook that moves nothing keeps the watch running (no cancellation, no second watch)', async () => {
    let current = waiting;
    const { activities, calls } = activitiesReading(() => current);
    await server.withWorker(activities, async (taskQueue) => {
      const handle = await server.start(taskQueue, testOrder({ verified: false }));
      await quietWaitStarted(calls);
      await webhook(handle);
      await eventually(
        async () => calls.fetches,
        (fetches) => fetches === 1,
        { what: 'the webhook to be looked at' },
      );
      // The payee acts later; the running watch's next read (4 h) sees it.
      current = settled;
      const result = (await handle.result()) as PayoutResult;
      expect(result).toMatchObject({ outcome: 'SETTLED', outcomeReason: 'completed' });
      expect(result.timeline.map((entry) => entry.source)).toEqual(['create', 'poll']);
      const events = await eventsOf(handle);
      expect(scheduled(events, 'watchSession')).toBe(1);
      expect(cancelRequests(events)).toEqual([]);
      expect(calls.fetches).toBe(1);
    });
  });

  it('once a webhook shows the payee acted, the watch stops; a transfer that then stalls gets a watch of its own', async () => {
    let current = waiting;
    const { activities, calls } = activitiesReading(() => current);
    const processing = stubSnapshot({ sessionStatus: 'payment_created', transferState: 'processing' });
    let watchAttemptsAtWebhook = 0;
    let watchAttemptsBeforeStall = 0;
    activities.fetchPayout = async () => {
      calls.fetches += 1;
      calls.reads += 1;
      // Looks: the webhook's, then 30 s and 300 s later; the transfer stalls (schedule exhausted) after the
      // third, and the stalled transfer's watch then reads it settled.
      if (calls.fetches === 3) watchAttemptsBeforeStall = calls.watchAttempts;
      const answer = current;
      if (calls.fetches === 3) current = settled;
      return answer;
    };
    await server.withWorker(activities, async (taskQueue) => {
      const handle = await server.start(taskQueue, testOrder({ verified: false }));
      await quietWaitStarted(calls);
      current = processing;
      watchAttemptsAtWebhook = calls.watchAttempts;
      await webhook(handle);
      const result = (await handle.result()) as PayoutResult;
      expect(result).toMatchObject({ outcome: 'SETTLED', outcomeReason: 'completed' });
      expect(result.timeline.map((entry) => entry.source)).toEqual(['create', 'webhook', 'poll']);
      const events = await eventsOf(handle);
      // The payee's watch was stopped when the webhook moved the payout (before: it kept reading on the
      // payee's 4-h schedule, and the stalled transfer reused it with a stale known state).
      expect(cancelRequests(events)).toEqual(['watchSession']);
      expect(scheduled(events, 'watchSession')).toBe(2);
      expect(watchAttemptsBeforeStall).toBe(watchAttemptsAtWebhook);
      expect(calls.fetches).toBe(3);
    });
  });

  it('the watch itself sees the payee act; the payout then polls on the ordinary schedule', async () => {
    let current = waiting;
    const { activities, calls } = activitiesReading(() => {
      const answer = current;
      // The payee acts between the first and the second read; the transfer completes a read later.
      if (calls.reads === 1)
        current = stubSnapshot({ sessionStatus: 'payment_created', transferState: 'processing' });
      if (calls.reads === 2) current = settled;
      return answer;
    });
    await server.withWorker(activities, async (taskQueue) => {
      const handle = await server.start(taskQueue, testOrder({ verified: false }));
      const result = (await handle.result()) as PayoutResult;
      expect(result).toMatchObject({ outcome: 'SETTLED' });
      expect(result.timeline.map((entry) => entry.source)).toEqual(['create', 'poll', 'poll']);
      // The watch returned the read that moved; the transfer was followed by fetchPayout on its timer.
      expect(calls.fetches).toBe(1);
    });
  });

  it('a watch that fails for good falls back to the poll schedule, never to a tight loop', async () => {
    const { activities, calls } = activitiesReading(() => waiting);
    activities.watchSession = async () => {
      calls.watchAttempts += 1;
      throw ApplicationFailure.create({
        type: 'FintectureUnauthorized',
        message: 'stub',
        nonRetryable: true,
      });
    };
    await server.withWorker(activities, async (taskQueue) => {
      const handle = await server.start(
        taskQueue,
        testOrder({ verified: false, expiresInSeconds: 2 * HOUR }),
      );
      const result = (await handle.result()) as PayoutResult;
      expect(result.outcome).toBe('EXPIRED');
      // One failed watch per turn, each turn waiting the schedule (30 s, then 300 s): about 2 h / 300 s.
      expect(calls.watchAttempts).toBeGreaterThan(5);
      expect(calls.watchAttempts).toBeLessThanOrEqual(30);
      expect(calls.watchAttempts).toBeLessThanOrEqual(calls.fetches + 1);
    });
  });
});

describe('PayoutWorkflow: nothing sent that changes nothing (budgeted-quiet-waiting)', () => {
  const sessions =
    (attempt: number, kind: 'created' | 'adopted' = 'created') =>
    async (): Promise<CreateSessionResult> => ({ kind, session: stubSession(), attempt });

  it.each([
    ['created by its first attempt', sessions(1), 1],
    ['created by a retry (an earlier attempt may have left one)', sessions(2), 2],
    ['adopted', sessions(1, 'adopted'), 2],
    [
      'created, attempt not reported (an older activity)',
      async () => ({ kind: 'created' as const, session: stubSession() }),
      2,
    ],
  ])(
    'sweeps for duplicates after the create only when it was not proven unique: %s',
    async (_, create, sweeps) => {
      const { activities, calls } = activitiesReading(() => settled, create);
      await server.withWorker(activities, async (taskQueue) => {
        const handle = await server.start(taskQueue, testOrder());
        expect(((await handle.result()) as PayoutResult).outcome).toBe('SETTLED');
        expect(calls.sweeps).toBe(sweeps);
      });
    },
  );

  it('upserts the search attributes only when they change', async () => {
    let reads = 0;
    const { activities } = activitiesReading(() => {
      reads += 1;
      // `processing` twice, then the same with a reason (a change the search attributes do not show).
      if (reads <= 2) return stubSnapshot({ sessionStatus: 'payment_created', transferState: 'processing' });
      if (reads === 3) {
        return stubSnapshot({
          sessionStatus: 'payment_created',
          transferState: 'processing',
          transferReason: 'aml_review',
        });
      }
      return settled;
    }, sessions(1));
    await withStubbedWorker(server.env, activities, async (taskQueue) => {
      const settings = { ...QUIET, pollDelaysSeconds: [30] };
      const handle = await startStubbedPayout(server.env, taskQueue, testOrder(), settings);
      await handle.result();
      const statuses = (await eventsOf(handle)).flatMap((event) => {
        const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
        const status = fields?.[PayoutStatus.name];
        return status ? [JSON.parse(Buffer.from(status.data!).toString()) as string] : [];
      });
      // initiated (after the create) → processing → SETTLED: one upsert each; none for the reason, which
      // changed the view but not what the search attributes show.
      expect(statuses).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'SETTLED']);
    });
  });
});
