/**
 * The activities as the workflow calls them: one proxy per kind of call, each with the timeouts and
 * retries its risk calls for. Types only from activities/ (their implementations run in the worker).
 */
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { PayoutActivities } from '../activities';
import { DEFAULT_NOTIFY_RETRY, type PayoutSettings } from '../domain/payout-settings';

/** Temporal's retries, from 1 s doubling up to `maximumInterval`. */
const retryUpTo = (maximumInterval: string) => ({
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval,
});

/** Before FINTECTURE_AS_DOCUMENTED_PATCH: the token, then the create that reconciles on every retry. */
export const { ensureAccessToken, createPayout } = proxyActivities<PayoutActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  // Fintecture down for a day is an incident, not a reason to pay twice: every retry reconciles first,
  // and when the day is over the payout is parked for review.
  scheduleToCloseTimeout: '24 hours',
  retry: retryUpTo('1 minute'),
});

export const { fetchPayout } = proxyActivities<PayoutActivities>({
  startToCloseTimeout: '30 seconds',
  // A fetch that keeps failing just waits for the next poll.
  scheduleToCloseTimeout: '10 minutes',
  retry: retryUpTo('30 seconds'),
});

/** One quick call each: a cancel, or the read that checks the session an event names. */
export const { cancelPayout, identifySession } = proxyActivities<PayoutActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 minutes',
  retry: retryUpTo('10 seconds'),
});

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
export const { createPayoutSession } = proxyActivities<PayoutActivities>({
  ...READS_THE_LIST,
  scheduleToCloseTimeout: '24 hours',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

export const { sweepDuplicates } = proxyActivities<PayoutActivities>({
  ...READS_THE_LIST,
  scheduleToCloseTimeout: '2 hours',
});

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
