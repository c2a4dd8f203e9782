import { createPrivateKey, createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import {
  buildSignatureHeader,
  buildSigningString,
  digestHeaderFor,
  httpDate,
  type SignatureInput,
} from '../../activities/fintecture/signing';

// The official SDK is the outside oracle: an independent implementation of the same rules.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkCrypto = require('fintecture-client/lib/src/utils/Crypto') as {
  buildSigningString(headers: Record<string, string>, signedHeaders: string[]): string;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkApi = require('fintecture-client/lib/src/services/ApiService') as {
  getHeaders(
    method: string,
    url: string,
    token: string,
    config: { app_id: string; private_key: string },
    body?: unknown,
  ): Record<string, string>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Constants } = require('fintecture-client/lib/src/utils/Constants') as {
  Constants: { SIGNEDHEADERPARAMETERLIST: string[] };
};

// The SDK needs PKCS#8.
const { privateKey: privateKeyPem, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const appId = 'app-7f3e';

function queryOf(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

const cases: { name: string; method: string; target: string; body?: unknown }[] = [
  {
    name: 'a create with an encoded redirect_uri and a state full of special characters',
    method: 'POST',
    target: `/pis/v2/request-for-payout?${queryOf({
      redirect_uri: 'https://shop.example/payouts/return?a=1&b=two words&c=é€',
      state: "payout-A&B=C+D;E!'()*~@:$,",
    })}`,
    body: {
      meta: { psu_name: 'Zoé Ĉapek', expiry: 604800, method: 'link' },
      data: {
        type: 'payments',
        attributes: { amount: '26.99', currency: 'EUR', communication: 'Réf 123 — merci' },
      },
    },
  },
  { name: 'a read without body', method: 'GET', target: '/pis/v2/payments/23e8f09e2cab4752b8c4c3f00bf9f45c' },
  {
    name: 'a list with bracketed filters',
    method: 'GET',
    target: `/pis/v2/payments?${queryOf({ 'filter[state]': 'payout-1 2', 'page[number]': '2', 'page[size]': '100' })}`,
  },
];

describe('request signing agrees with the official fintecture-client SDK', () => {
  it.each(cases)('for $name', ({ method, target, body }) => {
    const sdkHeaders = sdkApi.getHeaders(
      method,
      `https://api-sandbox.fintecture.com${target}`,
      'token',
      { app_id: appId, private_key: privateKeyPem },
      body,
    );
    const input: SignatureInput = {
      method,
      target,
      date: sdkHeaders.Date!,
      digest: body === undefined ? undefined : digestHeaderFor(Buffer.from(JSON.stringify(body), 'utf8')),
      requestId: sdkHeaders['X-Request-ID']!,
    };

    expect(input.digest).toBe(sdkHeaders.Digest);
    const sdkSigningString = sdkCrypto.buildSigningString(
      { ...sdkHeaders, '(request-target)': `${method.toLowerCase()} ${target}` },
      Constants.SIGNEDHEADERPARAMETERLIST,
    );
    expect(buildSigningString(input)).toBe(sdkSigningString);
    // RSASSA-PKCS1-v1_5 is deterministic: the same string and key give the same header, byte for byte.
    expect(buildSignatureHeader(input, appId, createPrivateKey(privateKeyPem))).toBe(sdkHeaders.Signature);
  });

  it('builds the documented layout: lower-case names, fixed order, no trailing newline, no digest without body', () => {
    const base = {
      method: 'POST',
      target: '/x?y=1',
      date: 'Tue, 24 Nov 2026 10:00:00 GMT',
      requestId: 'rid',
    };
    expect(buildSigningString({ ...base, digest: 'SHA-256=abc' })).toBe(
      '(request-target): post /x?y=1\ndate: Tue, 24 Nov 2026 10:00:00 GMT\ndigest: SHA-256=abc\nx-request-id: rid',
    );
    expect(buildSigningString(base)).toBe(
      '(request-target): post /x?y=1\ndate: Tue, 24 Nov 2026 10:00:00 GMT\nx-request-id: rid',
    );
    expect(buildSignatureHeader(base, appId, createPrivateKey(privateKeyPem))).toMatch(
      /^keyId="app-7f3e",algorithm="rsa-sha256",headers="\(request-target\) date x-request-id",signature="[A-Za-z0-9+/]+=*"$/,
    );
  });

  it('produces a signature the public key verifies', () => {
    const input = { method: 'GET', target: '/a', date: httpDate(Date.UTC(2026, 10, 24, 10)), requestId: 'r' };
    const header = buildSignatureHeader(input, appId, createPrivateKey(privateKeyPem));
    const signature = /signature="([^"]+)"/.exec(header)![1]!;
    const verifier = createVerify('RSA-SHA256').update(buildSigningString(input));
    expect(verifier.verify(createPublicKey(publicKey), signature, 'base64')).toBe(true);
    expect(input.date).toBe('Tue, 24 Nov 2026 10:00:00 GMT');
  });

  it('digests the UTF-8 bytes, unicode unescaped', () => {
    expect(digestHeaderFor(Buffer.from('{"a":"é"}', 'utf8'))).toBe(
      digestHeaderFor(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0xa9, 0x22, 0x7d])),
    );
  });
});
