import {
  type PayoutScenario,
  type SessionStatus,
  type TransferState,
  type UnrecognisedStates,
} from './session-states';

/**
 * What a read, a create or a cancel at Fintecture returns, in our own terms. Produced by the activities from
 * Fintecture's responses; consumed by the workflow. Never a token, never personal data.
 */

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
