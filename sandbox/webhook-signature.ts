import { constants, createHash, createPublicKey, publicEncrypt, type KeyObject } from 'node:crypto';
import { GUIDE_HEADER_LIST, type SignableHeader, type SignedHeaderList } from './webhook-header-lists';

/**
 * Webhook "signing" as Fintecture does it (fintecture-api.md §7). Despite `algorithm="rsa-sha256"`, the
 * signature is an ENCRYPTION of the signing string with the merchant's PUBLIC key (RSA-OAEP, SHA-1 and
 * MGF1-SHA-1): the receiver proves nothing about the sender, it only decrypts with its private key and
 * compares. We reproduce that faithfully, so receivers are tested against the real scheme.
 */

export interface SignedWebhookHeaders {
  'Content-Type': string;
  Date: string;
  Digest: string;
  'X-Request-ID': string;
  Signature: string;
}

export interface SignWebhookInput {
  appId: string;
  merchantPublicKeyPem: string;
  /** The exact form-urlencoded body that will be sent. */
  body: string;
  requestId: string;
  /** Defaults to now. */
  date?: Date;
  /** The `headers="…"` list, in signing order; defaults to the guide's `date digest x-request-id`. */
  signedHeaders?: SignedHeaderList;
  /**
   * The receiver's `(request-target)`: lower-case method, space, path and query of its URL, e.g.
   * `post /webhooks/fintecture` (as the official JS SDK rebuilds it). Needed when the list names it.
   */
  requestTarget?: string;
}

export class WebhookSigningError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookSigningError';
  }
}

/** `SHA-256=` + base64 of SHA-256 over the body's UTF-8 bytes. */
export function webhookDigest(body: string): string {
  return 'SHA-256=' + createHash('sha256').update(body, 'utf8').digest('base64');
}

/** Parses a PEM public key (or a private key, from which the public half is taken). */
export function parseMerchantPublicKey(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (error) {
    throw new WebhookSigningError('the merchant public key is not a valid PEM key', { cause: error });
  }
}

/** Headers for one delivery attempt of a form-urlencoded webhook body, "signed" as Fintecture does. */
export function signWebhook(input: SignWebhookInput): SignedWebhookHeaders {
  const date = (input.date ?? new Date()).toUTCString(); // RFC 1123, always "GMT"
  const digest = webhookDigest(input.body);
  const signedHeaders = input.signedHeaders ?? GUIDE_HEADER_LIST;
  const values: Record<SignableHeader, string | undefined> = {
    '(request-target)': input.requestTarget,
    date,
    digest,
    'x-request-id': input.requestId,
  };
  // `name: value` lines in the list's order, as the receiver rebuilds them (fintecture-api.md §7).
  const signingString = signedHeaders
    .map((name) => {
      const value = values[name];
      if (value === undefined) throw new WebhookSigningError(`no value to sign for "${name}"`);
      return `${name}: ${value}`;
    })
    .join('\n');
  const key = parseMerchantPublicKey(input.merchantPublicKeyPem);

  let encrypted: Buffer;
  try {
    encrypted = publicEncrypt(
      { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(signingString, 'utf8'),
    );
  } catch (error) {
    // Typically a key too small for the ~150-byte signing string (OAEP/SHA-1 needs RSA ≥ 2048 bits here).
    throw new WebhookSigningError('could not encrypt the webhook signing string with the merchant key', {
      cause: error,
    });
  }

  return {
    'Content-Type': 'application/x-www-form-urlencoded',
    Date: date,
    Digest: digest,
    'X-Request-ID': input.requestId,
    Signature:
      `keyId="${input.appId}",algorithm="rsa-sha256",headers="${signedHeaders.join(' ')}",` +
      `signature="${encrypted.toString('base64')}"`,
  };
}
