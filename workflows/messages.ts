/**
 * The PayoutWorkflow's public contract: its ID, input, result, signal, queries and updates. Shared by the
 * workflow, the ingress and the CLI, so it holds definitions only (no workflow logic, no I/O).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PayoutRequest } from '../domain/payout-request';
import type {
  PayoutScenario,
  SessionStatus,
  TransferState,
  UnrecognisedStates,
} from '../domain/session-states';
import type { PayoutSettings } from '../domain/payout-settings';
import type { OrderNotification } from '../domain/order-events';
import type { PayoutOutcome } from '../domain/outcomes';

export type { PayoutOutcome };

export const PAYOUT_WORKFLOW_TYPE = 'PayoutWorkflow';

export { payoutWorkflowId } from '../domain/identifiers';

export interface PayoutWorkflowInput {
  order: PayoutRequest;
  /** Poll schedule, deadlines and final sets; fixed at start so a replay sees the same values. */
  settings: PayoutSettings;
  /** Set only by continue-as-new: where the previous run left off. */
  resume?: PayoutCarriedState;
  /** The start token of the call that started the workflow (see `AwaitCreatedAnswer`). */
  startToken?: string;
}

export type PayoutPhase = 'creating' | 'waiting' | 'finished';
export type TimelineSource = 'create' | 'webhook' | 'redirect' | 'poll' | 'operator';

export interface TimelineEntry {
  at: string;
  source: TimelineSource;
  sessionStatus: SessionStatus | null;
  transferState: TransferState | null;
  transferReason?: string | null;
}

/** A quiet wait's watch as the Temporal server reports it: its reads so far, and the next. */
export interface WatchProgress {
  /** Reads of the running watch (its attempts after the first): none showed anything new; a failed one counts. */
  reads: number;
  lastReadAt: string | null;
  /** Null while a read is queued behind the read budget or under way. */
  nextReadAt: string | null;
}

/** What the `status` query answers: the payout as the workflow sees it. No personal data. */
export interface PayoutStatusView {
  orderId: string;
  workflowId: string;
  scenario: PayoutScenario;
  phase: PayoutPhase;
  sessionId: string | null;
  sessionStatus: SessionStatus | null;
  transferState: TransferState | null;
  transferReason: string | null;
  connectUrl: string | null;
  endToEndId: string | null;
  executionDate: string | null;
  outcome: PayoutOutcome | null;
  /** Why the outcome is what it is, for operators (`link_expired`, `poll_schedule_exhausted`, …). */
  outcomeReason: string | null;
  timeline: TimelineEntry[];
  /** Reads the workflow applied (looks, and watch reads that showed something new). */
  polls: number;
  /** The next read: the workflow's poll timer, or (filled by the payout service) its watch's next read. */
  nextPollAt: string | null;
  /**
   * Never set by the workflow: the payout service fills it from the pending `watchSession` activity of a
   * quiet wait (client/payouts/watch-progress.ts), whose unchanged reads leave no trace in the history.
   */
  watch?: WatchProgress | null;
  /**
   * What the latest read showed that the status model does not rank (a new or unexpected status), verbatim.
   * It moves nothing; a payout still showing it at its deadline ends NEEDS_REVIEW naming it.
   */
  unrecognised?: UnrecognisedStates | null;
  /**
   * Other sessions carrying this order's reference: every candidate for `create_ambiguous`, the duplicates
   * for `duplicate_payout`.
   */
  otherSessionIds?: string[];
  /** Duplicate sessions found and cancelled at Fintecture before any money left. */
  cancelledDuplicateSessionIds?: string[];
  /**
   * Outcome events to the order system (patch `notify-order-system`), in the order they were sent, with
   * their delivery status; absent on payouts started before it.
   */
  notifications?: OrderNotification[];
  /**
   * The order's amount, currency and language, for the payee's return page (no personal data). Absent on
   * payouts started before they were added: the page then omits the amount and speaks English.
   */
  amount?: string | null;
  currency?: string | null;
  language?: string | null;
}

/** The workflow's state carried across continue-as-new (the view plus loop bookkeeping). */
export interface PayoutCarriedState {
  view: PayoutStatusView;
  seenEventIds: string[];
  pollIndex: number;
  /** When the current wait began (creation, or the payee's action); bounds it by `maxWaitSeconds`. */
  waitStartedAt: string | null;
  /** Scenario 1 while the payee has not acted: link expiry plus grace. */
  linkDeadline: string | null;
}

/** The workflow's result: its final view (so a closed payout reads the same as a running one). */
export type PayoutResult = PayoutStatusView & { outcome: PayoutOutcome; phase: 'finished' };

/** The view of a payout that has just started, before anything was created at Fintecture. */
export function initialPayoutView(
  orderId: string,
  workflowId: string,
  scenario: PayoutScenario,
  order?: Pick<PayoutRequest, 'amount' | 'currency' | 'language'>,
): PayoutStatusView {
  return {
    orderId,
    workflowId,
    scenario,
    phase: 'creating',
    sessionId: null,
    sessionStatus: null,
    transferState: null,
    transferReason: null,
    connectUrl: null,
    endToEndId: null,
    executionDate: null,
    outcome: null,
    outcomeReason: null,
    timeline: [],
    polls: 0,
    nextPollAt: null,
    unrecognised: null,
    otherSessionIds: [],
    cancelledDuplicateSessionIds: [],
    amount: order?.amount ?? null,
    currency: order?.currency ?? null,
    language: order?.language ?? null,
  };
}

/**
 * A webhook or a payee redirect, as the ingress passes it on. It only says "look now": the workflow
 * confirms every change by fetching the payment from Fintecture (G4).
 */
export interface PayoutEvent {
  source: 'webhook' | 'redirect';
  sessionId: string;
  status?: string;
  transferState?: string;
  /** Webhooks: the X-Request-ID (the same on every retry of one delivery); redirects: a digest of the query. */
  eventId: string;
  receivedAt: string;
}

export const payoutEventSignal = defineSignal<[PayoutEvent]>('payoutEvent');
export const statusQuery = defineQuery<PayoutStatusView>('status');

/** `awaitCreated`'s request: the caller's start token (a random ID, no data), when it started the workflow. */
export interface AwaitCreatedRequest {
  startToken?: string;
}

/**
 * The view once the session exists. `startedByCaller`: whether the caller's token is the one this workflow was
 * started with, so the ingress needs no describe to tell a new order from a repeated one; absent when either
 * side has no token (payouts started before it, or after a continue-as-new).
 */
export type AwaitCreatedAnswer = PayoutStatusView & { startedByCaller?: boolean };

/**
 * Resolves once the payout was created at Fintecture (or failed to be): update-with-start uses it. Histories
 * recorded before the request existed called it with no argument: the handler tolerates that.
 */
export const awaitCreatedUpdate = defineUpdate<AwaitCreatedAnswer, [request: AwaitCreatedRequest]>(
  'awaitCreated',
);

export interface CancelRequest {
  /** Free text for the timeline and logs: who asked (an operator, the order system). No personal data. */
  requestedBy: string;
}
export interface CancelResult {
  cancelled: boolean;
  message: string;
  status: PayoutStatusView;
}
/** Cancels before money leaves; the validator refuses (with a message) once it cannot be cancelled. */
export const cancelUpdate = defineUpdate<CancelResult, [CancelRequest]>('cancel');
