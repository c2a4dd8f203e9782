import { Context } from '@temporalio/activity';
import { type Logger } from '@temporalio/common';
import {
  parsePayoutRequest,
  type PayoutRequestInput,
  payoutScenarioOf,
  type PayoutRequest,
} from '../domain/payout-request';
import { sameAmount } from '../domain/money';
import { type CancelOutcome, type CreatedPayout, type PayoutSnapshot } from '../domain/payout-session';
import {
  type CreateSessionResult,
  type DuplicateSweepResult,
  readShowsChange,
  type SessionIdentification,
  type SessionWatchRequest,
} from '../domain/activity-facts';
import { watchDelaySeconds } from '../domain/payout-decisions';
import { type PayoutScenario } from '../domain/session-states';
import { isCancellable } from '../domain/status-model';
import { type CreatedSession, type FintectureApi, type PaymentRecord } from './fintecture/client';
import { type FintectureConfig } from './fintecture/config';
import { type OrderWebhookConfig } from '../common/order-webhooks';
import { createNotifyActivities } from './notify-activities';
import { toActivityFailure } from './failures';
import { buildCreatePayoutCall } from './payout-create-request';
import {
  PayoutReconciliationInconclusiveError,
  PayoutReconciliationMismatchError,
  PayoutRequestInvalidError,
  SessionUnchangedError,
} from './payout-errors';
import { CoalescedSessionSearch } from './coalesced-session-search';
import { ReadBackoff } from './read-backoff';
import { isSessionFor } from './payout-reconciliation';
import { payoutReferencesFor, type PayoutReferences } from './payout-references';

export interface PayoutActivitiesDependencies {
  client: FintectureApi;
  config: Pick<FintectureConfig, 'redirectUri' | 'reconciliation' | 'ambiguousRetryDelayMs'>;
  logger: Logger;
  /** Outcome events to the order system (NOTIFY_WEBHOOK_*); absent or null: not configured, none sent. */
  notify?: OrderWebhookConfig | null;
}

/** How often a long step (the late-commit wait, the POST) tells Temporal it is alive. */
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * The payout activities, bound to their dependencies. Each turns typed failures into `ApplicationFailure`s
 * (see `failures.ts`); none returns a token or personal data.
 */
export function createPayoutActivities({
  client,
  config,
  logger,
  notify = null,
}: PayoutActivitiesDependencies) {
  /** Runs an activity body; converts typed failures; lets a cancellation through as Temporal raised it. */
  async function activity<T>(body: (context: Context) => Promise<T>): Promise<T> {
    const context = Context.current();
    try {
      return await body(context);
    } catch (error) {
      if (context.cancellationSignal.aborted) throw error;
      throw toActivityFailure(error);
    }
  }

  function requestOf(input: PayoutRequestInput): PayoutRequest {
    const parsed = parsePayoutRequest(input);
    if (!parsed.ok) throw new PayoutRequestInvalidError(parsed.issues);
    return parsed.request;
  }

  // A 429 on a read holds this worker's next reads back until its Retry-After.
  const reads = new ReadBackoff();

  // One read of the payment list answers every search this worker asked for before it began.
  const searches = new CoalescedSessionSearch(client, {
    maxPages: config.reconciliation.maxPages,
    pageSizeHint: config.reconciliation.pageSize,
  });

  function search(context: Context, references: PayoutReferences) {
    return searches.search(references, {
      signal: context.cancellationSignal,
      onPage: (page) => context.heartbeat({ stage: page === 0 ? 'search-queued' : 'search', page }),
    });
  }

  /**
   * Before an attempt that follows another, wait for a create the earlier attempt may have sent to commit,
   * so the search can see it. Every retry waits: a timeout on the server side or a crashed worker leaves no
   * trace of whether the POST went out. Heartbeats so the wait is not taken for a hung worker.
   */
  async function waitForLateCommit(context: Context): Promise<void> {
    let remaining = config.ambiguousRetryDelayMs;
    while (remaining > 0) {
      context.heartbeat({ stage: 'late-commit-wait', remainingMs: remaining });
      const step = Math.min(remaining, HEARTBEAT_EVERY_MS);
      await context.sleep(step);
      remaining -= step;
    }
  }

  /** The POST, heartbeating while it runs (a slow answer is not a dead worker). */
  async function post(context: Context, request: PayoutRequest, references: PayoutReferences) {
    context.heartbeat({ stage: 'create' });
    const beat = setInterval(() => context.heartbeat({ stage: 'create' }), HEARTBEAT_EVERY_MS);
    try {
      return await client.createPayout(
        buildCreatePayoutCall(request, references, config.redirectUri),
        context.cancellationSignal,
      );
    } finally {
      clearInterval(beat);
    }
  }

  /**
   * The guide's scenario-1 answer has no status (§4): learn it by reading the session. A failed read is
   * not a failed create — the session exists — so the status stays unknown and the first poll learns it.
   */
  async function withStatus(context: Context, created: CreatedSession): Promise<CreatedSession> {
    if (created.sessionStatus !== null || created.unrecognised) return created;
    try {
      const read = await client.getPayment(created.sessionId, context.cancellationSignal);
      return {
        ...created,
        sessionStatus: read.sessionStatus,
        transferState: created.transferState ?? read.transferState,
        // The guide's scenario-1 answer has none; Fintecture keeps its own, not ours (§4).
        endToEndId: created.endToEndId ?? read.endToEndId,
        unrecognised: read.unrecognised,
      };
    } catch (error) {
      if (context.cancellationSignal.aborted) throw error;
      logger.warn('Fintecture payout created; its first read failed', { sessionId: created.sessionId });
      return created;
    }
  }

  /**
   * Creates the order's payout exactly once and says what it established. Every attempt first searches the
   * whole payment list for the order's reference; after an earlier attempt, it waits for a late commit
   * first. It sends a create only when the search proved there is none.
   */
  async function createSession(context: Context, input: PayoutRequestInput): Promise<CreateSessionResult> {
    const request = requestOf(input);
    const references = payoutReferencesFor(request.orderId);
    const scenario = payoutScenarioOf(request);
    const attempt = context.info.attempt;
    if (attempt > 1) await waitForLateCommit(context);

    const found = await search(context, references);
    const facts = { orderId: request.orderId, attempt, pagesRead: found.pagesRead };
    if (found.candidates.length > 1) {
      const sessionIds = found.candidates.map((session) => session.sessionId).sort();
      logger.warn('Several Fintecture sessions carry the order reference', { ...facts, sessionIds });
      return { kind: 'ambiguous', sessionIds };
    }
    const [session] = found.candidates;
    if (session) {
      if (!matchesRequest(session, request)) {
        logger.warn('The session found for the order has another amount or currency', {
          ...facts,
          sessionId: session.sessionId,
        });
        return { kind: 'mismatch', sessionId: session.sessionId };
      }
      // Even from an incomplete search: the reference is unique to the order, so this is its session.
      logger.info('Fintecture payout adopted', { ...facts, sessionId: session.sessionId });
      return { kind: 'adopted', session: adopted(session, scenario, references), attempt };
    }
    if (found.outcome === 'incomplete') {
      logger.warn('Could not read the whole payment list: not creating', facts);
      return { kind: 'search_incomplete', pagesRead: found.pagesRead };
    }

    const created = await withStatus(context, await post(context, request, references));
    logger.info('Fintecture payout created', { ...facts, sessionId: created.sessionId });
    return {
      kind: 'created',
      session: {
        sessionId: created.sessionId,
        sessionStatus: created.sessionStatus,
        scenario,
        connectUrl: created.connectUrl,
        transferState: created.transferState,
        state: references.state,
        endToEndId: created.endToEndId ?? references.endToEndId,
        adopted: false,
        unrecognised: created.unrecognised,
      },
      attempt,
    };
  }

  return {
    ...createNotifyActivities({ config: notify, logger }),

    /** Makes sure this worker holds a valid token. Only the expiry goes back to the workflow. */
    async ensureAccessToken(): Promise<{ expiresAt: string }> {
      return activity(async (context) => {
        const { expiresAt } = await client.ensureAccessToken(context.cancellationSignal);
        return { expiresAt: new Date(expiresAt).toISOString() };
      });
    },

    /** See `createSession`. Returns facts; throws only typed Fintecture failures (retried or final). */
    async createPayoutSession(input: PayoutRequestInput): Promise<CreateSessionResult> {
      return activity((context) => createSession(context, input));
    },

    /**
     * The contract of workflows started before `createPayoutSession` existed: the created or adopted
     * session, or a non-retryable failure where the new activity states a fact.
     */
    async createPayout(input: PayoutRequestInput): Promise<CreatedPayout> {
      return activity(async (context) => {
        const result = await createSession(context, input);
        const orderId = requestOf(input).orderId;
        switch (result.kind) {
          case 'created':
          case 'adopted':
            // Those workflows expect a status: the documented one of a fresh session (§9).
            return {
              ...result.session,
              sessionStatus:
                result.session.sessionStatus ??
                (result.session.scenario === 1 ? 'iban_required' : 'payment_created'),
            };
          case 'mismatch':
            throw new PayoutReconciliationMismatchError(orderId, result.sessionId);
          case 'ambiguous':
            throw new PayoutReconciliationInconclusiveError(orderId, 0, result.sessionIds);
          case 'search_incomplete':
            throw new PayoutReconciliationInconclusiveError(orderId, result.pagesRead);
        }
      });
    },

    /**
     * Whether the session an event names (a webhook or redirect that arrived while the create was
     * unconfirmed) is this order's payout: read from Fintecture, never taken from the event.
     */
    async identifySession(args: {
      order: PayoutRequestInput;
      sessionId: string;
    }): Promise<SessionIdentification> {
      return activity(async (context) => {
        const request = requestOf(args.order);
        const references = payoutReferencesFor(request.orderId);
        const session = await reads.read(() => client.getPayment(args.sessionId, context.cancellationSignal));
        if (!isSessionFor(references, session) || !matchesRequest(session, request)) return { ours: false };
        logger.info('Fintecture payout identified from an event', {
          orderId: request.orderId,
          sessionId: session.sessionId,
        });
        return { ours: true, session: adopted(session, payoutScenarioOf(request), references) };
      });
    },

    /**
     * Looks for sessions other than `sessionId` that carry the order's reference (a create that committed
     * after its attempt gave up). One that can still be cancelled is cancelled; otherwise it is reported.
     */
    async sweepDuplicates(args: {
      order: PayoutRequestInput;
      sessionId: string;
    }): Promise<DuplicateSweepResult> {
      return activity(async (context) => {
        const request = requestOf(args.order);
        const references = payoutReferencesFor(request.orderId);
        const found = await search(context, references);
        const others = found.candidates.filter((session) => session.sessionId !== args.sessionId);
        const facts = { orderId: request.orderId, sessionId: args.sessionId };
        if (others.length === 0) {
          if (found.outcome === 'incomplete') return { outcome: 'incomplete', pagesRead: found.pagesRead };
          return { outcome: 'clean' };
        }
        const cancelled: string[] = [];
        const remaining: string[] = [];
        for (const other of others) {
          // Cancelled already (by an earlier sweep: Fintecture then shows transfer `cancelled` too).
          if (
            other.sessionStatus === 'payment_cancelled' &&
            (other.transferState === null || other.transferState === 'cancelled')
          ) {
            cancelled.push(other.sessionId);
            continue;
          }
          const result = isCancellable(other)
            ? await client.cancelPayment(other.sessionId, context.cancellationSignal)
            : { accepted: false as const };
          (result.accepted ? cancelled : remaining).push(other.sessionId);
        }
        logger.warn('Duplicate Fintecture payout found', { ...facts, cancelled, remaining });
        if (remaining.length > 0) return { outcome: 'duplicate', sessionIds: remaining.sort() };
        return { outcome: 'cancelled', cancelledSessionIds: cancelled.sort() };
      });
    },

    /** The payment as Fintecture sees it now: the source of truth for the workflow. */
    async fetchPayout(sessionId: string): Promise<PayoutSnapshot> {
      return activity(async (context) =>
        snapshotOf(await reads.read(() => client.getPayment(sessionId, context.cancellationSignal))),
      );
    },

    /**
     * A quiet wait (scenario 1 before the payee acts): one activity for the whole wait, its retries the reads.
     * Returns the first read that shows something the workflow does not know; until then every attempt fails
     * with `SessionUnchanged` and the delay to the next read (`delaysSeconds`), so an unchanged read adds
     * nothing to the history and goes through the read queue's budget like any read. Attempt 1 reads
     * nothing: the workflow has just looked.
     */
    async watchSession(watch: SessionWatchRequest): Promise<PayoutSnapshot> {
      return activity(async (context) => {
        const attempt = context.info.attempt;
        if (attempt > 1) {
          const read = snapshotOf(
            await reads.read(() => client.getPayment(watch.sessionId, context.cancellationSignal)),
          );
          if (readShowsChange(watch.known, read)) return read;
        }
        throw new SessionUnchangedError(attempt > 1, watchDelaySeconds(watch.delaysSeconds, attempt) * 1000);
      });
    },

    /**
     * Cancels a payout that has not left yet. Fintecture's refusal (money already on its way) is an answer,
     * not a failure. Safe to retry: a session already cancelled reads back as cancelled.
     */
    async cancelPayout(sessionId: string): Promise<CancelOutcome> {
      return activity(async (context) => {
        const signal = context.cancellationSignal;
        const result = await client.cancelPayment(sessionId, signal);
        if (result.accepted) {
          logger.info('Fintecture payout cancelled', { sessionId });
          return { cancelled: true, sessionStatus: result.sessionStatus ?? 'payment_cancelled' };
        }
        // A refusal after an earlier attempt's cancel went through is still a success.
        const current = await client.getPayment(sessionId, signal);
        if (current.sessionStatus === 'payment_cancelled') {
          return { cancelled: true, sessionStatus: current.sessionStatus };
        }
        logger.info('Fintecture refused to cancel payout', {
          sessionId,
          sessionStatus: current.sessionStatus,
        });
        return {
          cancelled: false,
          reason: 'not_cancellable',
          sessionStatus: current.sessionStatus,
          fintectureCodes: result.fintectureCodes,
        };
      });
    },
  };
}

export type PayoutActivities = ReturnType<typeof createPayoutActivities>;

function matchesRequest(session: PaymentRecord, request: PayoutRequest): boolean {
  const amountDiffers = session.amount !== null && !sameAmount(session.amount, request.amount);
  const currencyDiffers = session.currency !== null && session.currency !== request.currency;
  return !amountDiffers && !currencyDiffers;
}

function snapshotOf(record: PaymentRecord): PayoutSnapshot {
  return {
    sessionId: record.sessionId,
    sessionStatus: record.sessionStatus,
    transferState: record.transferState,
    transferReason: record.transferReason,
    amount: record.amount,
    currency: record.currency,
    communication: record.communication,
    endToEndId: record.endToEndId,
    executionDate: record.executionDate,
    scheme: record.scheme,
    unrecognised: record.unrecognised,
  };
}

function adopted(
  session: PaymentRecord,
  scenario: PayoutScenario,
  references: PayoutReferences,
): CreatedPayout {
  return {
    sessionId: session.sessionId,
    sessionStatus: session.sessionStatus,
    scenario,
    connectUrl: session.connectUrl,
    transferState: session.transferState,
    state: references.state,
    endToEndId: session.endToEndId ?? references.endToEndId,
    adopted: true,
    unrecognised: session.unrecognised,
  };
}
