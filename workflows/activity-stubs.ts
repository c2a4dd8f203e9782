/**
 * The activities as the workflow calls them: one proxy per kind of call, each with the timeouts and
 * retries its risk calls for. Types only from activities/ (their implementations run in the worker).
 */
import {
  ActivityCancellationType,
  proxyActivities,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { PayoutActivities } from '../activities';
import type { WATCH_SESSION_ACTIVITY } from '../domain/activity-facts';
import { fintectureReadsQueue, fintectureWritesQueue } from '../domain/identifiers';
import { DEFAULT_NOTIFY_RETRY, type PayoutSettings } from '../domain/payout-settings';

/** Temporal's retries, from 1 s doubling up to `maximumInterval`. */
const retryUpTo = (maximumInterval: string) => ({
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval,
});

/** The token (every generation), and before FINTECTURE_AS_DOCUMENTED_PATCH the create that reconciles on every retry. */
const TOKEN_AND_LEGACY_CREATE: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  // Fintecture down for a day is an incident, not a reason to pay twice: every retry reconciles first,
  // and when the day is over the payout is parked for review.
  scheduleToCloseTimeout: '24 hours',
  retry: retryUpTo('1 minute'),
};
export const { createPayout } = proxyActivities<PayoutActivities>(TOKEN_AND_LEGACY_CREATE);

const FETCH: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  // A fetch that keeps failing just waits for the next poll.
  scheduleToCloseTimeout: '10 minutes',
  retry: retryUpTo('30 seconds'),
};

/** One quick call each: a cancel, or the read that checks the session an event names. */
const QUICK: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 minutes',
  retry: retryUpTo('10 seconds'),
};

/** Activities that read the whole payment list: long, heartbeating on every page. */
const READS_THE_LIST = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: retryUpTo('1 minute'),
} as const;

/**
 * The create as Fintecture documents it (FINTECTURE_AS_DOCUMENTED_PATCH): every attempt searches the whole
 * payment list and waits for a late commit after an earlier attempt, so it needs more than two minutes;
 * cancellation waits for the activity to stop, so an event that names the session cannot race a POST.
 */
const CREATE: ActivityOptions = {
  ...READS_THE_LIST,
  scheduleToCloseTimeout: '24 hours',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};

const SWEEP: ActivityOptions = { ...READS_THE_LIST, scheduleToCloseTimeout: '2 hours' };

/**
 * The quiet wait's one activity: its retries are the reads, at the delays it names (`nextRetryDelay`); a
 * failing read retries from 30 s, doubling to an hour. No overall timeout: the workflow cancels it (an
 * event, a cancel, the link deadline).
 */
const WATCH: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' },
};

/** The calls to Fintecture a payout makes, on the queues its generation uses. */
export type FintectureCalls = Pick<
  PayoutActivities,
  | 'ensureAccessToken'
  | 'createPayoutSession'
  | 'sweepDuplicates'
  | 'cancelPayout'
  | 'fetchPayout'
  | 'identifySession'
  | typeof WATCH_SESSION_ACTIVITY
>;

/**
 * Before BUDGETED_QUIET_WAITING_PATCH, every call on the workflow's own task queue. After it, reads on the
 * read queue, whose rate the server holds under `FINTECTURE_MAX_READS_PER_SECOND` across all workers, and
 * the calls that change something on the write queue, so they never wait behind reads.
 */
export function fintectureCalls(budgeted: boolean): FintectureCalls {
  const { taskQueue } = workflowInfo();
  const reads = budgeted ? fintectureReadsQueue(taskQueue) : undefined;
  const writes = budgeted ? fintectureWritesQueue(taskQueue) : undefined;
  const on = (options: ActivityOptions, queue: string | undefined) =>
    proxyActivities<PayoutActivities>(queue ? { ...options, taskQueue: queue } : options);
  return {
    ensureAccessToken: on(TOKEN_AND_LEGACY_CREATE, writes).ensureAccessToken,
    createPayoutSession: on(CREATE, writes).createPayoutSession,
    sweepDuplicates: on(SWEEP, writes).sweepDuplicates,
    cancelPayout: on(QUICK, writes).cancelPayout,
    fetchPayout: on(FETCH, reads).fetchPayout,
    // On the create's path (an event naming a session while the create is unconfirmed): with the writes, so
    // a create never waits behind the read backlog.
    identifySession: on(QUICK, writes).identifySession,
    watchSession: on(WATCH, reads).watchSession,
  };
}

/** Outcome events to the order system, on the retry schedule the payout started with. */
export function orderSystemNotifier(settings: PayoutSettings) {
  const notifyRetry = settings.notifyRetry ?? DEFAULT_NOTIFY_RETRY;
  return proxyActivities<PayoutActivities>({
    // Receivers are served concurrently, each request for at most 10 s: an attempt lasts about that long.
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: notifyRetry.giveUpAfterSeconds * 1000,
    retry: {
      initialInterval: notifyRetry.initialIntervalSeconds * 1000,
      backoffCoefficient: 2,
      maximumInterval: notifyRetry.maximumIntervalSeconds * 1000,
    },
  }).notifyOrderSystem;
}
