/**
 * How a payout ends, and why: the outcomes the order system and operators see, and the reasons a payout
 * is parked for review. One vocabulary for the workflow, the ingress, the CLI and the docs.
 */

export const PAYOUT_OUTCOMES = ['SETTLED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'NEEDS_REVIEW'] as const;
export type PayoutOutcome = (typeof PAYOUT_OUTCOMES)[number];

/**
 * Why a payout ended the way it did, when not simply a final state Fintecture reported (then the reason is
 * Fintecture's own: the transfer reason, state or session status). Each is explained for operators in
 * docs/operator-guide.md; the `…:<detail>` ones name a failure type, a state or a workflow status.
 */
export const OUTCOME_REASONS = {
  /** EXPIRED: the payee never used the link; we cancelled it at the deadline. */
  linkExpired: 'link_expired',
  createAmbiguous: 'create_ambiguous',
  createMismatch: 'create_mismatch',
  createSearchIncomplete: 'create_unconfirmed:search_incomplete',
  duplicatePayout: 'duplicate_payout',
  duplicateSweepIncomplete: 'duplicate_sweep_incomplete',
  sessionNotFound: 'session_not_found',
  linkDeadlineUnresolved: 'link_deadline_unresolved',
  pollScheduleExhausted: 'poll_schedule_exhausted',
} as const;

/** The reasons that carry a detail, by their prefix. */
export const OUTCOME_REASON_PREFIXES = {
  /** A create that may have been applied and could not be confirmed. */
  createUnconfirmed: 'create_unconfirmed',
  /** A create that failed without being applied. */
  createFailed: 'create_failed',
  duplicateSweepFailed: 'duplicate_sweep_failed',
  linkDeadlineCancelFailed: 'link_deadline_cancel_failed',
  cancelFailed: 'cancel_failed',
  unrecognisedState: 'unrecognised_state',
  unexpectedState: 'unexpected_state',
} as const;

/** `<prefix>:<detail>`, e.g. `cancel_failed:Timeout:START_TO_CLOSE`. */
export function reasonWith(prefix: keyof typeof OUTCOME_REASON_PREFIXES, detail: string): string {
  return `${OUTCOME_REASON_PREFIXES[prefix]}:${detail}`;
}

/** A payout whose workflow closed without an outcome (`workflow_failed`, `workflow_terminated`, …). */
export function closedWorkflowReason(status: string): string {
  return `workflow_${status.toLowerCase()}`;
}
