import { constants, createHash, privateDecrypt, type KeyObject } from 'node:crypto';
import { EVENT_REQUEST_ID_PATTERN } from '../../../domain/identifiers';
import { constantTimeEqual } from '../../../common/constant-time';

/**
 * Verifies a Fintecture webhook (fintecture-api.md §7). Fintecture's "signature" is an ENCRYPTION of the
 * signing string (`name: value` lines of the headers its `headers="…"` list names, in that order) with our
 * PUBLIC key (RSA-OAEP, SHA-1): we decrypt it with our private key and compare it with the string rebuilt
 * from what we received. Anything unexpected is a rejection (fail closed). A verified webhook is still only
 * a prompt to look the payment up: anyone holding our public key can produce one (G4).
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
  | 'unsupported_pseudo_header'
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

/** The request line as received, which `(request-target)` covers. */
export interface WebhookRequestLine {
  /** The HTTP method, any case (`POST`). */
  method: string;
  /**
   * Path and query exactly as on the request line (Fastify: `request.raw.url`). Never re-encoded: senders
   * encode query strings differently, and any rewriting would break a genuine signature.
   */
  target: string;
}

export interface VerifyWebhookInput {
  /** The body bytes exactly as received: the Digest covers these, never a re-serialisation. */
  rawBody: Buffer;
  /**
   * Prefer `headersFromRawHeaders(request.rawHeaders)`: Node joins some repeated headers with ", ",
   * which would hide a repetition.
   */
  headers: WebhookHeaders;
  /** Needed when the signed-header list names `(request-target)`. */
  request: WebhookRequestLine;
  appId: string;
  /** Our application's private key: the only way to read the signature. */
  privateKey: KeyObject;
  /**
   * How old `Date` may be. A genuine delivery can be late by the console offset (up to 60 min) plus 10
   * retries, and nothing says `Date` is re-stamped; freshness is not what keeps us safe (§7).
   */
  maxAgeSeconds: number;
  /** How far ahead of `now` `Date` may be: clock skew only. */
  futureToleranceSeconds: number;
  now: Date;
}

export interface VerifiedWebhook {
  /**
   * Identifies the event across retries of one delivery: the X-Request-ID when sent (signed or not), else
   * derived from the signed Date and Digest (`webhookEventIdFrom`).
   */
  eventId: string;
  /** The X-Request-ID header, or null when Fintecture did not send one. */
  requestId: string | null;
  date: Date;
  /** The body's fields (form-urlencoded or a flat JSON object), values as strings. */
  fields: Record<string, string>;
}

/** Without these in the list, the body or the delivery time would be unprotected: such a webhook proves nothing. */
const MANDATORY_SIGNED_HEADERS = ['date', 'digest'] as const;
const REQUEST_TARGET = '(request-target)';
const SIGNATURE_ALGORITHM = 'rsa-sha256';
const DIGEST_PREFIX = 'SHA-256=';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** `keyId="…"` pairs, separated by commas; values cannot contain quotes. */
const SIGNATURE_PARAM = /^\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*$/;
const HEADER_NAME = /^[a-z0-9()-]+$/;

/** Checks a webhook and returns what it says, or throws `WebhookVerificationError`. */
export function verifyFintectureWebhook(input: VerifyWebhookInput): VerifiedWebhook {
  const headers = normalizeHeaders(input.headers);
  const signature = parseSignatureHeader(singleHeader(headers, 'signature'));
  checkKeyIdAndAlgorithm(signature, input.appId);
  checkSignedHeaderList(signature.headers);
  // Every listed header, exactly once: a repetition could mean one value was checked and another acted on.
  const signedValues = new Map(
    signature.headers.map((name) => [name, signedValue(name, headers, input.request)] as const),
  );

  const requestId = optionalRequestId(headers);
  const date = checkDate(signedValues.get('date')!, input);
  const digest = signedValues.get('digest')!;
  checkDigest(digest, input.rawBody);

  // Decryption last: it is the expensive step, and everything cheaper has been ruled out.
  const plaintext = decryptSignature(signature.signature, input.privateKey);
  const expected = buildSigningString(signature.headers, (name) => signedValues.get(name)!);
  if (!constantTimeEqual(plaintext, expected)) {
    throw new WebhookVerificationError(
      'signed_headers_mismatch',
      'Signature does not match the received headers',
    );
  }

  return {
    eventId: requestId ?? webhookEventIdFrom(signedValues.get('date')!, digest),
    requestId,
    date,
    fields: parseFields(input.rawBody, headers.get('content-type')?.[0]),
  };
}

/**
 * The event ID of a webhook sent without X-Request-ID: SHA-256 over its signed Date and Digest. Retries of
 * one delivery repeat both (the body is the same, and nothing says the Date is re-stamped); if Fintecture
 * did re-stamp it, a retry would only cost one redundant signal, which prompts one more read (G4).
 */
export function webhookEventIdFrom(date: string, digest: string): string {
  return `webhook-${createHash('sha256').update(`${date}\n${digest}`, 'utf8').digest('hex').slice(0, 40)}`;
}

/** `name: value` lines joined by `\n`, no trailing newline, in the listed order. */
function buildSigningString(names: readonly string[], valueOf: (name: string) => string): string {
  return names.map((name) => `${name}: ${valueOf(name)}`).join('\n');
}

/** `(request-target)`: lower-case method, a space, the target exactly as received. */
function requestTargetValue(request: WebhookRequestLine): string {
  return `${request.method.toLowerCase()} ${request.target}`;
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

/** The value a listed header contributes to the signing string: present exactly once, or refused. */
function signedValue(name: string, headers: Map<string, string[]>, request: WebhookRequestLine): string {
  return name === REQUEST_TARGET ? requestTargetValue(request) : singleHeader(headers, name);
}

/** X-Request-ID, signed or not, when sent: it names the event, so it must be one token, sent once. */
function optionalRequestId(headers: Map<string, string[]>): string | null {
  if (!headers.has('x-request-id')) return null;
  const requestId = singleHeader(headers, 'x-request-id');
  // It becomes an event ID and a log field: a UUID-like token, nothing more.
  if (!EVENT_REQUEST_ID_PATTERN.test(requestId)) {
    throw new WebhookVerificationError('malformed_header', 'X-Request-ID is not a request identifier');
  }
  return requestId;
}

function checkKeyIdAndAlgorithm(signature: SignatureHeader, appId: string): void {
  if (!constantTimeEqual(signature.keyId, appId)) {
    throw new WebhookVerificationError('key_id_mismatch', 'Signature keyId is not our application ID');
  }
  if (signature.algorithm.toLowerCase() !== SIGNATURE_ALGORITHM) {
    throw new WebhookVerificationError(
      'unsupported_algorithm',
      `Signature algorithm is not "${SIGNATURE_ALGORITHM}"`,
    );
  }
}

/**
 * The list may change (§7), so any headers are accepted as long as the body and the date are covered. Of
 * the pseudo-headers only `(request-target)` is known: we cannot rebuild another one, so it is refused.
 */
function checkSignedHeaderList(names: readonly string[]): void {
  const unknown = names.filter((name) => name.startsWith('(') && name !== REQUEST_TARGET);
  if (unknown.length > 0) {
    throw new WebhookVerificationError(
      'unsupported_pseudo_header',
      `Signature lists an unsupported pseudo-header: ${unknown.join(', ')}`,
    );
  }
  const unsigned = MANDATORY_SIGNED_HEADERS.filter((name) => !names.includes(name));
  if (unsigned.length > 0) {
    throw new WebhookVerificationError('unsigned_headers', `Signature does not cover ${unsigned.join(', ')}`);
  }
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

/**
 * `Date` may be old (late deliveries keep their Date, see `maxAgeSeconds`) but only slightly ahead: a
 * clock can be a little fast, a delivery cannot come from the future.
 */
function checkDate(
  value: string,
  limits: Pick<VerifyWebhookInput, 'now' | 'maxAgeSeconds' | 'futureToleranceSeconds'>,
): Date {
  // RFC 7231 IMF-fixdate, as Fintecture sends it; Date.parse alone would accept far looser text.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) {
    throw new WebhookVerificationError('malformed_date', 'Date header is not an HTTP date');
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new WebhookVerificationError('malformed_date', 'Date header is not an HTTP date');
  }
  const ageSeconds = (limits.now.getTime() - date.getTime()) / 1000;
  if (ageSeconds > limits.maxAgeSeconds) {
    throw new WebhookVerificationError(
      'stale_date',
      `Date is ${Math.round(ageSeconds)}s old (maximum age ${limits.maxAgeSeconds}s)`,
    );
  }
  if (-ageSeconds > limits.futureToleranceSeconds) {
    throw new WebhookVerificationError(
      'future_date',
      `Date is ${Math.round(-ageSeconds)}s ahead (tolerance ${limits.futureToleranceSeconds}s)`,
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
