import { type SessionStatus, type TransferState } from '../../../domain/session-states';
import { type PayoutOutcome, type PayoutPhase } from '../../../workflows/messages';

/**
 * Where a payout stands, as the payee's return page tells it. Pure: from the workflow's status view and
 * the redirect's own `status` (a hint only) to one of these keys; the words are in return-texts.ts.
 */
export const RETURN_PAGE_STATES = [
  'awaiting_details',
  'confirming',
  'preparing',
  'on_the_way',
  'sent',
  'refused',
  'expired',
  'cancelled',
  'review',
] as const;
export type ReturnPageState = (typeof RETURN_PAGE_STATES)[number];

/** The states after which nothing changes any more: the page stops following the payout. */
export const FINAL_RETURN_PAGE_STATES: readonly ReturnPageState[] = [
  'sent',
  'refused',
  'expired',
  'cancelled',
  'review',
];

/** Redirect statuses that say the payee has just submitted bank details (or gone further). */
const PAYEE_ACTED_HINTS: readonly string[] = [
  'iban_received',
  'session_initiated',
  'provider_required',
  'sca_required',
  'payment_pending',
  'payment_waiting',
  'payment_unknown',
  'payment_created',
];

/** Transfer states under which the banks are moving the money (not yet confirmed as arrived). */
const MOVING_TRANSFER_STATES: readonly TransferState[] = [
  'processing',
  'pending',
  'authorized',
  'accepted',
  'sent',
  'received',
  'completed',
];

export interface ReturnStateInput {
  phase: PayoutPhase;
  sessionStatus: SessionStatus | null;
  transferState: TransferState | null;
  outcome: PayoutOutcome | null;
}

/**
 * The page's state. Only the workflow's outcome says money was sent; the hint can only turn "waiting for
 * your bank details" into "received, confirming…" — it never moves the page further than that.
 */
export function returnPageState(view: ReturnStateInput, hint?: string | null): ReturnPageState {
  switch (view.outcome) {
    case 'SETTLED':
      return 'sent';
    case 'REJECTED':
      return 'refused';
    case 'EXPIRED':
      return 'expired';
    case 'CANCELLED':
      return 'cancelled';
    case 'NEEDS_REVIEW':
      return 'review';
    case null:
      break;
  }
  if (view.transferState) {
    return MOVING_TRANSFER_STATES.includes(view.transferState) ? 'on_the_way' : 'preparing';
  }
  if (view.sessionStatus === 'payment_created') return 'preparing';
  if (view.phase === 'creating' || view.sessionStatus === null || view.sessionStatus === 'iban_required') {
    return hint && PAYEE_ACTED_HINTS.includes(hint) ? 'confirming' : 'awaiting_details';
  }
  // Details received, or a status the workflow has not concluded on yet: neutral until it does.
  return 'confirming';
}

export function isFinalReturnPageState(state: ReturnPageState): boolean {
  return FINAL_RETURN_PAGE_STATES.includes(state);
}
