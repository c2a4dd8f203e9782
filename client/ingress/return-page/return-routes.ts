import { createHash, randomBytes } from 'node:crypto';
import { type FastifyInstance, type FastifyReply } from 'fastify';
import { type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SESSION_ID_PATTERN } from '../../../domain/identifiers';
import { SESSION_STATUSES } from '../../../domain/session-states';
import { type PayoutEvent, type PayoutStatusView } from '../../../workflows/messages';
import { orderIdFromState } from '../../../domain/identifiers';
import { codeOrUndefined } from '../event-fields';
import { ANSWER_SCHEMAS, errorAnswer, html, LIMITED_ROUTE_ANSWERS, TEMPORAL_DOWN_ANSWER } from '../openapi';
import { type IngressContext } from '../server';
import { errorFields } from '../../logger';
import { progressAnswer } from './progress-answer';
import { pageHeaders, renderMessagePage, renderProgressPage } from './return-page';
import { TemporalUnavailableError } from '../../payouts/temporal-errors';

export const RETURN_PATH = '/payouts/return';
export const RETURN_STATUS_PATH = '/payouts/return/status';

const { ProgressAnswer } = ANSWER_SCHEMAS;

/** Fintecture's redirect query. Unsigned: it only names a payout, and `state` must be one of ours. */
const ReturnQuery = z.object({
  state: z.string().describe('`payout-<orderId>`, as sent to Fintecture'),
  session_id: z.string().regex(SESSION_ID_PATTERN).describe("Fintecture's session ID; must be the payout's"),
  // A hint only, so a repeated or odd one is dropped rather than refused.
  status: z
    .string()
    .optional()
    .catch(undefined)
    .describe(
      'the session status Fintecture reports (a hint only: the workflow reads it again; the page may show ' +
        '"received, confirming…" until the workflow confirms)',
    ),
});
type ReturnQuery = z.output<typeof ReturnQuery>;

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

/** The redirect's `status` when it is a documented session status: a hint, never a fact. */
function validHint(query: ReturnQuery): string | null {
  const status = codeOrUndefined(query.status);
  return status && (SESSION_STATUSES as readonly string[]).includes(status) ? status : null;
}

/**
 * The payee's way back from Fintecture (`redirect_uri`, fintecture-api.md §8). The query is unsigned: it
 * must name one of our payouts and its session, and then it is only a prompt for the workflow to look.
 */
export function registerReturnRoutes(app: FastifyInstance, context: IngressContext): void {
  const { payouts, logger, metrics, recentEvents, clock, merchantDisplayName } = context;

  /**
   * Finds the payout the query names, or answers the right page itself and returns null. `query` is null when
   * the route's schema refused it: the page, not the error handler, says so.
   */
  async function checkReturn(
    query: ReturnQuery | null,
    requestId: string,
    refuse: (status: 400 | 404, title: string, message: string) => FastifyReply,
  ): Promise<CheckedReturn | null> {
    const orderId = query && orderIdFromState(query.state);
    if (!query || !orderId) {
      refuse(400, 'Invalid link', 'This link is not valid. Please use the link the merchant sent you.');
      return null;
    }
    const sessionId = query.session_id;
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
    const routes = scope.withTypeProvider<ZodTypeProvider>();
    const returnPage = {
      tags: ['payee'],
      operationId: 'payeeReturn',
      summary: "The payee's return page (Fintecture's `redirect_uri`)",
      description:
        'Checks `state` and `session_id`, signals a redirect event and shows a page that follows the ' +
        'payout (no personal data). HTML with a nonce-based Content-Security-Policy.',
      querystring: ReturnQuery,
      response: {
        200: html('The progress page.'),
        400: html('The link is not valid.'),
        404: html('No such payout, or another session.'),
        ...LIMITED_ROUTE_ANSWERS,
        503: html('Temporal is unreachable; the page refreshes itself.'),
      },
    };
    // attachValidation: a query the schema refuses is the handler's to answer (a page, not JSON).
    routes.get(RETURN_PATH, { schema: returnPage, attachValidation: true }, async (request, reply) => {
      const nonce = randomBytes(16).toString('base64');
      const page = (status: 200 | 400 | 404 | 503, body: string) =>
        reply.code(status).headers(pageHeaders(nonce)).send(body);
      const refuse = (status: 400 | 404, title: string, message: string) =>
        page(status, renderMessagePage(title, message, { nonce, merchant: merchantDisplayName }));

      try {
        const query = request.validationError ? null : request.query;
        const checked = await checkReturn(query, request.id, refuse);
        if (!query || !checked) return reply;
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
          const status = validHint(query);
          if (status) event.status = status;
          const outcome = await payouts.signalEvent(event, orderId);
          recentEvents.remember(eventId);
          metrics.signals.inc({ source: 'redirect', outcome });
          logger.info(`redirect_${outcome}`, { requestId: request.id, orderId, sessionId, eventId });
        }

        const hint = validHint(query);
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

    const returnStatus = {
      tags: ['payee'],
      operationId: 'payeeReturnStatus',
      summary: 'What the return page polls',
      querystring: ReturnQuery,
      response: {
        200: ProgressAnswer.describe('Where the payout stands.'),
        400: errorAnswer('invalid_request').describe('The query is not valid.'),
        404: errorAnswer('not_found').describe('No such payout, or another session.'),
        ...LIMITED_ROUTE_ANSWERS,
        ...TEMPORAL_DOWN_ANSWER,
      },
    };
    routes.get(
      RETURN_STATUS_PATH,
      { schema: returnStatus, attachValidation: true },
      async (request, reply) => {
        const refuse = (status: 400 | 404) =>
          status === 400
            ? reply.code(400).send({ error: 'invalid_request' })
            : reply.code(404).send({ error: 'not_found' });
        const query = request.validationError ? null : request.query;
        const checked = await checkReturn(query, request.id, refuse);
        if (!query || !checked) return reply;
        return reply.header('cache-control', 'no-store').send(progressAnswer(checked.view, validHint(query)));
      },
    );
  });
}
