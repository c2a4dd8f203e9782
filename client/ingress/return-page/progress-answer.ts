import { type PayoutStatusView } from '../../../workflows/messages';
import { isFinalReturnPageState, returnPageState } from './return-state';
import { returnPageLanguage, returnPageTexts } from './return-texts';

export type PayoutProgress = ReturnType<typeof progressAnswer>;

/**
 * What the payee's return page may show: where the payout stands as a state key and in words (in the
 * order's language), the expected date, nothing personal. `hint` is the redirect's own `status`: it can
 * only turn "waiting for your bank details" into "received, confirming…".
 */
export function progressAnswer(view: PayoutStatusView, hint?: string | null) {
  const state = returnPageState(view, hint);
  return {
    phase: view.phase,
    sessionStatus: view.sessionStatus,
    transferState: view.transferState,
    outcome: view.outcome,
    state,
    final: isFinalReturnPageState(state),
    executionDate: view.executionDate,
    summary: returnPageTexts(returnPageLanguage(view.language)).states[state].title,
  };
}
