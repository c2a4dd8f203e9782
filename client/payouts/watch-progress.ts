import { optionalTsToDate } from '@temporalio/common/lib/time';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { WATCH_SESSION_ACTIVITY } from '../../domain/activity-facts';
import type { PayoutStatusView, WatchProgress } from '../../workflows/messages';

/**
 * A quiet wait's reads happen inside one `watchSession` activity whose retries are the reads, and an
 * unchanged read adds nothing to the history: the workflow's view cannot know them. The server does — the
 * pending activity's attempt and its next attempt's time — and `getPayout` describes the workflow anyway.
 */

/** The running watch's reads so far and the next one, from the execution's description; null when none. */
export function watchProgressOf(description: WorkflowExecutionDescription): WatchProgress | null {
  if (description.status.name !== 'RUNNING') return null;
  const watch = description.raw.pendingActivities?.find(
    (activity) => activity.activityType?.name === WATCH_SESSION_ACTIVITY,
  );
  if (!watch) return null;
  // Attempt 1 reads nothing (the workflow has just looked); every later attempt is one read. While attempt
  // N is pending or under way, attempts 2 … N−1 have read.
  const reads = Math.max(0, (watch.attempt ?? 1) - 2);
  const iso = (ts: Parameters<typeof optionalTsToDate>[0]) => optionalTsToDate(ts)?.toISOString() ?? null;
  return {
    reads,
    lastReadAt: reads > 0 ? iso(watch.lastAttemptCompleteTime) : null,
    // Null while a read is queued (the read budget) or under way.
    nextReadAt: iso(watch.nextAttemptScheduleTime),
  };
}

/** The view with its watch: `nextPollAt` is the watch's next read when the workflow has no timer of its own. */
export function withWatch(view: PayoutStatusView, watch: WatchProgress | null): PayoutStatusView {
  if (!watch || view.outcome) return { ...view, watch: null };
  return { ...view, watch, nextPollAt: view.nextPollAt ?? watch.nextReadAt };
}
