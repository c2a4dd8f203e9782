import { createHash, randomBytes } from 'node:crypto';
import { type FastifyInstance, type FastifyReply } from 'fastify';
import { SESSION_STATUSES } from '../../../domain/payout-snapshot';
import { type PayoutEvent, type PayoutStatusView } from '../../../workflows/messages';
import { codeOrUndefined, orderIdFromState } from '../event-fields';
import { type IngressContext } from '../server';
import { errorFields } from '../../logger';
import { progressAnswer } from '../../payouts/payout-answers';
import { pageHeaders, renderMessagePage, renderProgressPage } from './return-page';
import { TemporalUnavailableError } from '../../payouts/temporal-errors';

export const RETURN_PATH = '/payouts/return';
export const RETURN_STATUS_PATH = '/payouts/return/status';

const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;

type ReturnQuery = Record<string, string | string[] | undefined>;

interface CheckedReturn {
  orderId: string;
  sessionId: string;
  view: PayoutStatusView;
}

/** A digest of the whole query: the same redirect loaded twice is one event. */
export function redirectEventId(rawQuery: string): string {
  const params = [...new URLSearchParams(rawQuery)].sort(([a, av], [b, bv]) =>
    a === b ? av.localeCompare(bv) : a.localeCompare(b),
  );
  const canonical = new URLSearchParams(params).toString();
  return `redirect-${createHash('sha256').update(canonical).digest('hex').slice(0, 40)}`;
}

function single(query: ReturnQuery, name: string): string | null {
  const value = query[name];
  return typeof value === 'string' ? value : null;
}

/** The redirect's `status` when it is a documented session status: a hint, never a fact. */
function validHint(query: ReturnQuery): string | null {
  const status = codeOrUndefined(single(query, 'status'));
  return status && (SESSION_STATUSES as readonly string[]).includes(status) ? status : null;
}

/**
 * The payee's way back from Fintecture (`redirect_uri`, fintecture-api.md §8). The query is unsigned: it
 * must name one of our payouts and its session, and then it is only a prompt for the workflow to look.
 */
export function registerReturnRoutes(app: FastifyInstance, context: IngressContext): void {
  const { payouts, logger, metrics, recentEvents, clock, merchantDisplayName } = context;

  /** Finds the payout the query names, or answers the right page itself and returns null. */
  async function checkReturn(
    query: ReturnQuery,
    requestId: string,
    refuse: (status: number, title: string, message: string) => FastifyReply,
  ): Promise<CheckedReturn | null> {
    const orderId = orderIdFromState(single(query, 'state'));
    const sessionId = single(query, 'session_id');
    if (!orderId || !sessionId || !SESSION_ID_PATTERN.test(sessionId)) {
      refuse(400, 'Invalid link', 'This link is not valid. Please use the link the merchant sent you.');
      return null;
    }
    const view = await payouts.getPayout(orderId);
    // A known session must match: otherwise the query names someone else's payout.
    if (!view || (view.sessionId !== null && view.sessionId !== sessionId)) {
      logger.warn('return_unknown_payout', { requestId, orderId, sessionId, found: view !== null });
      refuse(404, 'Payout not found', 'We could not find this payout. Please contact the merchant.');
      return null;
    }
    return { orderId, sessionId, view };
  }

  void app.register(async (scope) => {
    scope.get<{ Querystring: ReturnQuery }>(RETURN_PATH, async (request, reply) => {
      const nonce = randomBytes(16).toString('base64');
      const page = (status: number, html: string) =>
        reply.code(status).headers(pageHeaders(nonce)).send(html);
      const refuse = (status: number, title: string, message: string) =>
        page(status, renderMessagePage(title, message, { nonce, merchant: merchantDisplayName }));

      try {
        const checked = await checkReturn(request.query, request.id, refuse);
        if (!checked) return reply;
        const { orderId, sessionId, view } = checked;

        const rawQuery = request.url.slice(request.url.indexOf('?') + 1);
        const eventId = redirectEventId(rawQuery);
        if (!recentEvents.has(eventId)) {
          const event: PayoutEvent = {
            source: 'redirect',
            sessionId,
            eventId,
            receivedAt: clock().toISOString(),
          };
          const status = validHint(request.query);
          if (status) event.status = status;
          const outcome = await payouts.signalEvent(event, orderId);
          recentEvents.remember(eventId);
          metrics.signals.inc({ source: 'redirect', outcome });
          logger.info(`redirect_${outcome}`, { requestId: request.id, orderId, sessionId, eventId });
        }

        const hint = validHint(request.query);
        const statusUrl = `${RETURN_STATUS_PATH}?${new URLSearchParams({
          state: `payout-${orderId}`,
          session_id: sessionId,
          ...(hint ? { status: hint } : {}),
        })}`;
        return page(
          200,
          renderProgressPage({
            view,
            hint,
            merchant: merchantDisplayName,
            statusUrl,
            reloadUrl: request.url,
            nonce,
            pollMs: context.returnPagePollMs,
          }),
        );
      } catch (error) {
        if (!(error instanceof TemporalUnavailableError)) throw error;
        logger.warn('return_unavailable', { requestId: request.id, ...errorFields(error) });
        return page(
          503,
          renderMessagePage('Please wait', 'We cannot show your payout right now. This page will retry.', {
            nonce,
            refresh: true,
            merchant: merchantDisplayName,
          }),
        );
      }
    });

    scope.get<{ Querystring: ReturnQuery }>(RETURN_STATUS_PATH, async (request, reply) => {
      const refuse = (status: number) =>
        reply.code(status).send({ error: status === 400 ? 'invalid_request' : 'not_found' });
      const checked = await checkReturn(request.query, request.id, refuse);
      if (!checked) return reply;
      return reply
        .header('cache-control', 'no-store')
        .send(progressAnswer(checked.view, validHint(request.query)));
    });
  });
}
