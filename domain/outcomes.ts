/**
 * How a payout ends, and why: the outcomes the order system and operators see, and the reasons a payout
 * is parked for review. One vocabulary for the workflow, the ingress, the CLI and the docs.
 */

export const PAYOUT_OUTCOMES = ['SETTLED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'NEEDS_REVIEW'] as const;
export type PayoutOutcome = (typeof PAYOUT_OUTCOMES)[number];
