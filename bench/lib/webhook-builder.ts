import { constants, createHash, publicEncrypt, randomUUID, type KeyObject } from 'node:crypto';
import { payoutStateFor } from '../../domain/identifiers';

/**
 * Builds a webhook the way Fintecture sends one (fintecture-api.md §7), written from the documented format
 * (not from sandbox/ or client/ code): a form-urlencoded body; `Digest` = SHA-256 of the body; the
 * "signature" is the string `date: …\ndigest: …\nx-request-id: …` ENCRYPTED with the merchant's public key
 * (RSA-OAEP, SHA-1, MGF1-SHA-1), base64.
 */

export interface BuiltWebhook {
  body: string;
  headers: Record<string, string>;
  requestId: string;
}

export function buildWebhook(
  appId: string,
  merchantPublicKey: KeyObject,
  fields: Record<string, string>,
  now = new Date(),
): BuiltWebhook {
  const body = new URLSearchParams(fields).toString();
  const date = now.toUTCString();
  const digest = `SHA-256=${createHash('sha256').update(body, 'utf8').digest('base64')}`;
  const requestId = randomUUID();
  const plaintext = `date: ${date}\ndigest: ${digest}\nx-request-id: ${requestId}`;
  const encrypted = publicEncrypt(
    { key: merchantPublicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(plaintext, 'utf8'),
  ).toString('base64');
  return {
    body,
    requestId,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      date,
      digest,
      'x-request-id': requestId,
      signature: `keyId="${appId}",algorithm="rsa-sha256",headers="date digest x-request-id",signature="${encrypted}"`,
    },
  };
}

/** The fields Fintecture sends for a session-status event of one of our payouts (state = workflow ID). */
export function sessionStatusFields(
  orderId: string,
  sessionId: string,
  status: string,
): Record<string, string> {
  return {
    session_id: sessionId,
    status,
    provider: 'fintecture',
    state: payoutStateFor(orderId),
    event: `payment_session.status.${status}`,
    type: 'RequestForPayout',
    amount: '26.99',
    currency: 'EUR',
  };
}
