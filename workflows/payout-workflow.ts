/**
 * PayoutWorkflow: one order's payout, from request to a final state (DESIGN.md §3).
 * token → create (exactly once, reconciled by the activity) → wait: a loop that races a growing poll timer
 * against webhook/redirect events, and confirms every change by fetching the payment from Fintecture.
 * Deterministic code only: no I/O, no clock but Temporal's, activities as types.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  metricMeter,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PayoutActivities } from '../activities';
import type { PayoutSnapshot } from '../domain/payout-snapshot';
import { advance, isCancellable, outcomeOf, type PayoutProgress } from '../domain/status-model';
import {
  awaitCreatedUpdate,
  cancelUpdate,
  initialPayoutView,
  payoutEventSignal,
  statusQuery,
  type CancelRequest,
  type CancelResult,
  type PayoutCarriedState,
  type PayoutEvent,
  type PayoutOutcome,
  type PayoutResult,
  type PayoutWorkflowInput,
  type TimelineSource,
} from './messages';
import {
  PayoutScenario,
  PayoutSessionId,
  PayoutStatus,
  PayoutTransferState,
  scenarioLabel,
} from './search-attributes';

const { ensureAccessToken, createPayout } = proxyActivities<PayoutActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  // Fintecture down for a day is an incident, not a reason to pay twice: every retry reconciles first,
  // and when the day is over the payout is parked for review.
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const { fetchPayout } = proxyActivities<PayoutActivities>({
  startToCloseTimeout: '30 seconds',
  // A fetch that keeps failing just waits for the next poll.
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const { cancelPayout } = proxyActivities<PayoutActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

const MAX_TIMELINE = 200;
/** patched() IDs: one per change of workflow logic (see docs/operator-guide.md, changing workflow code). */
export const WAKE_ON_OUTCOME_PATCH = 'wake-on-outcome';
const MAX_SEEN_EVENT_IDS = 500;

/** Failure types after which a create may have been applied at Fintecture. */
const UNCONFIRMED_CREATE_FAILURE =
  /^(Timeout:|FintectureAmbiguousOutcome$|PayoutReconciliationInconclusive$)/;

const iso = (ms: number) => new Date(ms).toISOString();

/** Why a failed activity failed, as a short type for operators (never the message: it may say too much). */
function failureType(error: unknown): string {
  if (error instanceof ActivityFailure) {
    if (error.cause instanceof ApplicationFailure) return error.cause.type ?? 'ApplicationFailure';
    if (error.cause instanceof TimeoutFailure) return `Timeout:${error.cause.timeoutType}`;
  }
  return error instanceof Error ? error.name : 'unknown';
}

export async function PayoutWorkflow(input: PayoutWorkflowInput): Promise<PayoutResult> {
  const { order, settings } = input;
  const finals = settings.finalStates;
  const carried: PayoutCarriedState = input.resume ?? {
    view: initialPayoutView(input.order.orderId, workflowInfo().workflowId, input.order.beneficiary ? 2 : 1),
    seenEventIds: [],
    pollIndex: 0,
    waitStartedAt: null,
    linkDeadline: null,
  };
  const view = carried.view;
  const seen = new Set(carried.seenEventIds);
  const pending: PayoutEvent[] = [];
  // One conversation with Fintecture at a time: the wait loop and the cancel update share the session.
  let busy = false;

  const progress = (): PayoutProgress => ({
    sessionStatus: view.sessionStatus,
    transferState: view.transferState,
    transferReason: view.transferReason,
  });

  function publishSearchAttributes() {
    const status =
      view.outcome ??
      (view.phase === 'creating'
        ? 'CREATING'
        : view.sessionStatus === 'iban_required'
          ? 'AWAITING_PAYEE'
          : 'IN_PROGRESS');
    upsertSearchAttributes([
      { key: PayoutStatus, value: status },
      { key: PayoutScenario, value: scenarioLabel(view.scenario) },
      ...(view.sessionId ? [{ key: PayoutSessionId, value: view.sessionId }] : []),
      ...(view.transferState ? [{ key: PayoutTransferState, value: view.transferState }] : []),
    ]);
  }

  function record(source: TimelineSource) {
    view.timeline.push({
      at: iso(Date.now()),
      source,
      sessionStatus: view.sessionStatus,
      transferState: view.transferState,
      ...(view.transferReason ? { transferReason: view.transferReason } : {}),
    });
    if (view.timeline.length > MAX_TIMELINE) view.timeline.splice(1, view.timeline.length - MAX_TIMELINE);
    log.info('payout state changed', {
      orderId: view.orderId,
      sessionId: view.sessionId,
      source,
      sessionStatus: view.sessionStatus,
      transferState: view.transferState,
    });
  }

  function finish(outcome: PayoutOutcome, reason: string) {
    view.outcome = outcome;
    view.outcomeReason = reason;
    view.phase = 'finished';
    view.nextPollAt = null;
    publishSearchAttributes();
    log.info('payout finished', { orderId: view.orderId, sessionId: view.sessionId, outcome, reason });
    // A sink call, not a command: skipped on replay, so it neither double-counts nor affects determinism.
    metricMeter
      .createCounter('payouts_finished', '1', 'Payouts that reached a final outcome, by outcome')
      .add(1, { outcome, scenario: scenarioLabel(view.scenario) });
  }

  /**
   * Applies a confirmed snapshot; returns whether anything moved. `cancelledBecause` names why we cancelled
   * it ourselves, so a cancellation we caused at the link deadline ends EXPIRED rather than CANCELLED.
   */
  function apply(
    snapshot: PayoutSnapshot,
    source: TimelineSource,
    cancelledBecause?: { outcome: PayoutOutcome; reason: string },
  ): boolean {
    const before = progress();
    const { next, changed } = advance(before, snapshot, finals);
    view.executionDate = snapshot.executionDate ?? view.executionDate;
    view.endToEndId = view.endToEndId ?? snapshot.endToEndId;
    if (!changed) return false;
    Object.assign(view, next);
    record(source);
    if (before.sessionStatus === 'iban_required' && next.sessionStatus !== 'iban_required') {
      // The payee acted: the link deadline no longer applies, the transfer wait starts now.
      carried.linkDeadline = null;
      carried.waitStartedAt = iso(Date.now());
    }
    const outcome = outcomeOf(next, finals);
    if (outcome === 'CANCELLED' && cancelledBecause)
      finish(cancelledBecause.outcome, cancelledBecause.reason);
    else if (outcome)
      finish(outcome, next.transferReason ?? next.transferState ?? next.sessionStatus ?? outcome);
    else publishSearchAttributes();
    return true;
  }

  async function exclusive<T>(body: () => Promise<T>): Promise<T> {
    await condition(() => !busy);
    busy = true;
    try {
      return await body();
    } finally {
      busy = false;
    }
  }

  setHandler(statusQuery, () => view);

  setHandler(awaitCreatedUpdate, async () => {
    await condition(() => view.phase !== 'creating');
    return view;
  });

  setHandler(payoutEventSignal, (event) => {
    if (view.phase === 'finished' || seen.has(event.eventId)) return;
    if (view.sessionId && event.sessionId !== view.sessionId) {
      log.warn('event for another session dropped', { orderId: view.orderId, source: event.source });
      return;
    }
    seen.add(event.eventId);
    if (seen.size > MAX_SEEN_EVENT_IDS) seen.delete(seen.values().next().value as string);
    pending.push(event);
  });

  setHandler(
    cancelUpdate,
    async (request: CancelRequest): Promise<CancelResult> =>
      exclusive(async () => {
        // The state may have moved while this update waited for its turn.
        if (view.outcome || !isCancellable(progress()) || !view.sessionId) {
          return { cancelled: false, message: refusal(), status: view };
        }
        const sessionId = view.sessionId;
        log.info('payout cancel requested', {
          orderId: view.orderId,
          sessionId,
          requestedBy: request.requestedBy,
        });
        const outcome = await cancelPayout(sessionId);
        apply(await fetchPayout(sessionId), 'operator');
        if (!outcome.cancelled) {
          return { cancelled: false, message: `Fintecture refused to cancel: ${refusal()}`, status: view };
        }
        return { cancelled: true, message: 'The payout was cancelled', status: view };
      }),
    {
      validator: (request: CancelRequest) => {
        if (!request || typeof request.requestedBy !== 'string' || !request.requestedBy.trim()) {
          throw new Error('requestedBy is required');
        }
        if (view.phase === 'creating')
          throw new Error('The payout is still being created: try again in a moment');
        if (view.outcome || !isCancellable(progress())) throw new Error(refusal());
      },
    },
  );

  function refusal(): string {
    if (view.outcome) return `The payout is already finished (${view.outcome})`;
    return `The payout can no longer be cancelled: money is on its way (session ${view.sessionStatus}, transfer ${
      view.transferState ?? 'none'
    })`;
  }

  async function create() {
    try {
      await ensureAccessToken();
      const created = await createPayout(order);
      Object.assign(view, {
        sessionId: created.sessionId,
        sessionStatus: created.sessionStatus,
        transferState: created.transferState,
        connectUrl: created.connectUrl,
        endToEndId: created.endToEndId,
        phase: 'waiting',
      });
      const now = Date.now();
      carried.waitStartedAt = iso(now);
      if (view.scenario === 1 && created.sessionStatus === 'iban_required') {
        carried.linkDeadline = iso(now + (order.expiresInSeconds + settings.linkGraceSeconds) * 1000);
      }
      record('create');
      const outcome = outcomeOf(progress(), finals);
      if (outcome) finish(outcome, view.transferReason ?? view.transferState ?? outcome);
      else publishSearchAttributes();
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      // Nothing we can safely retry from here: an operator looks. `create_unconfirmed`: a payout may exist
      // at Fintecture that we could not confirm (the last answer was ambiguous, reconciliation could not
      // conclude, or the create ran out of time); `create_failed`: Fintecture refused it, nothing was paid.
      const type = failureType(error);
      finish(
        'NEEDS_REVIEW',
        UNCONFIRMED_CREATE_FAILURE.test(type) ? `create_unconfirmed:${type}` : `create_failed:${type}`,
      );
    }
  }

  /** When to look next: the poll schedule, never past the current deadline. */
  function nextDelayMs(now: number): number {
    const delays = settings.pollDelaysSeconds;
    const delay = (delays[Math.min(carried.pollIndex, delays.length - 1)] ?? 60) * 1000;
    const deadline = currentDeadline();
    return Math.max(0, Math.min(delay, deadline - now));
  }

  function currentDeadline(): number {
    if (carried.linkDeadline) return Date.parse(carried.linkDeadline);
    return Date.parse(carried.waitStartedAt ?? iso(Date.now())) + settings.maxWaitSeconds * 1000;
  }

  async function look(source: TimelineSource) {
    await exclusive(async () => {
      if (view.outcome || !view.sessionId) return;
      view.polls += 1;
      let snapshot: PayoutSnapshot;
      try {
        snapshot = await fetchPayout(view.sessionId);
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        const type = failureType(error);
        if (type === 'FintectureNotFound') finish('NEEDS_REVIEW', 'session_not_found');
        else
          log.warn('payout fetch failed; waiting for the next poll', {
            orderId: view.orderId,
            failure: type,
          });
        carried.pollIndex += 1;
        return;
      }
      // Progress resets the schedule: things are moving, look again soon.
      carried.pollIndex = apply(snapshot, source) ? 0 : carried.pollIndex + 1;
    });
  }

  /** At the deadline: an unused link is cancelled (so no money can leave unwatched); otherwise review. */
  async function onDeadline() {
    if (carried.linkDeadline && view.sessionStatus === 'iban_required' && view.sessionId) {
      const sessionId = view.sessionId;
      const expired = { outcome: 'EXPIRED' as const, reason: 'link_expired' };
      const cancelled = await exclusive(async () => {
        const outcome = await cancelPayout(sessionId);
        apply(await fetchPayout(sessionId), 'poll', outcome.cancelled ? expired : undefined);
        return outcome.cancelled;
      });
      if (view.outcome) return;
      if (cancelled) return finish(expired.outcome, expired.reason);
      // The payee acted at the last moment: apply() cleared the link deadline; follow the transfer.
      if (!carried.linkDeadline) return;
      // Refused, yet still waiting for the payee: Fintecture contradicts itself. Do not spin on it.
      return finish('NEEDS_REVIEW', 'link_deadline_unresolved');
    }
    finish('NEEDS_REVIEW', 'poll_schedule_exhausted');
  }

  if (view.phase === 'creating') await create();

  // Before this patch the loop slept until its poll timer after a cancel update had already finished the
  // payout (up to an hour). Recorded histories without the marker keep that behaviour on replay.
  const wakeOnOutcome = patched(WAKE_ON_OUTCOME_PATCH);
  while (!view.outcome) {
    const now = Date.now();
    const delay = nextDelayMs(now);
    view.nextPollAt = iso(now + delay);
    await condition(() => pending.length > 0 || (wakeOnOutcome && view.outcome !== null), delay);
    view.nextPollAt = null;
    const events = pending.splice(0).filter((event) => event.sessionId === view.sessionId);
    await look(events.at(-1)?.source ?? 'poll');
    if (!view.outcome && Date.now() >= currentDeadline()) await onDeadline();
    if (!view.outcome && workflowInfo().continueAsNewSuggested) {
      await condition(() => allHandlersFinished() && !busy);
      await continueAsNew<typeof PayoutWorkflow>({
        order,
        settings,
        resume: { ...carried, view, seenEventIds: [...seen] },
      });
    }
  }

  await condition(allHandlersFinished);
  return { ...view, outcome: view.outcome, phase: 'finished' };
}
