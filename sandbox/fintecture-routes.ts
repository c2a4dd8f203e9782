import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest, notFound } from './api-error';
import type { SandboxContext } from './context';
import { header, json, type Reply } from './http-io';
import { documentedPaymentList, friendlyPaymentList } from './payment-list';
import { parsePayoutRequest } from './payout-request';
import { createdResponse, documentedResource, paymentResource, payoutRead } from './representation';
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

const documented = (ctx: SandboxContext) => ctx.settings.profile === 'documented';

/** A session as `GET /pis/v2/payments/{id}` and the cancel answer show it, per profile. */
function readOf(ctx: SandboxContext, sessionId: string) {
  const payout = ctx.ledger.get(sessionId);
  if (!documented(ctx)) {
    if (!payout) throw notFound(`No payment session ${sessionId}`);
    return paymentResource(payout);
  }
  const read = payout ? payoutRead(payout) : ctx.foreign.get(sessionId)?.read;
  if (!read) throw notFound(`No payment session ${sessionId}`);
  return documentedResource(read);
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
      const profile = ctx.settings.profile;
      const payout = ctx.ledger.create(request, { keepClientEndToEndId: profile === 'friendly' });
      ctx.log(`payout created session=${payout.sessionId} scenario=${payout.scenario}`);
      if (profile === 'documented') ctx.foreign.afterCreate(request);
      return json(201, createdResponse(payout, `${ctx.baseUrl}/pay/${payout.sessionId}`, profile));
    },
  },
  {
    name: 'fetch',
    method: 'GET',
    pattern: new RegExp(`^/pis/v2/payments/${SESSION_ID}$`),
    signed: true,
    handle(ctx, { params }) {
      return json(200, readOf(ctx, params[0] ?? ''));
    },
  },
  {
    name: 'list',
    method: 'GET',
    pattern: /^\/pis\/v2\/payments$/,
    signed: true,
    handle(ctx, { url }) {
      return json(200, documented(ctx) ? documentedPaymentList(ctx, url) : friendlyPaymentList(ctx, url));
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
      const sessionId = params[0] ?? '';
      if (documented(ctx) && !ctx.ledger.get(sessionId) && ctx.foreign.get(sessionId)) {
        ctx.foreign.cancel(sessionId);
        ctx.log(`foreign session cancelled session=${sessionId}`);
      } else {
        ctx.ledger.cancel(sessionId);
        ctx.log(`payout cancelled session=${sessionId}`);
      }
      return json(200, readOf(ctx, sessionId));
    },
  },
];
