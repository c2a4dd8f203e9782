import { createHash } from 'node:crypto';
import { payoutStateFor } from '../domain/payout-request';

/**
 * Namespaces the digest so another system hashing the same order IDs cannot collide with our references.
 * Never change it: in-flight payouts are reconciled by the `end_to_end_id` derived from it.
 */
const END_TO_END_NAMESPACE = 'payout-orchestrator/order/';

export interface PayoutReferences {
  /** `payout-<orderId>`: sent as `state`, echoed on redirects and webhooks. */
  state: string;
  /** 32 hex characters (≤ 35, SEPA's limit), the same for every attempt and every worker. */
  endToEndId: string;
}

/** The references Fintecture stores for an order, derived from the order ID alone so any attempt can find them. */
export function payoutReferencesFor(orderId: string): PayoutReferences {
  return {
    state: payoutStateFor(orderId),
    endToEndId: createHash('sha256')
      .update(END_TO_END_NAMESPACE + orderId, 'utf8')
      .digest('hex')
      .slice(0, 32),
  };
}
