import { createHash, createVerify, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { SignatureMode } from './config';

export interface SignedRequest {
  method: string;
  /** The request target exactly as received on the request line (path and query, still encoded). */
  target: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SignatureContext {
  mode: SignatureMode;
  appId: string;
  merchantPublicKey: KeyObject;
  dateToleranceSeconds: number;
  now: number;
}

export type SignatureVerdict = { result: 'valid' } | { result: 'absent' } | { result: 'skipped' };

/** Why a signed request was refused: the message names exactly what was wrong. */
export class SignatureRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureRejected';
  }
}

const SIGNATURE_PARAMS = /([a-zA-Z]+)="([^"]*)"/g;

function parseSignatureHeader(value: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const match of value.matchAll(SIGNATURE_PARAMS)) {
    const [, name, paramValue] = match;
    if (!name || paramValue === undefined) continue;
    if (params.has(name)) throw new SignatureRejected(`Signature header repeats parameter ${name}`);
    params.set(name, paramValue);
  }
  return params;
}

function single(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw new SignatureRejected(`${name} header is repeated`);
  return value;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Verifies Fintecture's HTTP request signature (fintecture-api.md §3): keyId, Digest over the raw body,
 * Date within tolerance, and an RSA-SHA256 signature over the signing string rebuilt from the request
 * line as received — never from a re-encoded URL, since SDKs encode query strings differently.
 */
export function verifyRequestSignature(request: SignedRequest, context: SignatureContext): SignatureVerdict {
  if (context.mode === 'off') return { result: 'skipped' };
  const signatureHeader = single(request.headers, 'signature');
  if (!signatureHeader) {
    if (context.mode === 'if-present') return { result: 'absent' };
    throw new SignatureRejected('Signature header is missing');
  }
  const params = parseSignatureHeader(signatureHeader);
  for (const name of ['keyId', 'algorithm', 'headers', 'signature']) {
    if (!params.get(name)) throw new SignatureRejected(`Signature header has no ${name} parameter`);
  }
  if (params.get('keyId') !== context.appId) {
    throw new SignatureRejected('Signature keyId does not match the application id');
  }
  if (params.get('algorithm')?.toLowerCase() !== 'rsa-sha256') {
    throw new SignatureRejected(
      `Signature algorithm ${params.get('algorithm')} is not supported (rsa-sha256)`,
    );
  }

  const signedHeaders = (params.get('headers') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const hasBody = request.body.length > 0;
  const required = ['(request-target)', 'date', 'x-request-id', ...(hasBody ? ['digest'] : [])];
  for (const name of required) {
    if (!signedHeaders.includes(name)) throw new SignatureRejected(`Signature does not cover ${name}`);
  }

  const values = new Map<string, string>();
  for (const name of signedHeaders) {
    if (name === '(request-target)') {
      values.set(name, `${request.method.toLowerCase()} ${request.target}`);
      continue;
    }
    const value = single(request.headers, name);
    if (value === undefined || value === '') throw new SignatureRejected(`${name} header is missing`);
    values.set(name, value);
  }

  const digest = single(request.headers, 'digest');
  if (hasBody || digest !== undefined) {
    if (!digest) throw new SignatureRejected('Digest header is missing');
    const expected = `SHA-256=${createHash('sha256').update(request.body).digest('base64')}`;
    if (!sameText(digest, expected)) throw new SignatureRejected('Digest does not match the request body');
  }

  const date = values.get('date') ?? '';
  const dateMs = Date.parse(date);
  if (Number.isNaN(dateMs)) throw new SignatureRejected(`Date header "${date}" is not an RFC 1123 date`);
  const skewSeconds = Math.round(Math.abs(dateMs - context.now) / 1000);
  if (skewSeconds > context.dateToleranceSeconds) {
    throw new SignatureRejected(
      `Date is ${skewSeconds}s away from the server clock (tolerance ${context.dateToleranceSeconds}s)`,
    );
  }

  const signingString = signedHeaders.map((name) => `${name}: ${values.get(name)}`).join('\n');
  const signature = Buffer.from(params.get('signature') ?? '', 'base64');
  const verifier = createVerify('RSA-SHA256');
  verifier.update(signingString);
  if (!verifier.verify(context.merchantPublicKey, signature)) {
    throw new SignatureRejected('Signature does not verify with the registered public key');
  }
  return { result: 'valid' };
}
