import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { type PayoutRequest } from '../../domain/payout-request';
import { type PayloadKeys } from '../../common/payload-codec';

/**
 * A per-field digest of a normalised payout request, kept in the workflow's memo when the payout starts, so
 * a later request for the same order can be compared with the one that started it and the differing fields
 * named — without keeping any personal data in clear.
 *
 * Each field's digest is HMAC-SHA256(key, orderId ∥ path ∥ JSON value) over the request *after* zod
 * parsing (IBAN/BIC normalised, text trimmed, defaults applied), so formatting does not count as a change.
 * Keyed, because names, e-mails and phones are guessable: an unkeyed hash could be brute-forced. Bound to
 * the order and the path, so equal values in two orders or two fields do not give equal digests.
 *
 * The key is derived (HKDF-SHA256) from the payload codec key (`PAYLOAD_CODEC_KEYS`): every ingress and
 * CLI of a deployment already shares those keys (they could not read each other's payouts otherwise). The
 * memo names the codec key it was derived from, so a key rotation does not turn old payouts into
 * conflicts: the comparison re-derives from the key the memo names (kept configured to decrypt old
 * payloads anyway). With `PAYLOAD_CODEC=off` (local development only) the key is a fixed derivation,
 * known to anyone: the digests are then no better than unkeyed hashes (and the memo is in clear too).
 * Pure: no I/O, no clock.
 */

/** Memo entry holding the fingerprint; the memo goes through the payload codec (encrypted at rest). */
export const REQUEST_FINGERPRINT_MEMO = 'payoutRequestFingerprint';

/** The compared fields, by the paths the 400 answers use. `orderId` is the workflow ID: always equal. */
export const FINGERPRINT_FIELDS = [
  'amount',
  'currency',
  'communication',
  'payee.name',
  'payee.email',
  'payee.phone',
  'beneficiary',
  'beneficiary.name',
  'beneficiary.iban',
  'beneficiary.bic',
  'delivery',
  'expiresInSeconds',
  'language',
  'country',
] as const;
export type FingerprintField = (typeof FINGERPRINT_FIELDS)[number];

export interface RequestFingerprint {
  version: 1;
  /** The codec key the HMAC key was derived from; null for the fixed derivation (codec off). */
  keyId: string | null;
  /** base64url HMAC-SHA256 per field. */
  fields: Record<FingerprintField, string>;
}

/** The HMAC keys a process can derive: from each configured codec key, and the fixed one. */
export interface FingerprintKeyring {
  /** The key new fingerprints use: the codec's current key, or null (fixed derivation) when the codec is off. */
  readonly currentKeyId: string | null;
  /** The HMAC key derived from a codec key (null: the fixed one); undefined when that key is not configured. */
  keyFor(keyId: string | null): Buffer | undefined;
}

const HKDF_SALT = 'payout-orchestrator/request-fingerprint';
const HKDF_INFO = 'hmac-sha256/v1';
/** Input of the fixed derivation when the codec is off: public, so not a secret. */
const CODEC_OFF_MATERIAL = 'payout-orchestrator/request-fingerprint/codec-off';

function derive(material: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', material, HKDF_SALT, HKDF_INFO, 32));
}

/** The keyring of a process, from its payload codec keys (null when PAYLOAD_CODEC=off). */
export function fingerprintKeyring(payloadKeys: PayloadKeys | null): FingerprintKeyring {
  const fixed = derive(Buffer.from(CODEC_OFF_MATERIAL));
  const derived = new Map<string, Buffer>();
  for (const [id, key] of payloadKeys?.keys ?? []) derived.set(id, derive(key));
  return {
    currentKeyId: payloadKeys ? payloadKeys.currentKeyId : null,
    keyFor: (keyId) => (keyId === null ? fixed : derived.get(keyId)),
  };
}

function fieldValues(request: PayoutRequest): Record<FingerprintField, unknown> {
  const { beneficiary } = request;
  return {
    amount: request.amount,
    currency: request.currency,
    communication: request.communication,
    'payee.name': request.payee.name,
    'payee.email': request.payee.email,
    'payee.phone': request.payee.phone,
    beneficiary: beneficiary !== undefined,
    'beneficiary.name': beneficiary?.name,
    'beneficiary.iban': beneficiary?.iban,
    'beneficiary.bic': beneficiary?.bic,
    delivery: request.delivery,
    expiresInSeconds: request.expiresInSeconds,
    language: request.language,
    country: request.country,
  };
}

function digests(request: PayoutRequest, key: Buffer): Record<FingerprintField, string> {
  const values = fieldValues(request);
  const fields = {} as Record<FingerprintField, string>;
  for (const path of FINGERPRINT_FIELDS) {
    // JSON keeps absent (null) apart from any text, and "26.99" apart from 26.99.
    const hmac = createHmac('sha256', key);
    hmac.update(`${request.orderId}\u0000${path}\u0000${JSON.stringify(values[path] ?? null)}`);
    fields[path] = hmac.digest('base64url');
  }
  return fields;
}

/** The fingerprint of a (parsed, normalised) request with the keyring's current key. */
export function fingerprintRequest(request: PayoutRequest, keyring: FingerprintKeyring): RequestFingerprint {
  const keyId = keyring.currentKeyId;
  const key = keyring.keyFor(keyId);
  if (!key) throw new Error('the current payload codec key is not in the keyring');
  return { version: 1, keyId, fields: digests(request, key) };
}

export type FingerprintComparison =
  | { kind: 'same' }
  /** Every differing path, in FINGERPRINT_FIELDS order; `beneficiary` alone when it was added or removed. */
  | { kind: 'different'; paths: FingerprintField[] }
  /** `not_recorded`: the payout started before fingerprints (or the memo is unreadable); `unknown_key`:
   * the codec key it was made with is no longer configured. Either way nothing can be said. */
  | { kind: 'unverifiable'; reason: 'not_recorded' | 'unknown_key' };

function readFingerprint(value: unknown): RequestFingerprint | null {
  if (typeof value !== 'object' || value === null) return null;
  const candidate = value as Partial<RequestFingerprint>;
  if (candidate.version !== 1) return null;
  if (candidate.keyId !== null && typeof candidate.keyId !== 'string') return null;
  const fields = candidate.fields as Record<string, unknown> | undefined;
  if (typeof fields !== 'object' || fields === null) return null;
  if (!FINGERPRINT_FIELDS.every((path) => typeof fields[path] === 'string')) return null;
  return candidate as RequestFingerprint;
}

function equalDigests(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Compares a request with the fingerprint recorded when its order's payout started (a memo value). */
export function compareWithFingerprint(
  request: PayoutRequest,
  recorded: unknown,
  keyring: FingerprintKeyring,
): FingerprintComparison {
  const fingerprint = readFingerprint(recorded);
  if (!fingerprint) return { kind: 'unverifiable', reason: 'not_recorded' };
  const key = keyring.keyFor(fingerprint.keyId);
  if (!key) return { kind: 'unverifiable', reason: 'unknown_key' };
  const mine = digests(request, key);
  const differing = FINGERPRINT_FIELDS.filter((path) => !equalDigests(mine[path], fingerprint.fields[path]));
  if (differing.length === 0) return { kind: 'same' };
  // A beneficiary added or removed: its sub-fields say nothing more.
  const paths = differing.includes('beneficiary')
    ? differing.filter((path) => !path.startsWith('beneficiary.'))
    : differing;
  return { kind: 'different', paths };
}
