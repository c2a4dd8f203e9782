/**
 * PayoutWorkflow: one order's payout, from request to a final state (DESIGN.md §3).
 * create (exactly once) → wait: a loop that races a growing poll timer against webhook/redirect events and
 * confirms every change with Fintecture → the outcome, told to the order system.
 * Deterministic code only: no I/O, no clock but Temporal's, activities as types.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { finalEventType } from '../domain/order-events';
import { createProvedUnique, isWatchedWait } from '../domain/payout-decisions';
import type { CreatedPayout } from '../domain/payout-session';
import { cancelOnRequest, validateCancel } from './cancel-session';
import { createSession, createSessionBeforeDocumented } from './create-session';
import { onDeadline, sweep, waitOnSchedule, waitWatching } from './follow-session';
import {
  awaitCreatedUpdate,
  cancelUpdate,
  payoutEventSignal,
  statusQuery,
  type PayoutResult,
  type PayoutWorkflowInput,
} from './messages';
import { OrderNotifications } from './order-notifications';
import {
  BUDGETED_QUIET_WAITING_PATCH,
  FINTECTURE_AS_DOCUMENTED_PATCH,
  NOTIFY_ORDER_SYSTEM_PATCH,
  OUTCOME_AFTER_FINAL_SWEEP_PATCH,
  WAKE_ON_OUTCOME_PATCH,
  WATCH_ENDS_WITH_ITS_WAIT_PATCH,
} from './patches';
import { PayoutState } from './payout-state';
import { OUTCOME_REASONS } from '../domain/outcomes';

export {
  BUDGETED_QUIET_WAITING_PATCH,
  FINTECTURE_AS_DOCUMENTED_PATCH,
  NOTIFY_ORDER_SYSTEM_PATCH,
  OUTCOME_AFTER_FINAL_SWEEP_PATCH,
  WAKE_ON_OUTCOME_PATCH,
  WATCH_ENDS_WITH_ITS_WAIT_PATCH,
};

export async function PayoutWorkflow(input: PayoutWorkflowInput): Promise<PayoutResult> {
  // First, before any command: a new run records the markers, a recorded history without them keeps the old
  // path. The newest generation first: it implies every earlier patch, so a new run records one marker (and
  // the SDK's one TemporalChangeVersion upsert) instead of one per patch; older histories still ask for theirs.
  const outcomeAfterFinalSweep = patched(OUTCOME_AFTER_FINAL_SWEEP_PATCH);
  const watchEndsWithItsWait = outcomeAfterFinalSweep || patched(WATCH_ENDS_WITH_ITS_WAIT_PATCH);
  const budgeted = watchEndsWithItsWait || patched(BUDGETED_QUIET_WAITING_PATCH);
  const documented = budgeted || patched(FINTECTURE_AS_DOCUMENTED_PATCH);
  const notifying = budgeted || patched(NOTIFY_ORDER_SYSTEM_PATCH);
  const payout = new PayoutState(input, documented, budgeted, outcomeAfterFinalSweep);
  const notifications = new OrderNotifications(payout.view, input.order, input.settings);

  setHandler(statusQuery, () => payout.answer());
  setHandler(awaitCreatedUpdate, async (request) => {
    await condition(() => payout.view.phase !== 'creating');
    if (!input.startToken || !request?.startToken) return payout.answer();
    return { ...payout.answer(), startedByCaller: request.startToken === input.startToken };
  });
  setHandler(payoutEventSignal, (event) => payout.receive(event));
  setHandler(cancelUpdate, (request) => cancelOnRequest(payout, request), {
    validator: (request) => validateCancel(payout, request),
  });
  if (notifying) notifications.resumePending();

  // 1. Create the order's one session (or find the one an earlier attempt created).
  const onCreated = (session: CreatedPayout) => {
    payout.created(session);
    if (notifying) notifications.send('payout.created');
    payout.settleIfFinal();
  };
  if (payout.view.phase === 'creating') {
    if (documented) {
      const created = await createSession(payout, onCreated);
      if (!payout.outcome && !(budgeted && createProvedUnique(created))) await sweep(payout, 'created');
    } else await createSessionBeforeDocumented(payout, onCreated);
  }

  // 2. Wait for a final state: woken by an event or the poll timer, every change confirmed by a read.
  // Before WAKE_ON_OUTCOME_PATCH the loop slept until its poll timer after a cancel had finished the payout.
  // The budgeted generation implies it: new runs no longer record that marker (only older histories ask).
  const wakeOnOutcome = budgeted || patched(WAKE_ON_OUTCOME_PATCH);
  while (!payout.outcome) {
    if (budgeted && isWatchedWait(payout.clock, input.settings, payout.awaitingPayee())) {
      await waitWatching(payout, watchEndsWithItsWait);
    } else {
      // The watched wait is over (the payee acted): its watch would read on a schedule that no longer applies.
      if (watchEndsWithItsWait) payout.endWatch();
      await waitOnSchedule(payout, wakeOnOutcome);
    }
    if (!payout.outcome && payout.deadlinePassed()) await onDeadline(payout);
    if (!payout.outcome && workflowInfo().continueAsNewSuggested) {
      await condition(() => allHandlersFinished() && payout.idle);
      await continueAsNew<typeof PayoutWorkflow>({
        order: input.order,
        settings: input.settings,
        resume: payout.carried(),
      });
    }
  }

  // No read can change the outcome, and a watch still running would read until the workflow closes (the
  // order system's notifications may keep it open for hours).
  if (watchEndsWithItsWait) payout.endWatch();

  // 3. The outcome. Also after a cancel, an expiry or a rejection: a late create may have committed since
  // the first sweep.
  if (documented && payout.view.sessionId && payout.view.outcomeReason !== OUTCOME_REASONS.duplicatePayout) {
    await sweep(payout, 'finished');
  }
  payout.confirmOutcome();
  await condition(allHandlersFinished);
  payout.countFinished();
  if (notifying) {
    // The payout is finished (outcome, search attributes, metric): only the order system waits now.
    if (payout.view.sessionId) notifications.send('payout.created');
    notifications.send(finalEventType(payout.outcome ?? 'NEEDS_REVIEW'));
    await notifications.settled();
  }
  return { ...payout.view, outcome: payout.outcome ?? 'NEEDS_REVIEW', phase: 'finished' };
}
