import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Typed keys of the payout search attributes (registered on the server from domain/search-attributes.ts).
 * Values are IDs and states only, never personal data: operators filter on them in the Web UI.
 */
export const PayoutOrderId = defineSearchAttributeKey('PayoutOrderId', SearchAttributeType.KEYWORD);
export const PayoutSessionId = defineSearchAttributeKey('PayoutSessionId', SearchAttributeType.KEYWORD);
/** `CREATING`, `AWAITING_PAYEE`, `IN_PROGRESS`, then the outcome (`SETTLED`, …, `NEEDS_REVIEW`). */
export const PayoutStatus = defineSearchAttributeKey('PayoutStatus', SearchAttributeType.KEYWORD);
export const PayoutTransferState = defineSearchAttributeKey(
  'PayoutTransferState',
  SearchAttributeType.KEYWORD,
);
/** `link` (scenario 1, the payee gives bank details) or `verified` (scenario 2). */
export const PayoutScenario = defineSearchAttributeKey('PayoutScenario', SearchAttributeType.KEYWORD);

export const scenarioLabel = (scenario: 1 | 2) => (scenario === 1 ? 'link' : 'verified');
