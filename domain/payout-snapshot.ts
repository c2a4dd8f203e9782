/**
 * What we know about one Fintecture payout session, in our own terms. Produced by the activities from
 * Fintecture's responses; consumed by the workflow. Pure types and constants only.
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

/** Statuses in which Fintecture still accepts a cancellation (before money leaves), §6. */
export const CANCELLABLE_SESSION_STATUSES: readonly SessionStatus[] = [
  'iban_required',
  'iban_received',
  'session_initiated',
];

/** Scenario 1: the payee enters their bank details on Fintecture's page. Scenario 2: verified beneficiary. */
export type PayoutScenario = 1 | 2;

export interface PayoutSnapshot {
  sessionId: string;
  /** Null when the read showed no status, or one the status model cannot rank (see `unrecognised`). */
  sessionStatus: SessionStatus | null;
  transferState: TransferState | null;
  /** Why a transfer was rejected or cancelled (`insufficient_funds`, `api_cancellation`, …). */
  transferReason: string | null;
  /** Decimal string as Fintecture sent it (`"273"`, `"26.99"`). */
  amount: string | null;
  currency: string | null;
  communication: string | null;
  endToEndId: string | null;
  /** `YYYY-MM-DD`. */
  executionDate: string | null;
  /** `SEPA`, `INSTANT_SEPA`, … (Fintecture names it `scheme` or `payment_scheme`). */
  scheme: string | null;
  /**
   * Values the read showed that are not ranked payout states (then `sessionStatus`/`transferState` are
   * null for them). Absent in results recorded before statuses were read tolerantly.
   */
  unrecognised?: UnrecognisedStates | null;
}

/** What `createPayout` hands back to the workflow. Never a token, never personal data. */
export interface CreatedPayout {
  sessionId: string;
  /** Null when Fintecture's answer has none (the guide's scenario-1 answer) and the read that follows failed. */
  sessionStatus: SessionStatus | null;
  scenario: PayoutScenario;
  /** Scenario 1: where the payee enters their bank details. `null` when unknown (e.g. an adopted session). */
  connectUrl: string | null;
  /** Scenario 2 usually starts at `initiated`; scenario 1 has none until the payee acts. */
  transferState: TransferState | null;
  /** The `state` we sent (`payout-<orderId>`). */
  state: string;
  endToEndId: string;
  /** True when a session created by an earlier attempt was found and reused instead of creating one. */
  adopted: boolean;
  unrecognised?: UnrecognisedStates | null;
}

/**
 * What `createPayoutSession` established, as facts for the workflow to decide on. `created`/`adopted`: the
 * order's one session. `ambiguous`: several sessions carry the order's reference; `mismatch`: the one found
 * has another amount or currency; `search_incomplete`: the whole list could not be read within the
 * configured bound, so absence is not proven. None of the last three ever sends a create.
 */
export type CreateSessionResult =
  | { kind: 'created' | 'adopted'; session: CreatedPayout }
  | { kind: 'ambiguous'; sessionIds: string[] }
  | { kind: 'mismatch'; sessionId: string }
  | { kind: 'search_incomplete'; pagesRead: number };

/** Whether a session named by an event (webhook, redirect) is this order's payout, read from Fintecture. */
export type SessionIdentification = { ours: true; session: CreatedPayout } | { ours: false };

/**
 * The duplicate sweep: other sessions carrying the order's reference. `cancelled`: each could still be
 * cancelled and was; `duplicate`: at least one could not (money may move twice: a person must look).
 */
export type DuplicateSweepResult =
  | { outcome: 'clean' }
  | { outcome: 'cancelled'; cancelledSessionIds: string[] }
  | { outcome: 'duplicate'; sessionIds: string[] }
  | { outcome: 'incomplete'; pagesRead: number };

export type CancelOutcome =
  | { cancelled: true; sessionStatus: SessionStatus }
  | {
      cancelled: false;
      /** `not_cancellable`: money is already on its way (or the session is final); nothing changed. */
      reason: 'not_cancellable';
      sessionStatus: SessionStatus | null;
      /** Fintecture's error codes, e.g. `invalid_field`, for the operator. */
      fintectureCodes: string[];
    };
