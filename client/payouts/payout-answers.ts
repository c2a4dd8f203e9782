import { type PayoutStatusView } from '../../workflows/messages';

/**
 * The JSON the order API answers (DESIGN.md §4), built from the workflow's status view. Only IDs, states
 * and the payee's connect URL: the view holds no personal data and neither do these.
 */

export function startAnswer(view: PayoutStatusView) {
  return {
    orderId: view.orderId,
    workflowId: view.workflowId,
    scenario: view.scenario,
    sessionId: view.sessionId,
    sessionStatus: view.sessionStatus,
    connectUrl: view.connectUrl,
  };
}

export function statusAnswer(view: PayoutStatusView) {
  return {
    orderId: view.orderId,
    workflowId: view.workflowId,
    scenario: view.scenario,
    phase: view.phase,
    sessionId: view.sessionId,
    sessionStatus: view.sessionStatus,
    transferState: view.transferState,
    transferReason: view.transferReason,
    connectUrl: view.connectUrl,
    outcome: view.outcome,
    outcomeReason: view.outcomeReason,
    endToEndId: view.endToEndId,
    executionDate: view.executionDate,
    polls: view.polls,
    nextPollAt: view.nextPollAt,
    // A quiet wait's watch (its unchanged reads are in no history): reads so far, the last, the next.
    watch: view.watch ?? null,
    // A status or transfer state the status model cannot rank, verbatim (never moves the payout).
    unrecognised: view.unrecognised ?? null,
    // create_ambiguous: every candidate; duplicate_payout: the duplicates (ours is `sessionId`).
    otherSessionIds: view.otherSessionIds ?? [],
    cancelledDuplicateSessionIds: view.cancelledDuplicateSessionIds ?? [],
    // Outcome events to the order system and how their delivery went (`failed`: re-send with `payouts notify`).
    notifications: (view.notifications ?? []).map((entry) => ({
      id: entry.id,
      type: entry.type,
      status: entry.status,
      ...(entry.attempts !== undefined ? { attempts: entry.attempts } : {}),
      ...(entry.lastError ? { lastError: entry.lastError } : {}),
    })),
    timeline: view.timeline.map((entry) => ({
      at: entry.at,
      source: entry.source,
      sessionStatus: entry.sessionStatus,
      transferState: entry.transferState,
      ...(entry.transferReason ? { transferReason: entry.transferReason } : {}),
    })),
  };
}

/** What each field named in a 409 `order_conflict` says (the same for all: values are never echoed). */
export const ORDER_CONFLICT_MESSAGE = 'differs from the request that started this payout';

/** The 409 answer to a request that differs from the one that started the order's payout. */
export function orderConflictAnswer(fields: readonly string[]) {
  return {
    error: 'order_conflict' as const,
    fields: fields.map((path) => ({ path, message: ORDER_CONFLICT_MESSAGE })),
  };
}
