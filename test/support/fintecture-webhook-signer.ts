import {
  constants,
  createHash,
  createPublicKey,
  publicEncrypt,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { type WebhookRequestLine } from '../../client/ingress/webhooks/webhook-verification';

/**
 * Signs a webhook the way Fintecture does (fintecture-api.md §7), for tests: the "signature" is the signing
 * string (`name: value` lines of the listed headers) ENCRYPTED with the receiver's public key (RSA-OAEP,
 * SHA-1). Written from the documented format, not from the verifier, so the tests do not check it against
 * itself.
 */

export interface SignFintectureWebhookInput {
  body: string | Buffer;
  appId: string;
  /** The receiver's public key (a private key works too: its public half is used). */
  publicKey: KeyObject | string;
  date?: Date;
  /** Default: a fresh UUID. `null`: no X-Request-ID header at all. */
  requestId?: string | null;
  contentType?: string;
  /**
   * The signed-header list, in order (default `date digest x-request-id`, as Fintecture documents). Names
   * the headers this helper sends, or `(request-target)`.
   */
  signedHeaders?: readonly string[];
  /** What `(request-target)` covers (default `POST /webhooks/fintecture`). */
  request?: WebhookRequestLine;
}

/** What Fintecture documents and sends (§7). */
const DEFAULT_SIGNED_HEADERS = ['date', 'digest', 'x-request-id'] as const;
const REQUEST_TARGET = '(request-target)';

/** Headers Fintecture would send with `body`. */
export function signFintectureWebhook(input: SignFintectureWebhookInput): Record<string, string> {
  const requestId = input.requestId === undefined ? randomUUID() : input.requestId;
  const headers: Record<string, string> = {
    'content-type': input.contentType ?? 'application/x-www-form-urlencoded',
    date: (input.date ?? new Date()).toUTCString(),
    digest: `SHA-256=${createHash('sha256').update(input.body).digest('base64')}`,
    ...(requestId === null ? {} : { 'x-request-id': requestId }),
  };
  const names = input.signedHeaders ?? DEFAULT_SIGNED_HEADERS;
  const request = input.request ?? { method: 'POST', target: '/webhooks/fintecture' };
  const signingString = names
    .map((name) => {
      const value =
        name === REQUEST_TARGET ? `${request.method.toLowerCase()} ${request.target}` : headers[name];
      if (value === undefined) throw new Error(`signFintectureWebhook does not send a ${name} header`);
      return `${name}: ${value}`;
    })
    .join('\n');
  const key =
    typeof input.publicKey !== 'string' && input.publicKey.type === 'public'
      ? input.publicKey
      : createPublicKey(input.publicKey);
  const encrypted = publicEncrypt(
    { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(signingString, 'utf8'),
  );
  headers.signature =
    `keyId="${input.appId}",algorithm="rsa-sha256",` +
    `headers="${names.join(' ')}",signature="${encrypted.toString('base64')}"`;
  return headers;
}
