import type { PayoutScenario, TransferState } from './session-states';

/**
 * The outcome events the order system receives (Standard Webhooks, README "Outcome events"): what they
 * say and how they are named. Pure and deterministic, so the workflow builds them, and the CLI re-sends
 * exactly what the workflow built. IDs, states and amounts only: never names, e-mails, phones or IBANs.
 */

export const ORDER_EVENT_TYPES = [
  'payout.created',
  'payout.settled',
  'payout.rejected',
  'payout.cancelled',
  'payout.expired',
  'payout.needs_review',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

type Outcome = 'SETTLED' | 'REJECTED' | 'CANCELLED' | 'EXPIRED' | 'NEEDS_REVIEW';

export interface OrderEventData {
  orderId: string;
  workflowId: string;
  sessionId: string | null;
  scenario: PayoutScenario;
  outcome: Outcome | null;
  outcomeReason: string | null;
  transferState: TransferState | null;
  amount: string;
  currency: string;
  /** Scenario 1: the payee's link (in `payout.created`); null otherwise. */
  connectUrl: string | null;
}

/** The JSON body of one event (Standard Webhooks' recommended `type`/`timestamp`/`data` shape). */
export interface OrderEvent {
  type: OrderEventType;
  /** When the event happened (workflow time), ISO 8601: the same on every delivery of the event. */
  timestamp: string;
  data: OrderEventData;
}

/**
 * What the workflow keeps of each event: the `webhook-id` (the same on every retry and on a re-send),
 * the body to send, and how its delivery went.
 * `pending`: being delivered (retried with growing delays); `delivered`: every receiver answered 2xx;
 * `failed`: a receiver still refused after the whole retry schedule (re-send with `payouts notify`);
 * `not_configured`: the worker had no NOTIFY_WEBHOOK_URL when it was due.
 */
export interface OrderNotification {
  id: string;
  type: OrderEventType;
  status: 'pending' | 'delivered' | 'failed' | 'not_configured';
  /** Delivery attempts, when known (a delivery that gave up reports the last one it saw). */
  attempts?: number;
  /** Why the delivery failed, per receiver (host and HTTP status or error kind; never a body). */
  lastError?: string;
  event: OrderEvent;
}

/** The final event of an outcome. */
export function finalEventType(outcome: Outcome): OrderEventType {
  switch (outcome) {
    case 'SETTLED':
      return 'payout.settled';
    case 'REJECTED':
      return 'payout.rejected';
    case 'CANCELLED':
      return 'payout.cancelled';
    case 'EXPIRED':
      return 'payout.expired';
    case 'NEEDS_REVIEW':
      return 'payout.needs_review';
  }
}

/** `webhook-id`: one per payout and event type, so retries and re-sends carry the same one. */
export function webhookIdOf(workflowId: string, type: OrderEventType): string {
  return `${workflowId}:${type}`;
}

/** The exact bytes sent (and signed) for an event. */
export function orderEventBody(event: OrderEvent): string {
  return JSON.stringify(event);
}
