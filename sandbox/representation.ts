import type { Payout } from './ledger';
import type { Profile } from './profile';

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

/** `POST /pis/v2/request-for-payout` answer, per scenario and profile. */
export function createdResponse(payout: Payout, connectUrl: string, profile: Profile) {
  if (payout.scenario === 1) {
    // The guide's scenario-1 answer has no `status` (fintecture-api.md §4); friendly adds it as it always did.
    return {
      meta: {
        code: 201,
        session_id: payout.sessionId,
        ...(profile === 'friendly' ? { status: payout.status } : {}),
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

/**
 * What the documented profile shows of any session, a payout of ours or a foreign one: exactly the fields
 * of the guide's read (fintecture-api.md §5), nothing it does not show (no beneficiary, no `state`).
 */
export interface SessionRead {
  sessionId: string;
  type: string;
  status: string;
  customerId?: string;
  attributes: {
    amount: string;
    currency: string;
    communication: string;
    end_to_end_id: string;
    execution_date?: string;
    payment_scheme?: string;
    transfer_state?: string;
    transfer_reason?: string;
  };
}

export function payoutRead(payout: Payout): SessionRead {
  const { beneficiary: _notOnReads, ...attributes } = paymentAttributes(payout, 'payment_scheme');
  return {
    sessionId: payout.sessionId,
    type: 'RequestForPayout',
    status: payout.status,
    ...(payout.customerId ? { customerId: payout.customerId } : {}),
    attributes,
  };
}

/** Documented profile: `GET /pis/v2/payments/{id}` (and the cancel answer). */
export function documentedResource(read: SessionRead) {
  return {
    meta: {
      session_id: read.sessionId,
      status: read.status,
      type: read.type,
      ...(read.customerId ? { customer_id: read.customerId } : {}),
    },
    data: { id: read.sessionId, type: 'payments', attributes: read.attributes },
  };
}

/** Documented profile: one item of `GET /pis/v2/payments`, shaped like the single read. */
export function documentedListItem(read: SessionRead) {
  return {
    id: read.sessionId,
    type: 'payments',
    attributes: read.attributes,
    meta: { session_id: read.sessionId, status: read.status, type: read.type },
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
