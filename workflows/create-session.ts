/**
 * The create: exactly one Fintecture session for the order. Whatever the create says, nothing is re-sent
 * from here: a create that may have paid and could not be confirmed parks the payout for review.
 */
import { ActivityFailure, CancellationScope, condition, log } from '@temporalio/workflow';
import { createFailureReason } from '../domain/payout-decisions';
import type { CreatedPayout } from '../domain/payout-session';
import type { CreateSessionResult } from '../domain/activity-facts';
import { createFailureOf, failureType } from './activity-failures';
import { createPayout } from './activity-stubs';
import type { PayoutState } from './payout-state';
import { OUTCOME_REASONS } from '../domain/outcomes';

/** How long an event naming a session waits for the create to answer before it is identified at Fintecture. */
const EVENT_GRACE_BEFORE_IDENTIFYING = '5 seconds';

/** What the workflow does with the order's session once it is known (called before the create returns). */
export type OnSessionCreated = (session: CreatedPayout) => void;

/**
 * Creates (or finds) the order's one session; returns what the create established (`createProvedUnique`
 * reads it). While the create runs, a webhook or redirect naming a
 * session is checked against Fintecture (`identifySession`): the order's own session is adopted and the
 * create stopped — it may be retrying a create whose answer was lost. Ambiguity, a mismatch or an
 * incomplete search park the payout for review.
 */
export async function createSession(
  payout: PayoutState,
  onCreated: OnSessionCreated,
): Promise<CreateSessionResult | undefined> {
  const { order } = payout;
  const { ensureAccessToken, createPayoutSession, identifySession } = payout.fintecture;
  let result: CreateSessionResult | undefined;
  let failure: unknown;
  let settled = false;
  const scope = new CancellationScope();
  const creating = scope
    .run(async () => {
      await ensureAccessToken();
      return createPayoutSession(order);
    })
    .then(
      (value) => void (result = value),
      (error: unknown) => void (failure = error),
    )
    .finally(() => void (settled = true));

  const checked = new Set<string>();
  const unchecked = () => payout.pending.find((event) => !checked.has(event.sessionId));
  let identified: CreatedPayout | undefined;
  let graceGiven = false;
  while (!settled && !identified) {
    await condition(() => settled || unchecked() !== undefined);
    // BUDGETED_QUIET_WAITING_PATCH: Fintecture's first webhook often beats the create's own answer by a few
    // milliseconds; give the create a moment (once) before spending a read on an event. A create whose answer
    // was lost is in its late-commit wait (a minute) by then, so identifying a little later costs nothing.
    if (!settled && payout.budgeted && !graceGiven) {
      graceGiven = true;
      if (await condition(() => settled, EVENT_GRACE_BEFORE_IDENTIFYING)) break;
    }
    const event = settled ? undefined : unchecked();
    if (!event) break;
    checked.add(event.sessionId);
    try {
      const answer = await identifySession({ order, sessionId: event.sessionId });
      if (answer.ours) identified = answer.session;
    } catch (error) {
      // An event is only a hint: the create goes on.
      log.warn('event session could not be identified', {
        orderId: payout.view.orderId,
        failure: failureType(error),
      });
    }
  }
  if (identified && !settled) scope.cancel();
  await creating;

  if (result?.kind === 'created' || result?.kind === 'adopted') {
    onCreated(result.session);
    return result;
  }
  if (identified) {
    onCreated(identified);
    return undefined;
  }
  if (result?.kind === 'ambiguous') {
    payout.view.otherSessionIds = result.sessionIds;
    payout.finish('NEEDS_REVIEW', OUTCOME_REASONS.createAmbiguous);
  } else if (result?.kind === 'mismatch') {
    payout.view.otherSessionIds = [result.sessionId];
    payout.finish('NEEDS_REVIEW', OUTCOME_REASONS.createMismatch);
  } else if (result?.kind === 'search_incomplete') {
    payout.finish('NEEDS_REVIEW', OUTCOME_REASONS.createSearchIncomplete);
  } else payout.finish('NEEDS_REVIEW', createFailureReason(createFailureOf(failure)));
  return result;
}

/** The create before FINTECTURE_AS_DOCUMENTED_PATCH, kept for the histories that took it. */
export async function createSessionBeforeDocumented(
  payout: PayoutState,
  onCreated: OnSessionCreated,
): Promise<void> {
  try {
    await payout.fintecture.ensureAccessToken();
    onCreated(await createPayout(payout.order));
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // Nothing we can safely retry from here: an operator looks.
    payout.finish('NEEDS_REVIEW', createFailureReason(createFailureOf(error)));
  }
}
