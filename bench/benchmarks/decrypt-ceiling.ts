import { constants, createPrivateKey, createPublicKey, privateDecrypt } from 'node:crypto';
import { verifyFintectureWebhook } from '../../client/ingress/webhooks/webhook-verification';
import { measureRate, type Rate } from '../lib/rate';
import { buildWebhook, sessionStatusFields } from '../lib/webhook-builder';

/**
 * The webhook ceiling on this machine: raw RSA-OAEP (SHA-1) decryptions per second on one thread, with the
 * merchant key the webhooks are encrypted for — the one expensive step of verifying a webhook. Also our
 * whole verification function (parsing, digest, date, decryption, comparison) without HTTP, to split what
 * the ingress costs between cryptography and the rest.
 */

export interface DecryptCeilingResult {
  keyBits: number;
  padding: string;
  /** privateDecrypt, one thread. */
  rawDecrypt: Rate;
  /** client/ingress/webhooks/webhook-verification.ts verifyFintectureWebhook, one thread, no HTTP. */
  verifyFunction: Rate;
}

export async function runDecryptCeiling(options: {
  privateKeyPem: string;
  appId: string;
  durationMs: number;
}): Promise<DecryptCeilingResult> {
  const privateKey = createPrivateKey(options.privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  const webhook = buildWebhook(
    options.appId,
    publicKey,
    sessionStatusFields('123', '0123456789abcdef0123456789abcdef', 'payment_created'),
  );
  const ciphertext = Buffer.from(/signature="([^"]+)"$/.exec(webhook.headers.signature!)![1]!, 'base64');
  const oaep = { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' };
  const rawBody = Buffer.from(webhook.body);
  const now = new Date();
  return {
    keyBits: privateKey.asymmetricKeyDetails?.modulusLength ?? 0,
    padding: 'RSA-OAEP, SHA-1 / MGF1-SHA-1',
    rawDecrypt: await measureRate(() => privateDecrypt(oaep, ciphertext), { durationMs: options.durationMs }),
    verifyFunction: await measureRate(
      () =>
        verifyFintectureWebhook({
          rawBody,
          headers: webhook.headers,
          request: { method: 'POST', target: '/webhooks/fintecture' },
          appId: options.appId,
          privateKey,
          maxAgeSeconds: 86_400,
          futureToleranceSeconds: 300,
          now,
        }),
      { durationMs: options.durationMs },
    ),
  };
}
