import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { Validation } from 'fintecture-client/lib/src/Validation';
import { signWebhook, WebhookSigningError, type SignedWebhookHeaders } from '../../sandbox/webhook-signature';

function rsaKeyPair(modulusLength = 2048): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, // the SDK needs PKCS#8
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

/** The official SDK's verdict; it throws on some mismatches instead of answering false. */
function sdkAccepts(
  config: { appId: string; privateKeyPem: string },
  headers: SignedWebhookHeaders,
  rawBody: string,
): boolean {
  const lowerCased = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  try {
    return new Validation({ app_id: config.appId, private_key: config.privateKeyPem }).authenticateRequest(
      lowerCased,
      rawBody,
    );
  } catch {
    return false;
  }
}

const merchant = rsaKeyPair();
const otherMerchant = rsaKeyPair();
const appId = '2dfdcf57-5b2f-4309-846f-913d0b2802cf';
const body =
  'session_id=b2bca2bcd3b64a32a7da0766df59a7d2&status=payment_created&customer_id=1ef74051a77673de120820fb370dc382' +
  '&provider=provider&state=thisisastate&event=payment_session.status.payment_created';
const requestId = '88c414df-6895-48db-8ef3-1fd1ce4272c6';

function sign(overrides: Partial<Parameters<typeof signWebhook>[0]> = {}): SignedWebhookHeaders {
  return signWebhook({ appId, merchantPublicKeyPem: merchant.publicKeyPem, body, requestId, ...overrides });
}

describe('signWebhook', () => {
  it('produces the documented headers', () => {
    const headers = sign({ date: new Date(Date.UTC(2020, 5, 8, 23, 11, 23)) });
    expect(headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    expect(headers.Date).toBe('Mon, 08 Jun 2020 23:11:23 GMT');
    expect(headers['X-Request-ID']).toBe(requestId);
    expect(headers.Digest).toMatch(/^SHA-256=[A-Za-z0-9+/]{43}=$/);
    expect(headers.Signature).toMatch(
      new RegExp(
        `^keyId="${appId}",algorithm="rsa-sha256",headers="date digest x-request-id",signature="[A-Za-z0-9+/]+=*"$`,
      ),
    );
  });

  it('encrypts the signing string with the public key, RSA-OAEP SHA-1', () => {
    const headers = sign();
    const ciphertext = /signature="([^"]+)"/.exec(headers.Signature)?.[1] ?? '';
    const plaintext = privateDecrypt(
      { key: merchant.privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(ciphertext, 'base64'),
    ).toString('utf8');
    expect(plaintext).toBe(`date: ${headers.Date}\ndigest: ${headers.Digest}\nx-request-id: ${requestId}`);
  });

  it('is accepted by the official SDK verifier', () => {
    expect(sdkAccepts({ appId, privateKeyPem: merchant.privateKeyPem }, sign(), body)).toBe(true);
  });

  it('digests the UTF-8 bytes of a non-ASCII body the way the SDK does', () => {
    const unicodeBody = 'session_id=abc&psu_name=Ren\u00e9e L\u00f8kke&status=payment_created';
    const headers = sign({ body: unicodeBody });
    expect(sdkAccepts({ appId, privateKeyPem: merchant.privateKeyPem }, headers, unicodeBody)).toBe(true);
  });

  it('is re-encrypted on every call (OAEP is randomised) and each one verifies', () => {
    const date = new Date();
    const first = sign({ date });
    const second = sign({ date });
    expect(first.Signature).not.toBe(second.Signature);
    for (const headers of [first, second]) {
      expect(sdkAccepts({ appId, privateKeyPem: merchant.privateKeyPem }, headers, body)).toBe(true);
    }
  });

  it('is rejected by the SDK when the body is tampered with', () => {
    const tampered = body.replace('payment_created', 'payment_cancelled');
    expect(sdkAccepts({ appId, privateKeyPem: merchant.privateKeyPem }, sign(), tampered)).toBe(false);
  });

  it('is rejected by the SDK when the digest header is replaced, even by the digest of the sent body', () => {
    const headers = sign();
    const otherDigest = { ...headers, Digest: sign({ body: 'session_id=other' }).Digest };
    expect(sdkAccepts({ appId, privateKeyPem: merchant.privateKeyPem }, otherDigest, body)).toBe(false);
    const forged = { ...headers, Digest: sign({ body: 'session_id=forged' }).Digest };
    expect(sdkAccepts({ appId, privateKeyPem: merchant.privateKeyPem }, forged, 'session_id=forged')).toBe(
      false,
    );
  });

  it('is rejected by the SDK when another key decrypts it', () => {
    expect(sdkAccepts({ appId, privateKeyPem: otherMerchant.privateKeyPem }, sign(), body)).toBe(false);
  });

  it('is rejected by the SDK when the keyId is another application', () => {
    expect(
      sdkAccepts({ appId, privateKeyPem: merchant.privateKeyPem }, sign({ appId: 'another-app' }), body),
    ).toBe(false);
  });

  it('is rejected by the SDK when a signed header is changed', () => {
    const headers = { ...sign(), 'X-Request-ID': '00000000-0000-4000-8000-000000000000' };
    expect(sdkAccepts({ appId, privateKeyPem: merchant.privateKeyPem }, headers, body)).toBe(false);
  });

  it('fails with a WebhookSigningError on a key that is not PEM', () => {
    expect(() => sign({ merchantPublicKeyPem: 'not a key' })).toThrow(WebhookSigningError);
  });

  it('fails with a WebhookSigningError on a key too small for the signing string', () => {
    expect(() => sign({ merchantPublicKeyPem: rsaKeyPair(1024).publicKeyPem })).toThrow(WebhookSigningError);
  });
});

describe('signWebhook with another signed-header list', () => {
  const decrypt = (headers: SignedWebhookHeaders) =>
    privateDecrypt(
      { key: merchant.privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(/signature="([^"]+)"/.exec(headers.Signature)?.[1] ?? '', 'base64'),
    ).toString('utf8');

  it('signs `(request-target)` first as `post <path?query>`, and names the list in the header', () => {
    const headers = sign({
      signedHeaders: ['(request-target)', 'date', 'digest', 'x-request-id'],
      requestTarget: 'post /webhooks/fintecture?tenant=a',
    });
    expect(headers.Signature).toContain('headers="(request-target) date digest x-request-id"');
    expect(decrypt(headers)).toBe(
      `(request-target): post /webhooks/fintecture?tenant=a\ndate: ${headers.Date}\ndigest: ${headers.Digest}\n` +
        `x-request-id: ${requestId}`,
    );
  });

  it('signs only `date digest` while still sending X-Request-ID', () => {
    const headers = sign({ signedHeaders: ['date', 'digest'] });
    expect(headers.Signature).toContain('headers="date digest"');
    expect(headers['X-Request-ID']).toBe(requestId);
    expect(decrypt(headers)).toBe(`date: ${headers.Date}\ndigest: ${headers.Digest}`);
  });

  it('follows the list’s order', () => {
    const headers = sign({ signedHeaders: ['x-request-id', 'digest', 'date'] });
    expect(decrypt(headers)).toBe(
      `x-request-id: ${requestId}\ndigest: ${headers.Digest}\ndate: ${headers.Date}`,
    );
  });

  it('is accepted by the official SDK for every list, `(request-target)` on the path the SDK assumes', () => {
    // The SDK rebuilds `(request-target)` as `post /webhook`, whatever the receiver's URL.
    for (const signedHeaders of [
      ['(request-target)', 'date', 'digest', 'x-request-id'],
      ['date', 'digest'],
    ] as const) {
      const headers = sign({ signedHeaders, requestTarget: 'post /webhook' });
      expect(sdkAccepts({ appId, privateKeyPem: merchant.privateKeyPem }, headers, body)).toBe(true);
    }
    const elsewhere = sign({
      signedHeaders: ['(request-target)', 'date', 'digest'],
      requestTarget: 'post /webhooks/fintecture',
    });
    expect(sdkAccepts({ appId, privateKeyPem: merchant.privateKeyPem }, elsewhere, body)).toBe(false);
  });

  it('fails with a WebhookSigningError when `(request-target)` is listed without a target', () => {
    expect(() => sign({ signedHeaders: ['(request-target)', 'date', 'digest'] })).toThrow(
      WebhookSigningError,
    );
  });
});
