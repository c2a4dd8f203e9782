/**
 * Following the session to a final state: a look at Fintecture (the only thing that moves a payout), what
 * happens at the deadline, and the duplicate sweep. Each step answers every failure: a payout never ends
 * nowhere.
 */
import { ActivityFailure, condition, isCancellation, log, metricMeter } from '@temporalio/workflow';
import { watchReadDelaysSeconds } from '../domain/payout-decisions';
import type { PayoutSnapshot } from '../domain/payout-session';
import { unrankedStateReason } from '../domain/status-model';
import { failureType } from './activity-failures';
import type { TimelineSource } from './messages';
import type { CancelledBecause, PayoutState } from './payout-state';
import { SessionWatch } from './session-watch';
import { OUTCOME_REASONS, reasonWith } from '../domain/outcomes';

const EXPIRED: CancelledBecause = { outcome: 'EXPIRED', reason: OUTCOME_REASONS.linkExpired };

/**
 * Reads the session and applies what moved; progress resets the poll schedule (look again soon). Answers
 * whether the payout moved.
 */
export async function look(payout: PayoutState, source: TimelineSource): Promise<boolean> {
  return payout.exclusive(async () => {
    const { view, clock } = payout;
    if (view.outcome || !view.sessionId) return false;
    view.polls += 1;
    let snapshot: PayoutSnapshot;
    try {
      snapshot = await payout.fintecture.fetchPayout(view.sessionId);
    } catch (error) {
      if (!payout.documented && !(error instanceof ActivityFailure)) throw error;
      const type = failureType(error);
      if (type === 'FintectureNotFound') payout.finish('NEEDS_REVIEW', OUTCOME_REASONS.sessionNotFound);
      else
        log.warn('payout fetch failed; waiting for the next poll', { orderId: view.orderId, failure: type });
      clock.pollIndex += 1;
      return false;
    }
    const moved = payout.apply(snapshot, source);
    clock.pollIndex = moved ? 0 : clock.pollIndex + 1;
    return moved;
  });
}

/**
 * A watched wait (BUDGETED_QUIET_WAITING_PATCH, `isWatchedWait`): scenario 1 before the payee acts, where
 * webhooks and the redirect are the primary channel, or a transfer that stopped moving. The payout's watch
 * (`SessionWatch`, started if none runs) reads on the schedule, and its unchanged reads add no history. The
 * wait ends when the watch returns a read that shows something new, on an event (looked at beside the
 * running watch), an outcome (a cancel), a reset schedule, or the deadline.
 * `watchEndsWithItsWait` (WATCH_ENDS_WITH_ITS_WAIT_PATCH): a look that moved the payout ends the watch, whose
 * known state and schedule no longer apply (the loop ends it too when the watched wait is over).
 */
export async function waitWatching(payout: PayoutState, watchEndsWithItsWait = false): Promise<void> {
  const { view, clock, settings } = payout;
  const sessionId = view.sessionId;
  if (!sessionId || view.outcome) return;
  payout.rescheduled = false;
  const watch = (payout.watch ??= new SessionWatch(payout.fintecture, {
    sessionId,
    known: { ...payout.progress(), unrecognised: view.unrecognised ?? null },
    delaysSeconds: watchReadDelaysSeconds(clock, settings, payout.awaitingPayee()),
  }));
  await condition(
    () => watch.done || payout.pending.length > 0 || payout.outcome !== null || payout.rescheduled,
    payout.untilDeadlineMs(),
  );
  if (payout.rescheduled) {
    // A cancel's confirming read failed: read again soon, on a fresh schedule.
    payout.endWatch();
  }
  if (watch.done) {
    payout.watch = null;
    const { read, failure } = watch;
    if (read) {
      view.polls += 1;
      await payout.exclusive(async () => {
        if (!payout.outcome) clock.pollIndex = payout.apply(read, 'poll') ? 0 : clock.pollIndex;
      });
    } else if (failure && !isCancellation(failure) && !payout.outcome) {
      const type = failureType(failure);
      if (type === 'FintectureNotFound')
        return payout.finish('NEEDS_REVIEW', OUTCOME_REASONS.sessionNotFound);
      // Never a tight loop of failing watches: this turn waits on the ordinary schedule instead.
      log.warn('watched wait failed; polling on the schedule', { orderId: view.orderId, failure: type });
      return waitOnSchedule(payout, true);
    }
  }
  const events = payout.takeEvents();
  if (events.length === 0) return;
  const moved = await look(payout, events.at(-1)?.source ?? 'poll');
  if (moved && watchEndsWithItsWait) payout.endWatch();
}

/** One turn of the ordinary wait: sleep until the next poll (or an event, or an outcome), then look. */
export async function waitOnSchedule(payout: PayoutState, wakeOnOutcome: boolean): Promise<void> {
  const delay = payout.scheduleNextPoll();
  await condition(() => payout.pending.length > 0 || (wakeOnOutcome && payout.outcome !== null), delay);
  const events = payout.takeEvents();
  await look(payout, events.at(-1)?.source ?? 'poll');
}

/** At the deadline: an unused link is cancelled (so no money can leave unwatched); otherwise review. */
export async function onDeadline(payout: PayoutState): Promise<void> {
  if (payout.documented) return onDeadlineGuarded(payout);
  const { view, clock } = payout;
  const { cancelPayout, fetchPayout } = payout.fintecture;
  if (clock.linkDeadline && view.sessionStatus === 'iban_required' && view.sessionId) {
    const sessionId = view.sessionId;
    const cancelled = await payout.exclusive(async () => {
      const outcome = await cancelPayout(sessionId);
      payout.apply(await fetchPayout(sessionId), 'poll', outcome.cancelled ? EXPIRED : undefined);
      return outcome.cancelled;
    });
    if (view.outcome) return;
    if (cancelled) return payout.finish(EXPIRED.outcome, EXPIRED.reason);
    // The payee acted at the last moment: apply() cleared the link deadline; follow the transfer.
    if (!clock.linkDeadline) return;
    // Refused, yet still waiting for the payee: Fintecture contradicts itself. Do not spin on it.
    return payout.finish('NEEDS_REVIEW', OUTCOME_REASONS.linkDeadlineUnresolved);
  }
  payout.finish('NEEDS_REVIEW', OUTCOME_REASONS.pollScheduleExhausted);
}

/** onDeadline, where a state we cannot rank is named and no activity failure fails the workflow. */
async function onDeadlineGuarded(payout: PayoutState): Promise<void> {
  const { view, clock } = payout;
  const { cancelPayout, fetchPayout } = payout.fintecture;
  if (view.unrecognised) return payout.finish('NEEDS_REVIEW', unrankedStateReason(view.unrecognised));
  const sessionId = view.sessionId;
  if (!clock.linkDeadline || !payout.awaitingPayee() || !sessionId) {
    return payout.finish('NEEDS_REVIEW', OUTCOME_REASONS.pollScheduleExhausted);
  }
  let cancelled: boolean;
  try {
    cancelled = (await payout.exclusive(() => cancelPayout(sessionId))).cancelled;
  } catch (error) {
    return payout.finish('NEEDS_REVIEW', reasonWith('linkDeadlineCancelFailed', failureType(error)));
  }
  try {
    await payout.exclusive(async () =>
      payout.apply(await fetchPayout(sessionId), 'poll', cancelled ? EXPIRED : undefined),
    );
  } catch {
    // Fintecture accepted the cancel: the link is dead whatever the read would have said.
    if (cancelled) return payout.finish(EXPIRED.outcome, EXPIRED.reason);
    return payout.finish('NEEDS_REVIEW', OUTCOME_REASONS.linkDeadlineUnresolved);
  }
  if (view.outcome) return;
  if (cancelled) return payout.finish(EXPIRED.outcome, EXPIRED.reason);
  // The payee acted at the last moment: apply() cleared the link deadline; follow the transfer.
  if (!clock.linkDeadline) return;
  return payout.finish('NEEDS_REVIEW', OUTCOME_REASONS.linkDeadlineUnresolved);
}

/**
 * Looks for another session with the order's reference (a create that committed late). Cancelled when it
 * still can be; otherwise the payout needs a person. An incomplete sweep only counts at the end.
 */
export async function sweep(payout: PayoutState, stage: 'created' | 'finished'): Promise<void> {
  const { view, order } = payout;
  const sessionId = view.sessionId;
  if (!sessionId) return;
  let result;
  try {
    result = await payout.fintecture.sweepDuplicates({ order, sessionId });
  } catch (error) {
    return payout.finish('NEEDS_REVIEW', reasonWith('duplicateSweepFailed', failureType(error)));
  }
  const duplicates = metricMeter.createCounter(
    'payout_duplicates',
    '1',
    'Duplicate Fintecture sessions found for an order, by what was done',
  );
  switch (result.outcome) {
    case 'clean':
      return;
    case 'incomplete':
      if (stage === 'finished') payout.finish('NEEDS_REVIEW', OUTCOME_REASONS.duplicateSweepIncomplete);
      return;
    case 'cancelled':
      view.cancelledDuplicateSessionIds = [
        ...new Set([...(view.cancelledDuplicateSessionIds ?? []), ...result.cancelledSessionIds]),
      ];
      duplicates.add(result.cancelledSessionIds.length, { action: 'cancelled' });
      log.warn('duplicate payout cancelled', { orderId: view.orderId, sessionId, stage });
      return;
    case 'duplicate':
      view.otherSessionIds = result.sessionIds;
      duplicates.add(result.sessionIds.length, { action: 'review' });
      return payout.finish('NEEDS_REVIEW', OUTCOME_REASONS.duplicatePayout);
  }
}
