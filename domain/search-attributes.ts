/**
 * The custom search attributes a payout workflow upserts, so operators can filter payouts in the Web UI
 * (`PayoutStatus = "NEEDS_REVIEW"`). All Keyword: SQL visibility allows only a few Text attributes, and
 * these are exact-match identifiers and states anyway. Never personal data.
 */
export const PAYOUT_SEARCH_ATTRIBUTES = {
  PayoutOrderId: 'Keyword',
  PayoutSessionId: 'Keyword',
  PayoutStatus: 'Keyword',
  PayoutTransferState: 'Keyword',
  PayoutScenario: 'Keyword',
} as const;

export type PayoutSearchAttributeName = keyof typeof PAYOUT_SEARCH_ATTRIBUTES;
