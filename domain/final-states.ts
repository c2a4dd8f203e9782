import { type SessionStatus, type TransferState } from './session-states';

/**
 * Which statuses end a payout. Configuration, not code: with a Fintecture payment account only `received`
 * is a settled success, otherwise `completed`/`sent` are (fintecture-api.md §9).
 */
export interface FinalStateSets {
  sessionStatuses: readonly SessionStatus[];
  transferStates: readonly TransferState[];
}

export const DEFAULT_FINAL_STATE_SETS: FinalStateSets = {
  sessionStatuses: ['payment_cancelled', 'payment_unsuccessful', 'payment_expired'],
  transferStates: ['completed', 'sent', 'received', 'rejected', 'cancelled'],
};
