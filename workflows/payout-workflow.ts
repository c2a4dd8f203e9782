/**
 * PayoutWorkflow: one order's payout, from request to a final state (DESIGN.md §3).
 * token → create (exactly once, reconciled by the activity) → wait: a loop that races a growing poll timer
 * against webhook/redirect events, and confirms every change by fetching the payment from Fintecture.
 * Deterministic code only: no I/O, no clock but Temporal's, activities as types.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
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
import type { CreatedPayout, CreateSessionResult, PayoutSnapshot } from '../domain/payout-snapshot';
import {
  finalEventType,
  webhookIdOf,
  type OrderEventType,
  type OrderNotification,
} from '../domain/order-events';
import { DEFAULT_NOTIFY_RETRY } from '../domain/payout-settings';
import {
  advance,
  isCancellable,
  outcomeOf,
  unrankedStateReason,
  type PayoutProgress,
} from '../domain/status-model';
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

/** Temporal's retries, from 1 s doubling up to `maximumInterval`. */
const retryUpTo = (maximumInterval: string) => ({
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval,
});

const { ensureAccessToken, createPayout } = proxyActivities<PayoutActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  // Fintecture down for a day is an incident, not a reason to pay twice: every retry reconciles first,
  // and when the day is over the payout is parked for review.
  scheduleToCloseTimeout: '24 hours',
  retry: retryUpTo('1 minute'),
});

const { fetchPayout } = proxyActivities<PayoutActivities>({
  startToCloseTimeout: '30 seconds',
  // A fetch that keeps failing just waits for the next poll.
  scheduleToCloseTimeout: '10 minutes',
  retry: retryUpTo('30 seconds'),
});

/** One quick call each: a cancel, or the read that checks the session an event names. */
const { cancelPayout, identifySession } = proxyActivities<PayoutActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 minutes',
  retry: retryUpTo('10 seconds'),
});

/** Activities that read the whole payment list: long, heartbeating on every page. */
const READS_THE_LIST = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: retryUpTo('1 minute'),
} as const;

/**
 * The create as Fintecture documents it (FINTECTURE_AS_DOCUMENTED_PATCH): every attempt searches the whole
 * payment list and waits for a late commit after an earlier attempt, so it needs more than two minutes;
 * cancellation waits for the activity to stop, so an event that names the session cannot race a POST.
 */
const { createPayoutSession } = proxyActivities<PayoutActivities>({
  ...READS_THE_LIST,
  scheduleToCloseTimeout: '24 hours',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

const { sweepDuplicates } = proxyActivities<PayoutActivities>({
  ...READS_THE_LIST,
  scheduleToCloseTimeout: '2 hours',
});

const MAX_TIMELINE = 200;
/** patched() IDs: one per change of workflow logic (see docs/operator-guide.md, changing workflow code). */
export const WAKE_ON_OUTCOME_PATCH = 'wake-on-outcome';
/**
 * Issue 10, Fintecture as documented: the create returns facts (ambiguous, incomplete search), a session
 * named by an event is adopted while the create is unconfirmed, duplicates are swept after the create and
 * at the end, and every activity failure ends NEEDS_REVIEW. Histories without the marker keep the old path.
 */
export const FINTECTURE_AS_DOCUMENTED_PATCH = 'fintecture-as-documented';
/**
 * Issue 11, outcome events to the order system: `payout.created` once the session exists, the outcome's
 * event at the end, delivered in the background by `notifyOrderSystem`. Histories without it send none.
 */
export const NOTIFY_ORDER_SYSTEM_PATCH = 'notify-order-system';
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

/**
 * What `notifyOrderSystem`'s last refusal said (the attempt and the receivers that refused), also when the
 * retry budget ran out: the timeout then carries the last refusal as its cause.
 */
function failureDetails(error: unknown): { attempt?: number; refused?: string } {
  let cause: unknown = error instanceof ActivityFailure ? error.cause : undefined;
  for (
    let depth = 0;
    depth < 3 && cause instanceof Error && !(cause instanceof ApplicationFailure);
    depth++
  ) {
    cause = cause.cause;
  }
  const [details] = cause instanceof ApplicationFailure ? (cause.details ?? []) : [];
  if (!details || typeof details !== 'object') return {};
  const { attempt, refused } = details as { attempt?: unknown; refused?: unknown };
  return {
    ...(typeof attempt === 'number' ? { attempt } : {}),
    ...(typeof refused === 'string' ? { refused } : {}),
  };
}

/** `create_unconfirmed`: a payout may exist that we could not confirm; `create_failed`: nothing was paid. */
function createFailureReason(error: unknown): string {
  const type = failureType(error);
  return UNCONFIRMED_CREATE_FAILURE.test(type) ? `create_unconfirmed:${type}` : `create_failed:${type}`;
}

export async function PayoutWorkflow(input: PayoutWorkflowInput): Promise<PayoutResult> {
  const { order, settings } = input;
  const finals = settings.finalStates;
  // First, before any command: a new run records the marker, a recorded history without it keeps the old path.
  const documented = patched(FINTECTURE_AS_DOCUMENTED_PATCH);
  const notifying = patched(NOTIFY_ORDER_SYSTEM_PATCH);
  const carried: PayoutCarriedState = input.resume ?? {
    view: initialPayoutView(
      input.order.orderId,
      workflowInfo().workflowId,
      input.order.beneficiary ? 2 : 1,
      input.order,
    ),
    seenEventIds: [],
    pollIndex: 0,
    waitStartedAt: null,
    linkDeadline: null,
  };
  const view = carried.view;
  // Views of payouts started before the return page showed them lack these: plain state, no command.
  if (view.amount == null) view.amount = order.amount;
  if (view.currency == null) view.currency = order.currency;
  if (view.language == null) view.language = order.language ?? null;
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
      (view.phase === 'creating' ? 'CREATING' : awaitingPayee() ? 'AWAITING_PAYEE' : 'IN_PROGRESS');
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

  /** Scenario 1 before the payee acted; a fresh session whose status the create answer did not give counts. */
  function awaitingPayee(): boolean {
    if (view.sessionStatus === 'iban_required') return true;
    return documented && view.scenario === 1 && view.sessionStatus === null && view.transferState === null;
  }

  /** Sets the outcome; a later call may overrule it (a duplicate found by the final sweep). */
  function finish(outcome: PayoutOutcome, reason: string) {
    view.outcome = outcome;
    view.outcomeReason = reason;
    view.phase = 'finished';
    view.nextPollAt = null;
    publishSearchAttributes();
    log.info('payout finished', { orderId: view.orderId, sessionId: view.sessionId, outcome, reason });
  }

  function countFinished() {
    // A sink call, not a command: skipped on replay, so it neither double-counts nor affects determinism.
    metricMeter
      .createCounter('payouts_finished', '1', 'Payouts that reached a final outcome, by outcome')
      .add(1, { outcome: view.outcome ?? 'NEEDS_REVIEW', scenario: scenarioLabel(view.scenario) });
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
    // Unranked values move nothing (advance ignores them): they are only shown, and judged at the deadline.
    if (documented) view.unrecognised = snapshot.unrecognised ?? null;
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

  // Outcome events (NOTIFY_ORDER_SYSTEM_PATCH): delivered one after the other in the background, so the final
  // event starts only once `payout.created` was delivered or given up, and nothing here waits for them.
  const notifyRetry = settings.notifyRetry ?? DEFAULT_NOTIFY_RETRY;
  const { notifyOrderSystem } = proxyActivities<PayoutActivities>({
    // Receivers are served concurrently, each request for at most 10 s: an attempt lasts about that long.
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: notifyRetry.giveUpAfterSeconds * 1000,
    retry: {
      initialInterval: notifyRetry.initialIntervalSeconds * 1000,
      backoffCoefficient: 2,
      maximumInterval: notifyRetry.maximumIntervalSeconds * 1000,
    },
  });
  let deliveries: Promise<void> = Promise.resolve();

  /** Records the event (once per type) with what the payout says now, and queues its delivery. */
  function notify(type: OrderEventType) {
    const notifications = (view.notifications ??= []);
    if (notifications.some((entry) => entry.type === type)) return;
    const final = type !== 'payout.created';
    const entry: OrderNotification = {
      id: webhookIdOf(view.workflowId, type),
      type,
      status: 'pending',
      event: {
        type,
        timestamp: iso(Date.now()),
        data: {
          orderId: view.orderId,
          workflowId: view.workflowId,
          sessionId: view.sessionId,
          scenario: view.scenario,
          outcome: final ? view.outcome : null,
          outcomeReason: final ? view.outcomeReason : null,
          transferState: view.transferState,
          amount: order.amount,
          currency: order.currency,
          connectUrl: view.connectUrl,
        },
      },
    };
    notifications.push(entry);
    deliver(entry);
  }

  function deliver(entry: OrderNotification) {
    deliveries = deliveries.then(async () => {
      try {
        const result = await notifyOrderSystem({ id: entry.id, event: entry.event });
        if (result.configured) {
          entry.status = 'delivered';
          entry.attempts = result.attempts;
        } else entry.status = 'not_configured';
      } catch (error) {
        entry.status = 'failed';
        const details = failureDetails(error);
        if (details.attempt !== undefined) entry.attempts = details.attempt;
        entry.lastError = details.refused ?? failureType(error);
        log.warn('order system event not delivered: re-send it with `payouts notify`', {
          orderId: view.orderId,
          webhookId: entry.id,
          failure: failureType(error),
        });
      }
      // A sink call, skipped on replay (see countFinished).
      metricMeter
        .createCounter('payout_notifications', '1', 'Outcome events to the order system, by delivery status')
        .add(1, { type: entry.type, status: entry.status });
    });
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
        if (documented) return cancelGuarded(sessionId);
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

  /**
   * The cancel update, with every failure answered: a cancel whose fate is unknown parks the payout for
   * review; one Fintecture accepted whose confirming read failed is reported as accepted, pending
   * confirmation (the next poll confirms it).
   */
  async function cancelGuarded(sessionId: string): Promise<CancelResult> {
    let outcome;
    try {
      outcome = await cancelPayout(sessionId);
    } catch (error) {
      finish('NEEDS_REVIEW', `cancel_failed:${failureType(error)}`);
      return {
        cancelled: false,
        message: 'The cancel could not be confirmed with Fintecture: the payout was parked for review',
        status: view,
      };
    }
    try {
      apply(await fetchPayout(sessionId), 'operator');
    } catch {
      carried.pollIndex = 0;
      if (outcome.cancelled) {
        return {
          cancelled: true,
          message: 'Fintecture accepted the cancel; its confirmation is pending',
          status: view,
        };
      }
    }
    if (!outcome.cancelled) {
      return { cancelled: false, message: `Fintecture refused to cancel: ${refusal()}`, status: view };
    }
    return { cancelled: true, message: 'The payout was cancelled', status: view };
  }

  function refusal(): string {
    if (view.outcome) return `The payout is already finished (${view.outcome})`;
    return `The payout can no longer be cancelled: money is on its way (session ${view.sessionStatus}, transfer ${
      view.transferState ?? 'none'
    })`;
  }

  /** The session is known: the wait starts (scenario 1: the payee's link deadline too). */
  function created(session: CreatedPayout) {
    Object.assign(view, {
      sessionId: session.sessionId,
      sessionStatus: session.sessionStatus,
      transferState: session.transferState,
      connectUrl: session.connectUrl,
      endToEndId: session.endToEndId,
      phase: 'waiting',
    });
    if (documented) view.unrecognised = session.unrecognised ?? null;
    const now = Date.now();
    carried.waitStartedAt = iso(now);
    if (view.scenario === 1 && awaitingPayee()) {
      carried.linkDeadline = iso(now + (order.expiresInSeconds + settings.linkGraceSeconds) * 1000);
    }
    record('create');
    if (notifying) notify('payout.created');
    const outcome = outcomeOf(progress(), finals);
    if (outcome) finish(outcome, view.transferReason ?? view.transferState ?? outcome);
    else publishSearchAttributes();
  }

  /** Before FINTECTURE_AS_DOCUMENTED_PATCH. */
  async function create() {
    try {
      await ensureAccessToken();
      created(await createPayout(order));
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      // Nothing we can safely retry from here: an operator looks.
      finish('NEEDS_REVIEW', createFailureReason(error));
    }
  }

  /**
   * Creates (or finds) the order's one session. While the create runs, a webhook or redirect naming a
   * session is checked against Fintecture (`identifySession`): the order's own session is adopted and the
   * create stopped — it may be retrying a create whose answer was lost. Whatever the create says, nothing
   * is re-sent from here: ambiguity, a mismatch or an incomplete search park the payout for review.
   */
  async function createAsDocumented() {
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
    const unchecked = () => pending.find((event) => !checked.has(event.sessionId));
    let identified: CreatedPayout | undefined;
    while (!settled && !identified) {
      await condition(() => settled || unchecked() !== undefined);
      const event = settled ? undefined : unchecked();
      if (!event) break;
      checked.add(event.sessionId);
      try {
        const answer = await identifySession({ order, sessionId: event.sessionId });
        if (answer.ours) identified = answer.session;
      } catch (error) {
        // An event is only a hint: the create goes on.
        log.warn('event session could not be identified', {
          orderId: view.orderId,
          failure: failureType(error),
        });
      }
    }
    if (identified && !settled) scope.cancel();
    await creating;

    if (result?.kind === 'created' || result?.kind === 'adopted') return created(result.session);
    if (identified) return created(identified);
    if (result?.kind === 'ambiguous') {
      view.otherSessionIds = result.sessionIds;
      return finish('NEEDS_REVIEW', 'create_ambiguous');
    }
    if (result?.kind === 'mismatch') {
      view.otherSessionIds = [result.sessionId];
      return finish('NEEDS_REVIEW', 'create_mismatch');
    }
    if (result?.kind === 'search_incomplete')
      return finish('NEEDS_REVIEW', 'create_unconfirmed:search_incomplete');
    finish('NEEDS_REVIEW', createFailureReason(failure));
  }

  /**
   * Looks for another session with the order's reference (a create that committed late). Cancelled when it
   * still can be; otherwise the payout needs a person. An incomplete sweep only counts at the end.
   */
  async function sweep(stage: 'created' | 'finished') {
    const sessionId = view.sessionId;
    if (!sessionId) return;
    let result;
    try {
      result = await sweepDuplicates({ order, sessionId });
    } catch (error) {
      return finish('NEEDS_REVIEW', `duplicate_sweep_failed:${failureType(error)}`);
    }
    const duplicates = metricMeter.createCounter(
      'payout_duplicates',
      '1',
      'Duplicate Fintecture sessions found for an order, by what was done',
    );
    switch (result.outcome) {
      case 'clean':
        return;
      case 'incomplete':
        if (stage === 'finished') finish('NEEDS_REVIEW', 'duplicate_sweep_incomplete');
        return;
      case 'cancelled':
        view.cancelledDuplicateSessionIds = [
          ...new Set([...(view.cancelledDuplicateSessionIds ?? []), ...result.cancelledSessionIds]),
        ];
        duplicates.add(result.cancelledSessionIds.length, { action: 'cancelled' });
        log.warn('duplicate payout cancelled', { orderId: view.orderId, sessionId, stage });
        return;
      case 'duplicate':
        view.otherSessionIds = result.sessionIds;
        duplicates.add(result.sessionIds.length, { action: 'review' });
        return finish('NEEDS_REVIEW', 'duplicate_payout');
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
        if (!documented && !(error instanceof ActivityFailure)) throw error;
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
    if (documented) return onDeadlineGuarded();
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

  /** onDeadline, where a state we cannot rank is named and no activity failure fails the workflow. */
  async function onDeadlineGuarded() {
    if (view.unrecognised) return finish('NEEDS_REVIEW', unrankedStateReason(view.unrecognised));
    const sessionId = view.sessionId;
    if (!carried.linkDeadline || !awaitingPayee() || !sessionId) {
      return finish('NEEDS_REVIEW', 'poll_schedule_exhausted');
    }
    const expired = { outcome: 'EXPIRED' as const, reason: 'link_expired' };
    let cancelled: boolean;
    try {
      cancelled = (await exclusive(() => cancelPayout(sessionId))).cancelled;
    } catch (error) {
      return finish('NEEDS_REVIEW', `link_deadline_cancel_failed:${failureType(error)}`);
    }
    try {
      await exclusive(async () =>
        apply(await fetchPayout(sessionId), 'poll', cancelled ? expired : undefined),
      );
    } catch {
      // Fintecture accepted the cancel: the link is dead whatever the read would have said.
      if (cancelled) return finish(expired.outcome, expired.reason);
      return finish('NEEDS_REVIEW', 'link_deadline_unresolved');
    }
    if (view.outcome) return;
    if (cancelled) return finish(expired.outcome, expired.reason);
    // The payee acted at the last moment: apply() cleared the link deadline; follow the transfer.
    if (!carried.linkDeadline) return;
    return finish('NEEDS_REVIEW', 'link_deadline_unresolved');
  }

  // A continue-as-new run picks up the deliveries the previous run left pending (at least once).
  if (notifying) for (const entry of view.notifications ?? []) if (entry.status === 'pending') deliver(entry);

  if (view.phase === 'creating') {
    if (documented) {
      await createAsDocumented();
      if (!view.outcome) await sweep('created');
    } else await create();
  }

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

  // Also after a cancel, an expiry or a rejection: a late create may have committed since the first sweep.
  if (documented && view.sessionId && view.outcomeReason !== 'duplicate_payout') await sweep('finished');
  await condition(allHandlersFinished);
  countFinished();
  if (notifying) {
    // The payout is finished (outcome, search attributes, metric): only the order system waits now.
    if (view.sessionId) notify('payout.created');
    notify(finalEventType(view.outcome ?? 'NEEDS_REVIEW'));
    await deliveries;
  }
  return { ...view, outcome: view.outcome, phase: 'finished' };
}
