import type { Payout } from './ledger';

/**
 * Payouts as Fintecture's API shows them (fintecture-api.md §4–§5). The create response of scenario 2 says
 * `scheme`, the read says `payment_scheme`: both spellings appear in Fintecture's docs, and a client must
 * accept either, so the sandbox reproduces the difference.
 */
export function paymentAttributes(payout: Payout, schemeKey: 'scheme' | 'payment_scheme') {
  return {
    amount: payout.request.amount,
    currency: payout.request.currency,
    communication: payout.request.communication,
    end_to_end_id: payout.endToEndId,
    ...(payout.executionDate ? { execution_date: payout.executionDate } : {}),
    ...(payout.transferState ? { [schemeKey]: payout.scenario === 2 ? 'INSTANT_SEPA' : 'SEPA' } : {}),
    ...(payout.transferState ? { transfer_state: payout.transferState } : {}),
    ...(payout.transferReason ? { transfer_reason: payout.transferReason } : {}),
    ...(payout.beneficiary
      ? {
          beneficiary: {
            name: payout.beneficiary.name,
            iban: payout.beneficiary.iban,
            ...(payout.beneficiary.bic ? { swift_bic: payout.beneficiary.bic } : {}),
          },
        }
      : {}),
  };
}

export function paymentMeta(payout: Payout) {
  return {
    session_id: payout.sessionId,
    status: payout.status,
    type: 'RequestForPayout',
    ...(payout.customerId ? { customer_id: payout.customerId } : {}),
  };
}

/** `GET /pis/v2/payments/{id}` */
export function paymentResource(payout: Payout) {
  return {
    meta: paymentMeta(payout),
    data: { id: payout.sessionId, type: 'payments', attributes: paymentAttributes(payout, 'payment_scheme') },
  };
}

/** One item of `GET /pis/v2/payments` */
export function paymentListItem(payout: Payout) {
  return {
    id: payout.sessionId,
    type: 'payments',
    attributes: paymentAttributes(payout, 'payment_scheme'),
    meta: { session_id: payout.sessionId, status: payout.status },
  };
}

/** `POST /pis/v2/request-for-payout` answer, per scenario. */
export function createdResponse(payout: Payout, connectUrl: string) {
  if (payout.scenario === 1) {
    return {
      meta: {
        code: 201,
        session_id: payout.sessionId,
        status: payout.status,
        method: payout.method,
        url: connectUrl,
      },
    };
  }
  return {
    meta: { status: payout.status, session_id: payout.sessionId, type: 'RequestForPayout' },
    data: { id: payout.sessionId, type: 'payments', attributes: paymentAttributes(payout, 'scheme') },
  };
}

/** The form fields of a webhook about this payout (fintecture-api.md §7). */
export function webhookFields(payout: Payout, change: 'status' | 'transfer'): Record<string, string> {
  const event =
    change === 'status'
      ? `payment_session.status.${payout.status}`
      : `payment_session.transfer_state.${payout.transferState ?? 'unknown'}`;
  return {
    session_id: payout.sessionId,
    status: payout.status,
    ...(payout.customerId ? { customer_id: payout.customerId } : {}),
    provider: 'fintecture',
    ...(payout.request.state !== undefined ? { state: payout.request.state } : {}),
    event,
    type: 'RequestForPayout',
    ...(payout.transferState ? { transfer_state: payout.transferState } : {}),
    ...(payout.transferReason ? { transfer_reason: payout.transferReason } : {}),
    amount: payout.request.amount,
    currency: payout.request.currency,
    end_to_end_id: payout.endToEndId,
  };
}

/** What the control API shows of a payout (the sandbox's own view, not Fintecture's). */
export function controlView(payout: Payout) {
  return {
    sessionId: payout.sessionId,
    state: payout.request.state ?? null,
    endToEndId: payout.endToEndId,
    amount: payout.request.amount,
    currency: payout.request.currency,
    scenario: payout.scenario,
    method: payout.method ?? null,
    status: payout.status,
    transferState: payout.transferState ?? null,
    transferReason: payout.transferReason ?? null,
    redirectUri: payout.request.redirectUri ?? null,
    customerId: payout.customerId ?? null,
    createdAt: payout.createdAt,
    expiresAt: payout.expiresAt ?? null,
    manual: payout.manual,
    history: payout.history,
  };
}
