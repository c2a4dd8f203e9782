/**
 * The payout search attributes, in one place: their typed keys, how they are registered on the server, the
 * labels their values use (both ways) and how a payout's state maps to `PayoutStatus`. Operators filter
 * payouts in the Web UI with them (`PayoutStatus = "NEEDS_REVIEW"`). Values are IDs and states only, never
 * personal data.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { PayoutOutcome } from './outcomes';
import type { PayoutScenario as Scenario } from './session-states';

/**
 * The registration (`temporal operator search-attribute create`, compose, the dev-server launcher). All
 * Keyword: SQL visibility allows only a few Text attributes, and these are exact-match identifiers anyway.
 */
export const PAYOUT_SEARCH_ATTRIBUTES = {
  PayoutOrderId: 'Keyword',
  PayoutSessionId: 'Keyword',
  PayoutStatus: 'Keyword',
  PayoutTransferState: 'Keyword',
  PayoutScenario: 'Keyword',
} as const;

export type PayoutSearchAttributeName = keyof typeof PAYOUT_SEARCH_ATTRIBUTES;

export const PayoutOrderId = defineSearchAttributeKey('PayoutOrderId', SearchAttributeType.KEYWORD);
export const PayoutSessionId = defineSearchAttributeKey('PayoutSessionId', SearchAttributeType.KEYWORD);
/** See `payoutSearchStatus`. */
export const PayoutStatus = defineSearchAttributeKey('PayoutStatus', SearchAttributeType.KEYWORD);
export const PayoutTransferState = defineSearchAttributeKey(
  'PayoutTransferState',
  SearchAttributeType.KEYWORD,
);
/** `link` (scenario 1, the payee gives bank details) or `verified` (scenario 2). */
export const PayoutScenario = defineSearchAttributeKey('PayoutScenario', SearchAttributeType.KEYWORD);

export const scenarioLabel = (scenario: Scenario) => (scenario === 1 ? 'link' : 'verified');

export function scenarioFromLabel(label: string | undefined): Scenario | null {
  if (label === scenarioLabel(1)) return 1;
  if (label === scenarioLabel(2)) return 2;
  return null;
}

/** `PayoutStatus` from the start until the workflow upserts what it learnt. */
export const INITIAL_PAYOUT_STATUS = 'CREATING';

export type PayoutSearchStatus =
  typeof INITIAL_PAYOUT_STATUS | 'AWAITING_PAYEE' | 'IN_PROGRESS' | PayoutOutcome;

/** `CREATING`, `AWAITING_PAYEE`, `IN_PROGRESS`, then the outcome (`SETTLED`, …, `NEEDS_REVIEW`). */
export function payoutSearchStatus(payout: {
  outcome: PayoutOutcome | null;
  creating: boolean;
  awaitingPayee: boolean;
}): PayoutSearchStatus {
  if (payout.outcome) return payout.outcome;
  if (payout.creating) return INITIAL_PAYOUT_STATUS;
  return payout.awaitingPayee ? 'AWAITING_PAYEE' : 'IN_PROGRESS';
}

export { SEARCH_VALUE_PATTERN } from './identifiers';
