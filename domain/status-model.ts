import type { FinalStateSets } from './final-states';
import { reasonWith, type PayoutOutcome } from './outcomes';
import {
  UNEXPECTED_SESSION_STATUSES,
  UNEXPECTED_TRANSFER_STATES,
  type SessionStatus,
  type TransferState,
  type UnrecognisedStates,
} from './session-states';

/** Where a payout stands, as far as the workflow has confirmed it with Fintecture. */
export interface PayoutProgress {
  sessionStatus: SessionStatus | null;
  transferState: TransferState | null;
  transferReason: string | null;
}

export type { PayoutOutcome };

const FINAL_RANK = 9;

// Lateral moves inside one rank are allowed (e.g. `blocked → processing` when an AML review clears):
// only a move to a lower rank is a regression.
const SESSION_RANK: Record<SessionStatus, number> = {
  iban_required: 0,
  iban_received: 1,
  session_initiated: 2,
  payment_pending: 3,
  payment_waiting: 3,
  payment_unknown: 3,
  payment_error: 3,
  payment_partial: 3,
  provider_required: 3,
  sca_required: 3,
  // "final or intermediate (shop setting)": when not configured final, they are still in progress.
  payment_unsuccessful: 3,
  payment_expired: 3,
  payment_created: 4,
  payment_cancelled: 5,
};

const TRANSFER_RANK: Record<TransferState, number> = {
  initiated: 1,
  processing: 2,
  pending: 2,
  authorized: 2,
  accepted: 2,
  'multi-signature': 2,
  blocked: 2,
  insufficient: 2,
  // Not final when unsuccessful retries are enabled: the transfer may be processed again.
  rejected: 2,
  completed: 3,
  sent: 3,
  // With a Fintecture payment account `completed`/`sent` are intermediate and `received` settles.
  received: 4,
  cancelled: 5,
};

function sessionRank(status: SessionStatus, finals: FinalStateSets): number {
  return finals.sessionStatuses.includes(status) ? FINAL_RANK : SESSION_RANK[status];
}

function transferRank(state: TransferState, finals: FinalStateSets): number {
  return finals.transferStates.includes(state) ? FINAL_RANK : TRANSFER_RANK[state];
}

export function isFinal(progress: PayoutProgress, finals: FinalStateSets): boolean {
  return outcomeOf(progress, finals) !== null;
}

/**
 * Applies what Fintecture reported, monotonically: a state only moves forward (or sideways within its
 * rank), and a final state is sticky, so late, repeated or out-of-order observations cannot undo it.
 */
export function advance(
  current: PayoutProgress,
  observed: PayoutProgress,
  finals: FinalStateSets,
): { next: PayoutProgress; changed: boolean } {
  if (isFinal(current, finals)) return { next: current, changed: false };
  let { sessionStatus, transferState, transferReason } = current;
  if (
    observed.sessionStatus &&
    (!sessionStatus || sessionRank(observed.sessionStatus, finals) >= sessionRank(sessionStatus, finals))
  ) {
    sessionStatus = observed.sessionStatus;
  }
  if (
    observed.transferState &&
    (!transferState || transferRank(observed.transferState, finals) >= transferRank(transferState, finals))
  ) {
    transferState = observed.transferState;
    transferReason = observed.transferReason;
  }
  const next = { sessionStatus, transferState, transferReason };
  const changed =
    next.sessionStatus !== current.sessionStatus ||
    next.transferState !== current.transferState ||
    next.transferReason !== current.transferReason;
  return { next: changed ? next : current, changed };
}

/** The outcome a final state means, or null while the payout is still in progress. */
export function outcomeOf(
  progress: PayoutProgress,
  finals: FinalStateSets,
): Exclude<PayoutOutcome, 'NEEDS_REVIEW'> | null {
  const { sessionStatus, transferState } = progress;
  if (transferState && finals.transferStates.includes(transferState)) {
    if (transferState === 'rejected') return 'REJECTED';
    if (transferState === 'cancelled') return 'CANCELLED';
    if (transferState === 'completed' || transferState === 'sent' || transferState === 'received')
      return 'SETTLED';
  }
  if (sessionStatus && finals.sessionStatuses.includes(sessionStatus)) {
    if (sessionStatus === 'payment_cancelled') return 'CANCELLED';
    if (sessionStatus === 'payment_expired') return 'EXPIRED';
    if (sessionStatus === 'payment_unsuccessful') return 'REJECTED';
  }
  return null;
}

/** Money has not left yet: Fintecture still accepts a cancellation (fintecture-api.md §6). */
export function isCancellable(progress: PayoutProgress): boolean {
  return (
    progress.transferState === null &&
    (progress.sessionStatus === null ||
      progress.sessionStatus === 'iban_required' ||
      progress.sessionStatus === 'iban_received' ||
      progress.sessionStatus === 'session_initiated')
  );
}

/**
 * Why a payout that still shows an unranked state at its deadline needs a person: `unexpected_state:` for a
 * documented value a payout should never be in (`order_created`, `overpaid`), `unrecognised_state:` for
 * one Fintecture added since. Names the values, e.g. `unrecognised_state:payout_scheduled/returned`.
 */
export function unrankedStateReason(unrecognised: UnrecognisedStates): string {
  const values = [unrecognised.sessionStatus, unrecognised.transferState].filter(
    (value): value is string => value !== null,
  );
  const unexpected = values.every(
    (value) =>
      (UNEXPECTED_SESSION_STATUSES as readonly string[]).includes(value) ||
      (UNEXPECTED_TRANSFER_STATES as readonly string[]).includes(value),
  );
  return reasonWith(unexpected ? 'unexpectedState' : 'unrecognisedState', values.join('/'));
}
