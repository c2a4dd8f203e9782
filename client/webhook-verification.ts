import {
  constants,
  createHash,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { constantTimeEqual } from './constant-time';

/**
 * Verifies a Fintecture webhook (fintecture-api.md §7). Fintecture's "signature" is an ENCRYPTION of
 * `date: …\ndigest: …\nx-request-id: …` with our PUBLIC key (RSA-OAEP, SHA-1): we decrypt it with our
 * private key and compare it with the headers we received. Anything unexpected is a rejection (fail closed).
 * A verified webhook is still only a prompt to look the payment up: anyone holding our public key can
 * produce one (G4).
 *
 * Independent of sandbox/: the tests check this module against the sandbox and the official SDK.
 */

export type WebhookVerificationFailure =
  | 'missing_header'
  | 'repeated_header'
  | 'malformed_header'
  | 'malformed_signature_header'
  | 'key_id_mismatch'
  | 'unsupported_algorithm'
  | 'unsigned_headers'
  | 'malformed_date'
  | 'stale_date'
  | 'future_date'
  | 'digest_mismatch'
  | 'undecryptable_signature'
  | 'signed_headers_mismatch'
  | 'malformed_body';

/** Why a webhook was refused. The message names headers, never their values (they are attacker-chosen). */
export class WebhookVerificationError extends Error {
  readonly reason: WebhookVerificationFailure;

  constructor(reason: WebhookVerificationFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookVerificationError';
    this.reason = reason;
  }
}

/** Header values as Node gives them; an array means the header was sent more than once. */
export type WebhookHeaders = Record<string, string | readonly string[] | undefined>;

export interface VerifyWebhookInput {
  /** The body bytes exactly as received: the Digest covers these, never a re-serialisation. */
  rawBody: Buffer;
  /**
   * Prefer `headersFromRawHeaders(request.rawHeaders)`: Node joins some repeated headers with ", ",
   * which would hide a repetition.
   */
  headers: WebhookHeaders;
  appId: string;
  /** Our application's private key: the only way to read the signature. */
  privateKey: KeyObject;
  /** How far `Date` may be from `now`, either way (each retry is signed afresh). */
  toleranceSeconds: number;
  now: Date;
}

export interface VerifiedWebhook {
  /** X-Request-ID: the same on every retry of one delivery, so it identifies the event. */
  requestId: string;
  date: Date;
  /** The body's fields (form-urlencoded or a flat JSON object), values as strings. */
  fields: Record<string, string>;
}

/** The headers Fintecture signs; a webhook whose signature leaves one of them out proves nothing. */
const REQUIRED_SIGNED_HEADERS = ['date', 'digest', 'x-request-id'] as const;
const SIGNATURE_ALGORITHM = 'rsa-sha256';
const DIGEST_PREFIX = 'SHA-256=';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** X-Request-ID becomes an event ID and a log field: a UUID-like token, nothing more. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** `keyId="…"` pairs, separated by commas; values cannot contain quotes. */
const SIGNATURE_PARAM = /^\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*$/;
const HEADER_NAME = /^[a-z0-9()-]+$/;

/** Checks a webhook and returns what it says, or throws `WebhookVerificationError`. */
export function verifyFintectureWebhook(input: VerifyWebhookInput): VerifiedWebhook {
  const headers = normalizeHeaders(input.headers);
  const single = (name: string) => singleHeader(headers, name);

  const signature = parseSignatureHeader(single('signature'));
  for (const name of REQUIRED_SIGNED_HEADERS) single(name);

  if (!constantTimeEqual(signature.keyId, input.appId)) {
    throw new WebhookVerificationError('key_id_mismatch', 'Signature keyId is not our application ID');
  }
  if (signature.algorithm.toLowerCase() !== SIGNATURE_ALGORITHM) {
    throw new WebhookVerificationError(
      'unsupported_algorithm',
      `Signature algorithm is not "${SIGNATURE_ALGORITHM}"`,
    );
  }
  const unsigned = REQUIRED_SIGNED_HEADERS.filter((name) => !signature.headers.includes(name));
  if (unsigned.length > 0) {
    throw new WebhookVerificationError('unsigned_headers', `Signature does not cover ${unsigned.join(', ')}`);
  }

  const requestId = single('x-request-id');
  if (!REQUEST_ID.test(requestId)) {
    throw new WebhookVerificationError('malformed_header', 'X-Request-ID is not a request identifier');
  }
  const date = checkDate(single('date'), input.now, input.toleranceSeconds);
  checkDigest(single('digest'), input.rawBody);

  // Decryption last: it is the expensive step, and everything cheaper has been ruled out.
  const plaintext = decryptSignature(signature.signature, input.privateKey);
  const expected = signature.headers.map((name) => `${name}: ${single(name)}`).join('\n');
  if (!constantTimeEqual(plaintext, expected)) {
    throw new WebhookVerificationError(
      'signed_headers_mismatch',
      'Signature does not match the received headers',
    );
  }

  return { requestId, date, fields: parseFields(input.rawBody, headers.get('content-type')?.[0]) };
}

/** Builds a header record from `IncomingMessage.rawHeaders`, keeping every repetition visible. */
export function headersFromRawHeaders(rawHeaders: readonly string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase();
    (headers[name] ??= []).push(rawHeaders[index + 1]!);
  }
  return headers;
}

/** `SHA-256=` + base64 of SHA-256 over the body bytes. */
export function webhookBodyDigest(body: Buffer | string): string {
  return DIGEST_PREFIX + createHash('sha256').update(body).digest('base64');
}

function normalizeHeaders(headers: WebhookHeaders): Map<string, string[]> {
  const normalized = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const values = typeof value === 'string' ? [value] : [...value];
    normalized.set(key, [...(normalized.get(key) ?? []), ...values]);
  }
  return normalized;
}

function singleHeader(headers: Map<string, string[]>, name: string): string {
  const values = headers.get(name) ?? [];
  if (values.length === 0) {
    throw new WebhookVerificationError('missing_header', `${name} header is missing`);
  }
  if (values.length > 1) {
    throw new WebhookVerificationError('repeated_header', `${name} header is repeated`);
  }
  return values[0]!;
}

interface SignatureHeader {
  keyId: string;
  algorithm: string;
  headers: string[];
  signature: string;
}

function parseSignatureHeader(value: string): SignatureHeader {
  const malformed = (why: string) =>
    new WebhookVerificationError('malformed_signature_header', `Signature header ${why}`);
  const params = new Map<string, string>();
  for (const part of value.split(',')) {
    const match = SIGNATURE_PARAM.exec(part);
    if (!match) throw malformed('is not a list of name="value" parameters');
    const [, name, paramValue] = match as unknown as [string, string, string];
    if (params.has(name)) throw malformed(`repeats the ${name} parameter`);
    params.set(name, paramValue);
  }
  const param = (name: string) => {
    const found = params.get(name);
    if (!found) throw malformed(`lacks the ${name} parameter`);
    return found;
  };
  const signedHeaders = param('headers').toLowerCase().split(' ');
  if (signedHeaders.some((name) => !HEADER_NAME.test(name))) throw malformed('lists an invalid header name');
  if (new Set(signedHeaders).size !== signedHeaders.length) throw malformed('lists a header twice');
  const signature = param('signature');
  if (!BASE64.test(signature)) throw malformed('carries a signature that is not base64');
  return { keyId: param('keyId'), algorithm: param('algorithm'), headers: signedHeaders, signature };
}

function checkDate(value: string, now: Date, toleranceSeconds: number): Date {
  // RFC 7231 IMF-fixdate, as Fintecture sends it; Date.parse alone would accept far looser text.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) {
    throw new WebhookVerificationError('malformed_date', 'Date header is not an HTTP date');
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new WebhookVerificationError('malformed_date', 'Date header is not an HTTP date');
  }
  const skewSeconds = (now.getTime() - date.getTime()) / 1000;
  if (skewSeconds > toleranceSeconds) {
    throw new WebhookVerificationError(
      'stale_date',
      `Date is ${Math.round(skewSeconds)}s old (tolerance ${toleranceSeconds}s)`,
    );
  }
  if (-skewSeconds > toleranceSeconds) {
    throw new WebhookVerificationError(
      'future_date',
      `Date is ${Math.round(-skewSeconds)}s ahead (tolerance ${toleranceSeconds}s)`,
    );
  }
  return date;
}

function checkDigest(value: string, rawBody: Buffer): void {
  if (!value.startsWith(DIGEST_PREFIX)) {
    throw new WebhookVerificationError('unsupported_algorithm', 'Digest is not a SHA-256 digest');
  }
  if (!constantTimeEqual(value, webhookBodyDigest(rawBody))) {
    throw new WebhookVerificationError('digest_mismatch', 'Digest does not match the body');
  }
}

function decryptSignature(signature: string, privateKey: KeyObject): string {
  try {
    return privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(signature, 'base64'),
    ).toString('utf8');
  } catch (error) {
    throw new WebhookVerificationError(
      'undecryptable_signature',
      'Signature cannot be decrypted with our private key',
      { cause: error },
    );
  }
}

function parseFields(rawBody: Buffer, contentType: string | undefined): Record<string, string> {
  const text = rawBody.toString('utf8');
  if (contentType?.toLowerCase().includes('json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new WebhookVerificationError('malformed_body', 'Body is not valid JSON', { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new WebhookVerificationError('malformed_body', 'Body is not a JSON object');
    }
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        fields[name] = String(value);
      }
    }
    return fields;
  }
  const fields: Record<string, string> = {};
  // The first occurrence wins: a repeated field cannot override the one we route by.
  for (const [name, value] of new URLSearchParams(text)) if (!(name in fields)) fields[name] = value;
  return fields;
}

export interface SignWebhookForTestsInput {
  body: string | Buffer;
  appId: string;
  /** The receiver's public key (a private key works too: its public half is used). */
  publicKey: KeyObject | string;
  date?: Date;
  requestId?: string;
  contentType?: string;
}

/** Headers Fintecture would send with `body`, for tests and local tools. */
export function signWebhookForTests(input: SignWebhookForTestsInput): Record<string, string> {
  const date = (input.date ?? new Date()).toUTCString();
  const digest = webhookBodyDigest(input.body);
  const requestId = input.requestId ?? randomUUID();
  const signingString = `date: ${date}\ndigest: ${digest}\nx-request-id: ${requestId}`;
  const key =
    typeof input.publicKey !== 'string' && input.publicKey.type === 'public'
      ? input.publicKey
      : createPublicKey(input.publicKey);
  const encrypted = publicEncrypt(
    { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(signingString, 'utf8'),
  );
  return {
    'content-type': input.contentType ?? 'application/x-www-form-urlencoded',
    date,
    digest,
    'x-request-id': requestId,
    signature:
      `keyId="${input.appId}",algorithm="${SIGNATURE_ALGORITHM}",` +
      `headers="${REQUIRED_SIGNED_HEADERS.join(' ')}",signature="${encrypted.toString('base64')}"`,
  };
}
