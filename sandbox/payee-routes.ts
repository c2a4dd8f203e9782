import type { SandboxContext } from './context';
import { html, redirect, type Reply } from './http-io';
import { bicProblem, ibanProblem, normalizeBic, normalizeIban } from './bank-details';
import { renderClosedPage, renderPayeePage, type PayeeField } from './pages';
import type { Payout } from './ledger';

const MERCHANT_NAME = 'Fintecture sandbox merchant';

function closedReason(payout: Payout | undefined) {
  if (!payout) return { status: 404, reason: 'unknown' as const };
  if (payout.status === 'payment_expired') return { status: 410, reason: 'expired' as const };
  if (payout.status === 'payment_cancelled') return { status: 410, reason: 'cancelled' as const };
  if (payout.status !== 'iban_required') return { status: 409, reason: 'used' as const };
  return null;
}

function view(
  payout: Payout,
  values?: Record<PayeeField, string>,
  errors?: { field: PayeeField; message: string }[],
) {
  return renderPayeePage({
    sessionId: payout.sessionId,
    amount: payout.request.amount,
    currency: payout.request.currency,
    communication: payout.request.communication,
    merchantName: MERCHANT_NAME,
    formAction: `/pay/${payout.sessionId}`,
    ...(values ? { values } : {}),
    ...(errors ? { errors } : {}),
  });
}

/** `GET /pay/{id}`: the page where the payee of scenario 1 enters their bank details. */
export function showPayeePage(ctx: SandboxContext, sessionId: string): Reply {
  const payout = ctx.ledger.get(sessionId);
  const closed = closedReason(payout);
  if (closed || !payout) return html(closed?.status ?? 404, renderClosedPage(closed?.reason ?? 'unknown'));
  return html(200, view(payout));
}

/** Where the payee goes after submitting: the merchant's redirect URI with Fintecture's query parameters. */
export function redirectTarget(payout: Payout): string {
  const target = new URL(payout.request.redirectUri ?? 'about:blank');
  target.searchParams.set('session_id', payout.sessionId);
  target.searchParams.set('status', payout.status);
  if (payout.request.state !== undefined) target.searchParams.set('state', payout.request.state);
  if (payout.customerId) target.searchParams.set('customer_id', payout.customerId);
  target.searchParams.set('provider', 'fintecture');
  return target.toString();
}

/** `POST /pay/{id}`: validates the bank details, moves the session on and redirects the payee back. */
export function submitPayeePage(ctx: SandboxContext, sessionId: string, body: Buffer): Reply {
  const payout = ctx.ledger.get(sessionId);
  const closed = closedReason(payout);
  if (closed || !payout) return html(closed?.status ?? 404, renderClosedPage(closed?.reason ?? 'unknown'));

  const form = new URLSearchParams(body.toString('utf8'));
  const values = {
    name: (form.get('name') ?? '').trim(),
    iban: form.get('iban') ?? '',
    bic: form.get('bic') ?? '',
  };
  const errors: { field: PayeeField; message: string }[] = [];
  if (!values.name) errors.push({ field: 'name', message: 'Enter the account holder name' });
  else if (values.name.length > 70)
    errors.push({ field: 'name', message: 'The name must be at most 70 characters' });
  const ibanError = values.iban.trim() ? ibanProblem(values.iban) : 'Enter your IBAN';
  if (ibanError) errors.push({ field: 'iban', message: ibanError });
  const bicError = values.bic.trim() ? bicProblem(values.bic.trim()) : 'Enter your BIC';
  if (bicError) errors.push({ field: 'bic', message: bicError });
  if (errors.length > 0) return html(422, view(payout, values, errors));

  ctx.ledger.submitPayee(sessionId, {
    name: values.name,
    iban: normalizeIban(values.iban),
    bic: normalizeBic(values.bic),
  });
  ctx.log(`payee submitted bank details session=${sessionId}`);
  return redirect(redirectTarget(payout));
}
