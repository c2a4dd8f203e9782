import { createHash, createSign, type KeyObject } from 'node:crypto';

/**
 * Fintecture's request signature (fintecture-api.md §3): an RSA-SHA256 signature over
 * `(request-target)`, `date`, `digest` (only with a body) and `x-request-id`.
 * Pure functions of their inputs; `http.ts` feeds them the exact bytes and request line that go out.
 */

export interface SignatureInput {
  /** HTTP method, any case. */
  method: string;
  /** Path and `?query` exactly as they appear on the request line. */
  target: string;
  /** RFC 1123 date, the value of the `Date` header. */
  date: string;
  /** The value of the `Digest` header; absent when the request has no body. */
  digest?: string;
  requestId: string;
}

/** `SHA-256=` + base64(sha256(body bytes)). */
export function digestHeaderFor(body: Uint8Array): string {
  return `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

/** RFC 1123 in GMT, as Fintecture's examples (`Tue, 24 Nov 2026 10:00:00 GMT`). */
export function httpDate(epochMs: number): string {
  return new Date(epochMs).toUTCString();
}

/** The signed header names, in order, as they appear in the `headers="…"` parameter. */
export function signedHeaderNames(input: Pick<SignatureInput, 'digest'>): string[] {
  return input.digest === undefined
    ? ['(request-target)', 'date', 'x-request-id']
    : ['(request-target)', 'date', 'digest', 'x-request-id'];
}

export function buildSigningString(input: SignatureInput): string {
  const values: Record<string, string | undefined> = {
    '(request-target)': `${input.method.toLowerCase()} ${input.target}`,
    date: input.date,
    digest: input.digest,
    'x-request-id': input.requestId,
  };
  return signedHeaderNames(input)
    .map((name) => `${name}: ${values[name]}`)
    .join('\n');
}

/** The `Signature` header value. */
export function buildSignatureHeader(input: SignatureInput, appId: string, privateKey: KeyObject): string {
  const signature = createSign('RSA-SHA256')
    .update(buildSigningString(input), 'utf8')
    .sign(privateKey, 'base64');
  return `keyId="${appId}",algorithm="rsa-sha256",headers="${signedHeaderNames(input).join(' ')}",signature="${signature}"`;
}
