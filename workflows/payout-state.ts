/**
 * One payout's state, as the workflow holds it: the view the `status` query answers, the wait's clock, the
 * events waiting to be looked at, and the transitions that change them. Synchronous and deterministic: the
 * steps that call Fintecture (workflows/payout-steps.ts) drive it.
 */
import { condition, log, metricMeter, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { PayoutOutcome } from '../domain/outcomes';
import {
  finalStateReason,
  isAwaitingPayee,
  linkDeadlineAt,
  nextPollDelayMs,
  waitDeadlineMs,
  type WaitClock,
} from '../domain/payout-decisions';
import type { PayoutRequest } from '../domain/payout-request';
import type { PayoutSettings } from '../domain/payout-settings';
import type { CreatedPayout, PayoutSnapshot } from '../domain/payout-session';
import {
  PayoutScenario,
  PayoutSessionId,
  PayoutStatus,
  PayoutTransferState,
  payoutSearchStatus,
  scenarioLabel,
} from '../domain/search-attributes';
import { advance, outcomeOf, type PayoutProgress } from '../domain/status-model';
import { fintectureCalls, type FintectureCalls } from './activity-stubs';
import type { SessionWatch } from './session-watch';
import {
  initialPayoutView,
  type PayoutCarriedState,
  type PayoutEvent,
  type PayoutStatusView,
  type PayoutWorkflowInput,
  type TimelineSource,
} from './messages';

const MAX_TIMELINE = 200;
const MAX_SEEN_EVENT_IDS = 500;

const iso = (ms: number) => new Date(ms).toISOString();

/** A cancellation we caused ourselves, and how the payout ends because of it (EXPIRED at the link deadline). */
export interface CancelledBecause {
  outcome: PayoutOutcome;
  reason: string;
}

export class PayoutState {
  readonly order: PayoutRequest;
  readonly settings: PayoutSettings;
  readonly view: PayoutStatusView;
  /** Poll index, wait start and link deadline: carried across continue-as-new with the view. */
  readonly clock: WaitClock;
  /** Events not looked at yet; an event only says "look now" (G4). */
  readonly pending: PayoutEvent[] = [];
  private readonly seen: Set<string>;
  /** The Fintecture activities, on the task queues of this payout's generation. */
  readonly fintecture: FintectureCalls;
  /** The poll schedule was reset from outside the wait (a cancel whose read failed): a quiet wait restarts. */
  rescheduled = false;
  /**
   * The running watch of a watched wait, if any. Before WATCH_ENDS_WITH_ITS_WAIT_PATCH it could outlive the
   * wait that started it; since, `endWatch()` ends it with its wait.
   */
  watch: SessionWatch | null = null;
  /** One conversation with Fintecture at a time: the wait loop and the cancel update share the session. */
  private busy = false;
  /** The search attributes last upserted (BUDGETED_QUIET_WAITING_PATCH: the same set is not sent twice). */
  private published: string | null = null;
  /** OUTCOME_AFTER_FINAL_SWEEP_PATCH: the outcome reached is shown from `confirmOutcome()` on. */
  private outcomeConfirmed = false;

  constructor(
    input: PayoutWorkflowInput,
    /** FINTECTURE_AS_DOCUMENTED_PATCH is in this history. */
    readonly documented: boolean,
    /** BUDGETED_QUIET_WAITING_PATCH is in this history. */
    readonly budgeted = false,
    /** OUTCOME_AFTER_FINAL_SWEEP_PATCH is in this history: an outcome is shown once it is final. */
    private readonly holdsOutcome = false,
  ) {
    this.fintecture = fintectureCalls(budgeted);
    this.order = input.order;
    this.settings = input.settings;
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
    this.view = carried.view;
    this.clock = carried;
    // Views of payouts started before the return page showed them lack these: plain state, no command.
    if (this.view.amount == null) this.view.amount = input.order.amount;
    if (this.view.currency == null) this.view.currency = input.order.currency;
    if (this.view.language == null) this.view.language = input.order.language ?? null;
    this.seen = new Set(carried.seenEventIds);
  }

  get outcome(): PayoutOutcome | null {
    return this.view.outcome;
  }

  /** An outcome was reached, but the final duplicate sweep may still overrule it. */
  get outcomeHeld(): boolean {
    return this.holdsOutcome && !this.outcomeConfirmed && this.view.outcome !== null;
  }

  /**
   * What the status query and the updates answer: the view, without an outcome that is not final yet (an
   * order system must never see SETTLED turn into NEEDS_REVIEW).
   */
  answer(): PayoutStatusView {
    if (!this.outcomeHeld) return this.view;
    return { ...this.view, phase: 'waiting', outcome: null, outcomeReason: null, nextPollAt: null };
  }

  /** Nothing can overrule the outcome any more: show it (query, search attributes). */
  confirmOutcome(): void {
    if (!this.holdsOutcome || this.outcomeConfirmed) return;
    this.outcomeConfirmed = true;
    this.publishSearchAttributes();
  }

  progress(): PayoutProgress {
    return {
      sessionStatus: this.view.sessionStatus,
      transferState: this.view.transferState,
      transferReason: this.view.transferReason,
    };
  }

  /** Stops the running watch, if any, and forgets it: a read it made and nobody consumed is dropped. */
  endWatch(): void {
    this.watch?.cancel();
    this.watch = null;
  }

  awaitingPayee(): boolean {
    return isAwaitingPayee(this.view, this.documented);
  }

  /** What continue-as-new hands the next run. */
  carried(): PayoutCarriedState {
    return {
      view: this.view,
      seenEventIds: [...this.seen],
      pollIndex: this.clock.pollIndex,
      waitStartedAt: this.clock.waitStartedAt,
      linkDeadline: this.clock.linkDeadline,
    };
  }

  // --- events -------------------------------------------------------------------------------------------

  /** The `payoutEvent` signal: queued once per event ID; dropped when finished or for another session. */
  receive(event: PayoutEvent): void {
    if (this.view.phase === 'finished' || this.seen.has(event.eventId)) return;
    if (this.view.sessionId && event.sessionId !== this.view.sessionId) {
      log.warn('event for another session dropped', { orderId: this.view.orderId, source: event.source });
      return;
    }
    this.seen.add(event.eventId);
    if (this.seen.size > MAX_SEEN_EVENT_IDS) this.seen.delete(this.seen.values().next().value as string);
    this.pending.push(event);
  }

  /** Look again soon: the schedule restarts from its first delay (a quiet wait restarts its reads too). */
  pollSoon(): void {
    this.clock.pollIndex = 0;
    this.rescheduled = true;
  }

  /** Until the current wait's deadline, for a wait that is not on the poll schedule (a quiet wait). */
  untilDeadlineMs(): number {
    const now = Date.now();
    return Math.max(0, waitDeadlineMs(this.clock, this.settings, now) - now);
  }

  /** Sets `nextPollAt` and returns how long the loop may sleep. */
  scheduleNextPoll(): number {
    const now = Date.now();
    const delay = nextPollDelayMs(this.clock, this.settings, now);
    this.view.nextPollAt = iso(now + delay);
    return delay;
  }

  /** The loop woke up: the events queued since, for this payout's session. */
  takeEvents(): PayoutEvent[] {
    this.view.nextPollAt = null;
    return this.pending.splice(0).filter((event) => event.sessionId === this.view.sessionId);
  }

  deadlinePassed(): boolean {
    const now = Date.now();
    return now >= waitDeadlineMs(this.clock, this.settings, now);
  }

  // --- transitions ----------------------------------------------------------------------------------------

  /** The session is known: the wait starts (scenario 1: the payee's link deadline too). */
  created(session: CreatedPayout): void {
    Object.assign(this.view, {
      sessionId: session.sessionId,
      sessionStatus: session.sessionStatus,
      transferState: session.transferState,
      connectUrl: session.connectUrl,
      endToEndId: session.endToEndId,
      phase: 'waiting',
    });
    if (this.documented) this.view.unrecognised = session.unrecognised ?? null;
    const now = Date.now();
    this.clock.waitStartedAt = iso(now);
    if (this.view.scenario === 1 && this.awaitingPayee()) {
      this.clock.linkDeadline = linkDeadlineAt(
        now,
        this.order.expiresInSeconds,
        this.settings.linkGraceSeconds,
      );
    }
    this.record('create');
  }

  /** After `created` (and the `payout.created` event): a session may be final from its first answer. */
  settleIfFinal(): void {
    const outcome = outcomeOf(this.progress(), this.settings.finalStates);
    if (outcome) this.finish(outcome, finalStateReason(this.progress(), outcome));
    else this.publishSearchAttributes();
  }

  /**
   * Applies a snapshot Fintecture confirmed; returns whether anything moved. Unranked values move nothing
   * (the status model ignores them): they are only shown, and judged at the deadline.
   */
  apply(snapshot: PayoutSnapshot, source: TimelineSource, cancelledBecause?: CancelledBecause): boolean {
    const finals = this.settings.finalStates;
    const before = this.progress();
    const { next, changed } = advance(before, snapshot, finals);
    if (this.documented) this.view.unrecognised = snapshot.unrecognised ?? null;
    this.view.executionDate = snapshot.executionDate ?? this.view.executionDate;
    this.view.endToEndId = this.view.endToEndId ?? snapshot.endToEndId;
    if (!changed) return false;
    Object.assign(this.view, next);
    this.record(source);
    if (before.sessionStatus === 'iban_required' && next.sessionStatus !== 'iban_required') {
      // The payee acted: the link deadline no longer applies, the transfer wait starts now.
      this.clock.linkDeadline = null;
      this.clock.waitStartedAt = iso(Date.now());
    }
    const outcome = outcomeOf(next, finals);
    if (outcome === 'CANCELLED' && cancelledBecause)
      this.finish(cancelledBecause.outcome, cancelledBecause.reason);
    else if (outcome) this.finish(outcome, finalStateReason(next, outcome));
    else this.publishSearchAttributes();
    return true;
  }

  /**
   * Sets the outcome; a later call may overrule it (a duplicate found by the final sweep). Since
   * OUTCOME_AFTER_FINAL_SWEEP_PATCH it is shown only once confirmed.
   */
  finish(outcome: PayoutOutcome, reason: string): void {
    this.view.outcome = outcome;
    this.view.outcomeReason = reason;
    this.view.phase = 'finished';
    this.view.nextPollAt = null;
    this.publishSearchAttributes();
    log.info('payout finished', {
      orderId: this.view.orderId,
      sessionId: this.view.sessionId,
      outcome,
      reason,
    });
  }

  /** Runs `body` once no other conversation with Fintecture is under way. */
  async exclusive<T>(body: () => Promise<T>): Promise<T> {
    await condition(() => !this.busy);
    this.busy = true;
    try {
      return await body();
    } finally {
      this.busy = false;
    }
  }

  get idle(): boolean {
    return !this.busy;
  }

  countFinished(): void {
    // A sink call, not a command: skipped on replay, so it neither double-counts nor affects determinism.
    metricMeter
      .createCounter('payouts_finished', '1', 'Payouts that reached a final outcome, by outcome')
      .add(1, { outcome: this.view.outcome ?? 'NEEDS_REVIEW', scenario: scenarioLabel(this.view.scenario) });
  }

  private publishSearchAttributes(): void {
    if (this.outcomeHeld) return;
    const view = this.view;
    const status = payoutSearchStatus({
      outcome: view.outcome,
      creating: view.phase === 'creating',
      awaitingPayee: this.awaitingPayee(),
    });
    const attributes = [
      { key: PayoutStatus, value: status },
      { key: PayoutScenario, value: scenarioLabel(view.scenario) },
      ...(view.sessionId ? [{ key: PayoutSessionId, value: view.sessionId }] : []),
      ...(view.transferState ? [{ key: PayoutTransferState, value: view.transferState }] : []),
    ];
    if (this.budgeted) {
      // Each upsert is a command, an event and visibility writes: only a change is worth them.
      const published = JSON.stringify(attributes.map(({ key, value }) => [key.name, value]));
      if (published === this.published) return;
      this.published = published;
    }
    upsertSearchAttributes(attributes);
  }

  private record(source: TimelineSource): void {
    const view = this.view;
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
}
