import { createHash } from 'node:crypto';
import { PAYOUT_REFERENCE_ROOM } from '../domain/payout-request';
import { payoutStateFor } from '../domain/identifiers';

/**
 * Namespaces the digest so another system hashing the same order IDs cannot collide with our references.
 * Never change it: in-flight payouts are found again by the references derived from it.
 */
const REFERENCE_NAMESPACE = 'payout-orchestrator/order/';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const REFERENCE_PREFIX = 'PO-';
const REFERENCE_DIGITS = PAYOUT_REFERENCE_ROOM - 1 - REFERENCE_PREFIX.length;

export interface PayoutReferences {
  /** `payout-<orderId>`: sent as `state`, echoed on redirects and webhooks (not on reads). */
  state: string;
  /**
   * `PO-` + 12 base32 characters (60 bits of a SHA-256 of the order ID), appended to the `communication`.
   * Reads echo the communication (§5), so this is what finds the order's session again. SEPA charset only.
   */
  communicationReference: string;
  /** 32 hex characters, sent as `end_to_end_id`. Fintecture may keep its own: never used to find a session. */
  endToEndId: string;
}

/** The references for an order, derived from the order ID alone so any attempt, worker or run finds them. */
export function payoutReferencesFor(orderId: string): PayoutReferences {
  const digest = createHash('sha256')
    .update(REFERENCE_NAMESPACE + orderId, 'utf8')
    .digest();
  return {
    state: payoutStateFor(orderId),
    communicationReference: REFERENCE_PREFIX + base32(digest).slice(0, REFERENCE_DIGITS),
    endToEndId: digest.toString('hex').slice(0, 32),
  };
}

/** The communication sent to Fintecture: the order's own text, then its reference. */
export function communicationWithReference(communication: string, references: PayoutReferences): string {
  return `${communication.trim()} ${references.communicationReference}`;
}

/**
 * Whether a session read back carries the order's reference. Case- and space-insensitive: a bank or
 * Fintecture may upper-case or re-space the remittance text.
 */
export function carriesReference(communication: string | null, references: PayoutReferences): boolean {
  if (!communication) return false;
  return squeezeCommunication(communication).includes(
    squeezeCommunication(references.communicationReference),
  );
}

/** Upper case, no spaces: what `carriesReference` compares (a search of many orders squeezes each entry once). */
export function squeezeCommunication(text: string): string {
  return text.toUpperCase().replace(/\s+/g, '');
}

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}
