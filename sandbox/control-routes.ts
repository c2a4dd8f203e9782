import { z } from 'zod';
import { ApiError } from './api-error';
import { runtimeSettingsSchema } from './config';
import type { SandboxContext } from './context';
import { faultSpecSchema } from './faults';
import { foreignControlView } from './foreign-sessions';
import { json, type Reply } from './http-io';
import { bicProblem, ibanProblem, normalizeIban } from './bank-details';
import { SESSION_STATUSES } from './ledger';
import { TRANSFER_STATES, type TransferState } from './outcomes';
import { controlView, webhookFields } from './representation';

const outcomeSchema = z
  .object({
    status: z.enum(SESSION_STATUSES).optional(),
    transferState: z.enum(TRANSFER_STATES as [TransferState, ...TransferState[]]).optional(),
    transferReason: z.string().max(64).optional(),
  })
  .strict()
  .refine((v) => v.status || v.transferState, { message: 'give status and/or transferState' });

const payeeSchema = z.object({ name: z.string().min(1).max(70), iban: z.string(), bic: z.string() }).strict();
const webhookUrlsSchema = z.object({ urls: z.array(z.url()) }).strict();
const webhookOverrideSchema = z.object({ fields: z.record(z.string(), z.string()).optional() }).strict();

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

function parse<T>(schema: z.ZodType<T>, body: Buffer): T {
  let value: unknown = {};
  if (body.length > 0) {
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw new ControlError(400, 'body is not valid JSON');
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ControlError(
      400,
      result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  }
  return result.data;
}

function payoutOr404(ctx: SandboxContext, sessionId: string) {
  const payout = ctx.ledger.get(sessionId);
  if (!payout) throw new ControlError(404, `no payout ${sessionId}`);
  return payout;
}

function publicInfo(ctx: SandboxContext) {
  return {
    baseUrl: ctx.baseUrl,
    appId: ctx.credentials.appId,
    signatures: ctx.settings.signatures,
    profile: ctx.settings.profile,
    config: { ...ctx.settings, webhookUrls: ctx.webhookUrls, redirectUris: ctx.config.redirectUris },
  };
}

/** The `/_sandbox/…` routes (sandbox/README.md "Control API"). `path` is relative to `/_sandbox`. */
export function handleControl(
  ctx: SandboxContext,
  method: string,
  path: string,
  query: URLSearchParams,
  body: Buffer,
): Reply {
  const route = `${method} ${path}`;
  let match: RegExpExecArray | null;
  try {
    if (route === 'GET /info') return json(200, publicInfo(ctx));
    if (route === 'POST /reset') {
      ctx.ledger.reset();
      ctx.foreign.reset();
      ctx.faults.clear();
      ctx.webhooks.reset();
      ctx.requestLog.length = 0;
      return json(200, { reset: true });
    }
    if (route === 'PATCH /config') {
      Object.assign(ctx.settings, parse(runtimeSettingsSchema.partial(), body));
      return json(200, publicInfo(ctx).config);
    }
    if (route === 'GET /tokens') return json(200, { tokens: ctx.tokens.issued() });
    if (route === 'POST /tokens/revoke') return json(200, { revoked: ctx.tokens.revokeAll() });
    if (route === 'PUT /webhooks') {
      ctx.webhookUrls.splice(0, ctx.webhookUrls.length, ...parse(webhookUrlsSchema, body).urls);
      return json(200, { urls: ctx.webhookUrls });
    }
    if (route === 'GET /webhooks') return json(200, { urls: ctx.webhookUrls });
    if (route === 'GET /webhooks/deliveries') return json(200, ctx.webhooks.deliveries());
    if (route === 'POST /faults') return json(201, ctx.faults.add(parse(faultSpecSchema, body)));
    if (route === 'GET /faults') return json(200, ctx.faults.list());
    if (route === 'DELETE /faults') {
      ctx.faults.clear();
      return json(200, { cleared: true });
    }
    if (route === 'GET /requests') return json(200, ctx.requestLog);
    if (route === 'GET /foreign') return json(200, ctx.foreign.list().map(foreignControlView));
    if (route === 'GET /payouts') {
      const state = query.get('state') ?? undefined;
      return json(200, ctx.ledger.list({ state }).reverse().map(controlView));
    }
    if (method === 'GET' && (match = /^\/payouts\/([0-9a-f]{32})$/.exec(path))) {
      return json(200, controlView(payoutOr404(ctx, match[1]!)));
    }
    if (
      method === 'POST' &&
      (match = /^\/payouts\/([0-9a-f]{32})\/(payee|outcome|expire|webhook)$/.exec(path))
    ) {
      const sessionId = match[1]!;
      const payout = payoutOr404(ctx, sessionId);
      switch (match[2]) {
        case 'payee': {
          const payee = parse(payeeSchema, body);
          const problem = ibanProblem(payee.iban) ?? bicProblem(payee.bic);
          if (problem) throw new ControlError(400, problem);
          ctx.ledger.submitPayee(sessionId, {
            name: payee.name,
            iban: normalizeIban(payee.iban),
            bic: payee.bic.toUpperCase(),
          });
          break;
        }
        case 'outcome':
          ctx.ledger.force(sessionId, parse(outcomeSchema, body));
          break;
        case 'expire':
          ctx.ledger.expireNow(sessionId);
          break;
        case 'webhook': {
          const { fields } = parse(webhookOverrideSchema, body);
          const base = webhookFields(payout, payout.transferState ? 'transfer' : 'status');
          const merged = { ...base, ...fields };
          ctx.webhooks.send({ sessionId, event: merged.event ?? base.event!, fields: merged });
          return json(202, { queued: merged });
        }
      }
      return json(200, controlView(payout));
    }
    return json(404, { error: `no control route ${route}` });
  } catch (error) {
    if (error instanceof ControlError) return json(error.status, { error: error.message });
    if (error instanceof ApiError) return json(error.status, { error: error.message });
    throw error;
  }
}
