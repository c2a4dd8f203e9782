import { Context } from '@temporalio/activity';
import { type Logger } from '@temporalio/common';
import { parsePayoutRequest, type PayoutRequestInput, payoutScenarioOf } from '../domain/payout-request';
import { sameAmount } from '../domain/money';
import { type CancelOutcome, type CreatedPayout, type PayoutSnapshot } from '../domain/payout-snapshot';
import { type FintectureApi, type PaymentRecord } from './fintecture/client';
import { type FintectureConfig } from './fintecture/config';
import { toActivityFailure } from './failures';
import { buildCreatePayoutCall } from './payout-create-request';
import {
  PayoutReconciliationInconclusiveError,
  PayoutReconciliationMismatchError,
  PayoutRequestInvalidError,
} from './payout-errors';
import { findPayoutSession } from './payout-reconciliation';
import { payoutReferencesFor } from './payout-references';

export interface PayoutActivitiesDependencies {
  client: FintectureApi;
  config: Pick<FintectureConfig, 'redirectUri' | 'reconciliation'>;
  logger: Logger;
}

/**
 * The payout activities, bound to their dependencies. Each turns typed failures into `ApplicationFailure`s
 * (see `failures.ts`); none returns a token or personal data.
 */
export function createPayoutActivities({ client, config, logger }: PayoutActivitiesDependencies) {
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

  return {
    /** Makes sure this worker holds a valid token. Only the expiry goes back to the workflow. */
    async ensureAccessToken(): Promise<{ expiresAt: string }> {
      return activity(async (context) => {
        const { expiresAt } = await client.ensureAccessToken(context.cancellationSignal);
        return { expiresAt: new Date(expiresAt).toISOString() };
      });
    },

    /**
     * Creates the order's payout exactly once. Before sending, it looks for a session an earlier attempt (or
     * a reset workflow) may have created: one filtered lookup on attempt 1, a full reconciliation on every
     * retry, since the previous attempt may have committed before failing. Adopts what it finds.
     */
    async createPayout(input: PayoutRequestInput): Promise<CreatedPayout> {
      return activity(async (context) => {
        const parsed = parsePayoutRequest(input);
        if (!parsed.ok) throw new PayoutRequestInvalidError(parsed.issues);
        const request = parsed.request;
        const references = payoutReferencesFor(request.orderId);
        const scenario = payoutScenarioOf(request);
        const attempt = context.info.attempt;
        const signal = context.cancellationSignal;

        const lookup = await findPayoutSession(client, references, {
          mode: attempt > 1 ? 'full' : 'quick',
          maxPages: config.reconciliation.maxPages,
          pageSize: config.reconciliation.pageSize,
          signal,
          onPage: (page) => context.heartbeat({ reconciliationPage: page }),
        });
        if (lookup.outcome === 'inconclusive') {
          throw new PayoutReconciliationInconclusiveError(request.orderId, lookup.pagesRead);
        }
        if (lookup.outcome === 'found') {
          const session = lookup.session;
          const amountDiffers = session.amount !== null && !sameAmount(session.amount, request.amount);
          const currencyDiffers = session.currency !== null && session.currency !== request.currency;
          if (amountDiffers || currencyDiffers) {
            throw new PayoutReconciliationMismatchError(request.orderId, session.sessionId);
          }
          logger.info('Fintecture payout adopted', {
            orderId: request.orderId,
            sessionId: session.sessionId,
            attempt,
            pagesRead: lookup.pagesRead,
          });
          return adopted(session, scenario, references.state, references.endToEndId);
        }

        const created = await client.createPayout(
          buildCreatePayoutCall(request, references, config.redirectUri),
          signal,
        );
        logger.info('Fintecture payout created', {
          orderId: request.orderId,
          sessionId: created.sessionId,
          attempt,
        });
        return {
          sessionId: created.sessionId,
          sessionStatus: created.sessionStatus,
          scenario,
          connectUrl: created.connectUrl,
          transferState: created.transferState,
          state: references.state,
          endToEndId: references.endToEndId,
          adopted: false,
        };
      });
    },

    /** The payment as Fintecture sees it now: the source of truth for the workflow. */
    async fetchPayout(sessionId: string): Promise<PayoutSnapshot> {
      return activity(async (context) =>
        snapshotOf(await client.getPayment(sessionId, context.cancellationSignal)),
      );
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
  };
}

function adopted(
  session: PaymentRecord,
  scenario: CreatedPayout['scenario'],
  state: string,
  endToEndId: string,
): CreatedPayout {
  return {
    sessionId: session.sessionId,
    sessionStatus: session.sessionStatus,
    scenario,
    connectUrl: session.connectUrl,
    transferState: session.transferState,
    state,
    endToEndId,
    adopted: true,
  };
}
