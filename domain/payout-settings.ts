import type { FinalStateSets } from './final-states';
import { DEFAULT_FINAL_STATE_SETS } from './final-states';

/**
 * How a payout waits. Passed to the workflow at start (part of its input), so a replay and a
 * continue-as-new see the values the payout began with, whatever the worker's configuration is later.
 */
export interface PayoutSettings {
  /** Successive poll delays; the last one repeats. Reset to the first when something moved. */
  pollDelaysSeconds: number[];
  /** How long to follow a transfer after creation (or after the payee acted) before NEEDS_REVIEW. */
  maxWaitSeconds: number;
  /** Scenario 1: how long after the link expiry to keep looking before the last fetch. */
  linkGraceSeconds: number;
  finalStates: FinalStateSets;
  /**
   * Scenario 1 while the payee has not acted (patch `budgeted-quiet-waiting`): webhooks and the redirect are
   * the primary channel, so reads follow `pollDelaysSeconds` up to this delay, then repeat it. Absent: the
   * default (`DEFAULT_QUIET_POLL_SECONDS`); payouts started before it keep the ordinary schedule.
   */
  quietPollSeconds?: number;
  /**
   * How outcome events to the order system are retried (README "Outcome events"); absent: the documented
   * schedule (`DEFAULT_NOTIFY_RETRY`). Tests shrink it; a payout keeps the schedule it started with.
   */
  notifyRetry?: NotifyRetrySettings;
}

/** Delays double from `initialIntervalSeconds` up to `maximumIntervalSeconds`, for `giveUpAfterSeconds`. */
export interface NotifyRetrySettings {
  initialIntervalSeconds: number;
  maximumIntervalSeconds: number;
  giveUpAfterSeconds: number;
}

/** 10 s, 20 s, 40 s … doubling to 1 h, then hourly, for 3 days (≈ 80 attempts) before an event is failed. */
export const DEFAULT_NOTIFY_RETRY: NotifyRetrySettings = {
  initialIntervalSeconds: 10,
  maximumIntervalSeconds: 3600,
  giveUpAfterSeconds: 3 * 24 * 3600,
};

/** 4 h: 10 000 payouts waiting for their payee cost 0.7 reads/s, and ~47 reads each over a 7-day link. */
export const DEFAULT_QUIET_POLL_SECONDS = 4 * 3600;

export const DEFAULT_PAYOUT_SETTINGS: PayoutSettings = {
  pollDelaysSeconds: [30, 60, 300, 1800, 3600],
  maxWaitSeconds: 14 * 24 * 3600,
  linkGraceSeconds: 3600,
  finalStates: DEFAULT_FINAL_STATE_SETS,
  quietPollSeconds: DEFAULT_QUIET_POLL_SECONDS,
};
