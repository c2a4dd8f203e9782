import { type PayoutScenario } from '../../domain/payout-snapshot';
import { scenarioLabel } from '../../workflows/search-attributes';

/**
 * What the client side needs of the payout search attributes. The typed keys and the scenario labels are
 * the workflow's (workflows/search-attributes.ts: `PayoutScenario` is `link` or `verified`), so the values
 * set at start and those the workflow upserts later are one vocabulary.
 */
export {
  PayoutOrderId,
  PayoutScenario,
  PayoutSessionId,
  PayoutStatus,
  PayoutTransferState,
  scenarioLabel,
} from '../../workflows/search-attributes';

/** `PayoutStatus` from the start until the workflow upserts what it learnt. */
export const INITIAL_PAYOUT_STATUS = 'CREATING';

export function scenarioFromLabel(label: string | undefined): PayoutScenario | null {
  if (label === scenarioLabel(1)) return 1;
  if (label === scenarioLabel(2)) return 2;
  return null;
}

/** Visibility-query values must be plain tokens: nothing that could close the quotes. */
export const SEARCH_VALUE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
