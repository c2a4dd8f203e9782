/**
 * The vocabulary of a Fintecture payout session: the statuses and transfer states Fintecture documents,
 * and the scenario a payout follows. Pure constants and types.
 */

/** Session statuses (`meta.status`), fintecture-api.md §9. */
export const SESSION_STATUSES = [
  'iban_required',
  'iban_received',
  'session_initiated',
  'payment_pending',
  'payment_waiting',
  'payment_unknown',
  'payment_error',
  'payment_partial',
  'provider_required',
  'sca_required',
  'payment_created',
  'payment_cancelled',
  'payment_unsuccessful',
  'payment_expired',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Transfer states (`data.attributes.transfer_state`), fintecture-api.md §9. */
export const TRANSFER_STATES = [
  'initiated',
  'processing',
  'pending',
  'authorized',
  'accepted',
  'multi-signature',
  'blocked',
  'insufficient',
  'completed',
  'sent',
  'received',
  'rejected',
  'cancelled',
] as const;
export type TransferState = (typeof TRANSFER_STATES)[number];

/**
 * Documented by Fintecture but not expected for a payout (`order_created` belongs to pay-in orders,
 * `overpaid` to a pay-in received over its amount). Like an unknown value they never move a payout.
 */
export const UNEXPECTED_SESSION_STATUSES = ['order_created'] as const;
export const UNEXPECTED_TRANSFER_STATES = ['overpaid'] as const;

export function isSessionStatus(value: string): value is SessionStatus {
  return (SESSION_STATUSES as readonly string[]).includes(value);
}

export function isTransferState(value: string): value is TransferState {
  return (TRANSFER_STATES as readonly string[]).includes(value);
}

/**
 * What a read showed that the status model cannot rank: a status Fintecture added after this code was
 * written, or a documented one that a payout should never be in. Kept verbatim for operators; it never
 * moves a payout (fintecture-api.md §9: status lists grow).
 */
export interface UnrecognisedStates {
  sessionStatus: string | null;
  transferState: string | null;
}

/** Scenario 1: the payee enters their bank details on Fintecture's page. Scenario 2: verified beneficiary. */
export type PayoutScenario = 1 | 2;
