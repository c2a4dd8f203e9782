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
  sessionStatus: SessionStatus;
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
}

/** What `createPayout` hands back to the workflow. Never a token, never personal data. */
export interface CreatedPayout {
  sessionId: string;
  sessionStatus: SessionStatus;
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
}

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
