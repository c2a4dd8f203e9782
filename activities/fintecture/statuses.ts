import {
  isSessionStatus,
  isTransferState,
  type SessionStatus,
  type TransferState,
  type UnrecognisedStates,
} from '../../domain/session-states';
import { SEARCH_VALUE_PATTERN } from '../../domain/identifiers';

/** A status as read, split into what the status model ranks and what it must only show. */
export interface ClassifiedStates {
  sessionStatus: SessionStatus | null;
  transferState: TransferState | null;
  unrecognised: UnrecognisedStates | null;
}

// Kept verbatim for operators, but bounded: it enters workflow history, logs, metric labels and queries.
function showable(value: string): string {
  return SEARCH_VALUE_PATTERN.test(value) ? value : '(unreadable)';
}

/**
 * Classifies what Fintecture reported. A value the model does not rank — new, or documented but not a
 * payout's (`order_created`, `overpaid`) — is set aside in `unrecognised` and moves nothing.
 */
export function classifyStates(
  sessionStatus: string | null | undefined,
  transferState: string | null | undefined,
): ClassifiedStates {
  const session = sessionStatus ?? null;
  const transfer = transferState ?? null;
  const knownSession = session !== null && isSessionStatus(session) ? session : null;
  const knownTransfer = transfer !== null && isTransferState(transfer) ? transfer : null;
  const otherSession = session !== null && knownSession === null ? showable(session) : null;
  const otherTransfer = transfer !== null && knownTransfer === null ? showable(transfer) : null;
  return {
    sessionStatus: knownSession,
    transferState: knownTransfer,
    unrecognised:
      otherSession || otherTransfer ? { sessionStatus: otherSession, transferState: otherTransfer } : null,
  };
}
