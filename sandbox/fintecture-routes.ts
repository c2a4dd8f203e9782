import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest, notFound } from './api-error';
import type { SandboxContext } from './context';
import { header, json, type Reply } from './http-io';
import { parsePayoutRequest } from './payout-request';
import { createdResponse, paymentListItem, paymentResource } from './representation';
import { SignatureRejected, verifyRequestSignature } from './request-signature';

export type ApiRouteName = 'token' | 'create' | 'fetch' | 'list' | 'cancel';

export interface ApiRequest {
  req: IncomingMessage;
  url: URL;
  /** Path and query exactly as on the request line. */
  target: string;
  body: Buffer;
  params: string[];
}

export interface ApiRoute {
  name: ApiRouteName;
  method: string;
  pattern: RegExp;
  signed: boolean;
  handle(ctx: SandboxContext, request: ApiRequest): Reply;
}

const SESSION_ID = '([0-9a-f]{32})';

/** Token and signature checks of every route but the token route; returns the signature verdict for the log. */
export function authenticate(ctx: SandboxContext, request: ApiRequest): string {
  ctx.tokens.check(header(request.req, 'authorization'));
  try {
    const verdict = verifyRequestSignature(
      {
        method: request.req.method ?? 'GET',
        target: request.target,
        headers: request.req.headers,
        body: request.body,
      },
      {
        mode: ctx.settings.signatures,
        appId: ctx.credentials.appId,
        merchantPublicKey: ctx.credentials.merchantPublicKey,
        dateToleranceSeconds: ctx.settings.dateToleranceSeconds,
        now: Date.now(),
      },
    );
    return verdict.result;
  } catch (error) {
    if (error instanceof SignatureRejected) {
      throw Object.assign(
        new ApiError(401, [{ code: 'invalid_signature', title: 'Unauthorized', message: error.message }]),
        {
          signatureVerdict: `invalid: ${error.message}`,
        },
      );
    }
    throw error;
  }
}

function pageParam(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw badRequest('invalid_field', `The value or format of field [${name}] is incorrect: 1 to ${max}`);
  }
  return value;
}

export const API_ROUTES: ApiRoute[] = [
  {
    name: 'token',
    method: 'POST',
    pattern: /^\/oauth\/accesstoken$/,
    signed: false,
    handle(ctx, { req, body }) {
      const form = new URLSearchParams(body.toString('utf8'));
      return json(200, ctx.tokens.issue(header(req, 'authorization'), form, ctx.settings.tokenTtlSeconds));
    },
  },
  {
    name: 'create',
    method: 'POST',
    pattern: /^\/pis\/v2\/request-for-payout$/,
    signed: true,
    handle(ctx, { req, url, body }) {
      const request = parsePayoutRequest(
        url.searchParams,
        { language: header(req, 'x-language'), country: header(req, 'x-country') },
        body,
        ctx.config.redirectUris,
      );
      const payout = ctx.ledger.create(request);
      ctx.log(`payout created session=${payout.sessionId} scenario=${payout.scenario}`);
      return json(201, createdResponse(payout, `${ctx.baseUrl}/pay/${payout.sessionId}`));
    },
  },
  {
    name: 'fetch',
    method: 'GET',
    pattern: new RegExp(`^/pis/v2/payments/${SESSION_ID}$`),
    signed: true,
    handle(ctx, { params }) {
      const payout = ctx.ledger.get(params[0] ?? '');
      if (!payout) throw notFound(`No payment session ${params[0]}`);
      return json(200, paymentResource(payout));
    },
  },
  {
    name: 'list',
    method: 'GET',
    pattern: /^\/pis\/v2\/payments$/,
    signed: true,
    handle(ctx, { url }) {
      const q = url.searchParams;
      const honour = ctx.settings.listFilters === 'honoured';
      const matches = ctx.ledger.list({
        status: q.get('filter[status]') ?? undefined,
        state: honour ? (q.get('filter[state]') ?? undefined) : undefined,
        endToEndId: honour ? (q.get('filter[end_to_end_id]') ?? undefined) : undefined,
      });
      const size = pageParam(url, 'page[size]', 20, 100);
      const number = pageParam(url, 'page[number]', 1, 1_000_000);
      const totalPages = Math.max(1, Math.ceil(matches.length / size));
      return json(200, {
        meta: { total: matches.length, totalPages, page: number, size },
        data: matches.slice((number - 1) * size, number * size).map(paymentListItem),
      });
    },
  },
  {
    name: 'cancel',
    method: 'PATCH',
    pattern: new RegExp(`^/pis/v2/payments/${SESSION_ID}$`),
    signed: true,
    handle(ctx, { params, body }) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw badRequest('invalid_body', 'The request body is not valid JSON');
      }
      const status = (parsed as { meta?: { status?: unknown } } | null)?.meta?.status;
      if (status === undefined)
        throw badRequest('mandatory_field_missing', 'The field [meta.status] is mandatory', '/meta/status');
      if (status !== 'payment_cancelled') {
        throw badRequest(
          'invalid_field',
          'The value or format of field [meta.status] is incorrect: only payment_cancelled is supported',
          '/meta/status',
        );
      }
      const payout = ctx.ledger.cancel(params[0] ?? '');
      ctx.log(`payout cancelled session=${payout.sessionId}`);
      return json(200, paymentResource(payout));
    },
  },
];
