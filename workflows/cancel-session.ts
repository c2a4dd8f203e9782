/**
 * The `cancel` update: cancels the session at Fintecture before money leaves. The validator refuses early
 * (nothing recorded); the handler re-checks once it has the session to itself.
 */
import { log } from '@temporalio/workflow';
import { cancelRefusal } from '../domain/payout-decisions';
import { isCancellable } from '../domain/status-model';
import { failureType } from './activity-failures';
import type { CancelRequest, CancelResult } from './messages';
import type { PayoutState } from './payout-state';
import { reasonWith } from '../domain/outcomes';

export function validateCancel(payout: PayoutState, request: CancelRequest): void {
  if (!request || typeof request.requestedBy !== 'string' || !request.requestedBy.trim()) {
    throw new Error('requestedBy is required');
  }
  if (payout.view.phase === 'creating')
    throw new Error('The payout is still being created: try again in a moment');
  if (payout.outcome || !isCancellable(payout.progress())) throw new Error(refusal(payout));
}

export async function cancelOnRequest(payout: PayoutState, request: CancelRequest): Promise<CancelResult> {
  return payout.exclusive(async () => {
    const { view } = payout;
    // The state may have moved while this update waited for its turn.
    if (view.outcome || !isCancellable(payout.progress()) || !view.sessionId) {
      return { cancelled: false, message: refusal(payout), status: payout.answer() };
    }
    const sessionId = view.sessionId;
    log.info('payout cancel requested', {
      orderId: view.orderId,
      sessionId,
      requestedBy: request.requestedBy,
    });
    if (payout.documented) return cancelGuarded(payout, sessionId);
    const { cancelPayout, fetchPayout } = payout.fintecture;
    const outcome = await cancelPayout(sessionId);
    payout.apply(await fetchPayout(sessionId), 'operator');
    return cancelAnswer(outcome.cancelled, payout);
  });
}

/** Why a cancel is refused, without naming an outcome that is not final yet. */
function refusal(payout: PayoutState): string {
  return cancelRefusal({ ...payout.view, outcomeHeld: payout.outcomeHeld });
}

/**
 * The cancel with every failure answered: a cancel whose fate is unknown parks the payout for review; one
 * Fintecture accepted whose confirming read failed is reported as accepted, pending confirmation (the next
 * poll confirms it).
 */
async function cancelGuarded(payout: PayoutState, sessionId: string): Promise<CancelResult> {
  const { cancelPayout, fetchPayout } = payout.fintecture;
  let outcome;
  try {
    outcome = await cancelPayout(sessionId);
  } catch (error) {
    payout.finish('NEEDS_REVIEW', reasonWith('cancelFailed', failureType(error)));
    return {
      cancelled: false,
      message: 'The cancel could not be confirmed with Fintecture: the payout was parked for review',
      status: payout.answer(),
    };
  }
  try {
    payout.apply(await fetchPayout(sessionId), 'operator');
  } catch {
    payout.pollSoon();
    if (outcome.cancelled) {
      return {
        cancelled: true,
        message: 'Fintecture accepted the cancel; its confirmation is pending',
        status: payout.answer(),
      };
    }
  }
  return cancelAnswer(outcome.cancelled, payout);
}

/** Fintecture's answer to the cancel, as the update reports it. */
function cancelAnswer(cancelled: boolean, payout: PayoutState): CancelResult {
  if (!cancelled) {
    return {
      cancelled: false,
      message: `Fintecture refused to cancel: ${refusal(payout)}`,
      status: payout.answer(),
    };
  }
  return { cancelled: true, message: 'The payout was cancelled', status: payout.answer() };
}
