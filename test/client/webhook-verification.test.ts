import { createHash, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  headersFromRawHeaders,
  verifyFintectureWebhook,
  WebhookVerificationError,
  type WebhookHeaders,
  type WebhookRequestLine,
  type WebhookVerificationFailure,
} from '../../client/ingress/webhooks/webhook-verification';
import { signFintectureWebhook, type SignFintectureWebhookInput } from '../support/fintecture-webhook-signer';
import { requestToken, sdkRequest } from '../support/fintecture-sdk';
import { TEST_APP_ID, webhookKeys } from '../support/ingress-harness';
import { linkPayoutBody, payoutQuery, TEST_BIC, TEST_IBAN } from '../support/payout-bodies';
import { startSandboxProcess, type SandboxProcess } from '../support/sandbox-process';
import { eventually } from '../support/wait';
import { WebhookReceiver } from '../support/webhook-receiver';

// The official SDK's receiver-side check, used as an independent oracle.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Validation } = require('fintecture-client/lib/src/Validation') as {
  Validation: new (config: { app_id: string; private_key: string }) => {
    authenticateRequest(headers: Record<string, unknown>, body: string): boolean;
  };
};

const NOW = new Date('2025-03-14T10:00:00Z');
const MAX_AGE_SECONDS = 86_400;
const FUTURE_TOLERANCE_SECONDS = 300;
const WEBHOOK_REQUEST: WebhookRequestLine = { method: 'POST', target: '/webhooks/fintecture' };
const secondsFromNow = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const BODY =
  'session_id=b2bca2bcd3b64a32a7da0766df59a7d2&status=payment_created&customer_id=1ef7&provider=provider' +
  '&state=payout-123&event=payment_session.status.payment_created&transfer_state=initiated';

function signed(
  overrides: Partial<
    Pick<SignFintectureWebhookInput, 'date' | 'requestId' | 'signedHeaders' | 'request'> & {
      body: string;
      publicKey: string;
    }
  > = {},
) {
  const keys = webhookKeys();
  return signFintectureWebhook({
    body: overrides.body ?? BODY,
    appId: TEST_APP_ID,
    publicKey: overrides.publicKey ?? keys.publicKey,
    date: overrides.date ?? NOW,
    requestId:
      overrides.requestId === undefined ? '88c414df-6895-48db-8ef3-1fd1ce4272c6' : overrides.requestId,
    signedHeaders: overrides.signedHeaders,
    request: overrides.request,
  });
}

function verify(
  headers: WebhookHeaders,
  body: string | Buffer = BODY,
  options: { now?: Date; request?: WebhookRequestLine } = {},
) {
  return verifyFintectureWebhook({
    rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
    headers,
    request: options.request ?? WEBHOOK_REQUEST,
    appId: TEST_APP_ID,
    privateKey: webhookKeys().privateKey,
    maxAgeSeconds: MAX_AGE_SECONDS,
    futureToleranceSeconds: FUTURE_TOLERANCE_SECONDS,
    now: options.now ?? NOW,
  });
}

function rejectionOf(run: () => unknown): WebhookVerificationFailure {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect((error as Error).name).toBe('WebhookVerificationError');
    return (error as WebhookVerificationError).reason;
  }
  throw new Error('the webhook was accepted');
}

const withSignatureParam = (headers: Record<string, string>, name: string, value: string) => ({
  ...headers,
  signature: headers.signature!.replace(new RegExp(`${name}="[^"]*"`), `${name}="${value}"`),
});

describe('verifyFintectureWebhook', () => {
  it('accepts a webhook signed by the test helper and returns its request ID, date and fields', () => {
    const result = verify(signed());
    expect(result.requestId).toBe('88c414df-6895-48db-8ef3-1fd1ce4272c6');
    expect(result.eventId).toBe('88c414df-6895-48db-8ef3-1fd1ce4272c6');
    expect(result.date.toISOString()).toBe(NOW.toISOString());
    expect(result.fields).toMatchObject({
      session_id: 'b2bca2bcd3b64a32a7da0766df59a7d2',
      status: 'payment_created',
      state: 'payout-123',
      transfer_state: 'initiated',
    });
  });

  it('signs in a way the official SDK validator accepts too (and the SDK refuses an edited body)', () => {
    const headers = signed({ date: new Date() });
    const validator = new Validation({ app_id: TEST_APP_ID, private_key: webhookKeys().privateKeyPem });
    expect(validator.authenticateRequest({ ...headers }, BODY)).toBe(true);
    expect(() => validator.authenticateRequest({ ...headers }, BODY.replace('123', '124'))).toThrow(/Digest/);
  });

  it('accepts header names in any case and arrays of one value (as Node gives them)', () => {
    const headers = signed();
    const shouting = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toUpperCase(), [value]]),
    );
    expect(verify(shouting).requestId).toBe(headers['x-request-id']);
  });

  it('reads the fields of a JSON body', () => {
    const body = JSON.stringify({
      session_id: 'abc',
      status: 'payment_created',
      state: 'payout-9',
      nested: {},
    });
    const headers = { ...signed({ body }), 'content-type': 'application/json' };
    expect(verify(headers, body).fields).toEqual({
      session_id: 'abc',
      status: 'payment_created',
      state: 'payout-9',
    });
  });

  describe('freshness: late deliveries are genuine, the future is not', () => {
    it('accepts a delivery held by the 60-min console offset and hours of retries, up to the maximum age', () => {
      const lateDelivery = secondsFromNow(-(61 * 60 + 5 * 3600));
      expect(verify(signed({ date: lateDelivery })).date.toISOString()).toBe(lateDelivery.toISOString());
      expect(() => verify(signed({ date: secondsFromNow(-MAX_AGE_SECONDS) }))).not.toThrow();
    });

    it('refuses a Date older than the maximum age', () => {
      expect(rejectionOf(() => verify(signed({ date: secondsFromNow(-MAX_AGE_SECONDS - 1) })))).toBe(
        'stale_date',
      );
      expect(rejectionOf(() => verify(signed({ date: secondsFromNow(-30 * 86_400) })))).toBe('stale_date');
    });

    it('tolerates a small clock skew into the future, and no more', () => {
      expect(() => verify(signed({ date: secondsFromNow(FUTURE_TOLERANCE_SECONDS - 1) }))).not.toThrow();
      expect(rejectionOf(() => verify(signed({ date: secondsFromNow(FUTURE_TOLERANCE_SECONDS + 1) })))).toBe(
        'future_date',
      );
      expect(rejectionOf(() => verify(signed({ date: secondsFromNow(3 * 3600) })))).toBe('future_date');
    });
  });

  describe('rejects forgeries, each with its reason', () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const strangerPublicPem = stranger.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const digestOf = (body: string) => `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
    const edited = BODY.replace('payout-123', 'payout-999');

    const cases: [string, () => unknown, WebhookVerificationFailure][] = [
      [
        'encrypted for another key',
        () => verify(signed({ publicKey: strangerPublicPem })),
        'undecryptable_signature',
      ],
      ['an edited body', () => verify(signed(), edited), 'digest_mismatch'],
      [
        "another webhook's digest swapped in",
        () => verify({ ...signed(), digest: digestOf('status=payment_created') }),
        'digest_mismatch',
      ],
      [
        'an edited body with a recomputed digest',
        () => verify({ ...signed(), digest: digestOf(edited) }, edited),
        'signed_headers_mismatch',
      ],
      [
        'reordered signed headers',
        () => verify(withSignatureParam(signed(), 'headers', 'digest date x-request-id')),
        'signed_headers_mismatch',
      ],
      [
        'a list that drops x-request-id while the plaintext still has it',
        () => verify(withSignatureParam(signed(), 'headers', 'date digest')),
        'signed_headers_mismatch',
      ],
      [
        'an edited X-Request-ID',
        () => verify({ ...signed(), 'x-request-id': '00000000-0000-4000-8000-000000000000' }),
        'signed_headers_mismatch',
      ],
      [
        'an edited Date (inside the window)',
        () => verify({ ...signed(), date: new Date(NOW.getTime() + 1000).toUTCString() }),
        'signed_headers_mismatch',
      ],
      [
        'a date older than the maximum age',
        () => verify(signed({ date: secondsFromNow(-MAX_AGE_SECONDS - 60) })),
        'stale_date',
      ],
      [
        'a date ahead beyond the tolerance',
        () => verify(signed({ date: secondsFromNow(FUTURE_TOLERANCE_SECONDS + 1) })),
        'future_date',
      ],
      ['an unparseable date', () => verify({ ...signed(), date: 'yesterday' }), 'malformed_date'],
      [
        'another keyId',
        () => verify(withSignatureParam(signed(), 'keyId', 'someone-else')),
        'key_id_mismatch',
      ],
      [
        'another algorithm',
        () => verify(withSignatureParam(signed(), 'algorithm', 'hmac-sha256')),
        'unsupported_algorithm',
      ],
      [
        'a repeated Digest header',
        () => verify({ ...signed(), digest: [signed().digest!, signed().digest!] }),
        'repeated_header',
      ],
      [
        'a repeated Signature header (two spellings)',
        () => verify({ ...signed(), Signature: signed().signature }),
        'repeated_header',
      ],
      [
        'garbage instead of base64',
        () => verify(withSignatureParam(signed(), 'signature', 'not*base64!')),
        'malformed_signature_header',
      ],
      [
        'random bytes as the signature',
        () => verify(withSignatureParam(signed(), 'signature', randomBytes(256).toString('base64'))),
        'undecryptable_signature',
      ],
      [
        'a Signature header that is not a parameter list',
        () => verify({ ...signed(), signature: 'Bearer abc' }),
        'malformed_signature_header',
      ],
      [
        'a Signature header without its signature parameter',
        () => verify({ ...signed(), signature: signed().signature!.replace(/,signature="[^"]*"/, '') }),
        'malformed_signature_header',
      ],
      [
        'a repeated signature parameter',
        () => verify({ ...signed(), signature: `${signed().signature},keyId="${TEST_APP_ID}"` }),
        'malformed_signature_header',
      ],
      [
        'no Digest header',
        () => {
          const { digest: _digest, ...rest } = signed();
          return verify(rest);
        },
        'missing_header',
      ],
      [
        'no Signature header',
        () => {
          const { signature: _signature, ...rest } = signed();
          return verify(rest);
        },
        'missing_header',
      ],
      [
        'an X-Request-ID that is not an identifier',
        () => verify({ ...signed(), 'x-request-id': 'a b\nc' }),
        'malformed_header',
      ],
      [
        'a JSON content type on a body that is not JSON',
        () => verify({ ...signed(), 'content-type': 'application/json' }),
        'malformed_body',
      ],
    ];

    it.each(cases)('%s', (_label, run, reason) => {
      expect(rejectionOf(run)).toBe(reason);
    });

    it('never puts header values or key material in its messages', () => {
      const secretLooking = 'S3cr3tV4lue';
      for (const [, run] of cases) {
        try {
          run();
        } catch (error) {
          expect((error as Error).message).not.toContain(signed().signature!.slice(-40, -2));
          expect((error as Error).message).not.toContain(secretLooking);
        }
      }
      const pem = webhookKeys().privateKeyPem;
      const error = (() => {
        try {
          verify({ ...signed(), 'x-request-id': secretLooking });
        } catch (caught) {
          return caught as Error;
        }
      })();
      expect(error?.message).toBeDefined();
      expect(error?.message).not.toContain(secretLooking);
      expect(error?.message).not.toContain(pem.slice(40, 80));
    });

    it('any change to the body is caught (property)', () => {
      const headers = signed();
      fc.assert(
        fc.property(fc.nat({ max: BODY.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, flip) => {
          const bytes = Buffer.from(BODY, 'utf8');
          bytes[index] = bytes[index]! ^ flip;
          expect(rejectionOf(() => verify(headers, bytes))).toBe('digest_mismatch');
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('the signed-header list: exactly the listed headers, in their order', () => {
    const withRequestTarget = ['(request-target)', 'date', 'digest', 'x-request-id'];

    it('accepts the guide\'s list, a list led by (request-target), and the SDK test\'s "date digest"', () => {
      for (const signedHeaders of [
        ['date', 'digest', 'x-request-id'],
        withRequestTarget,
        ['date', 'digest'],
      ]) {
        const headers = signed({ signedHeaders });
        expect(headers.signature).toContain(`headers="${signedHeaders.join(' ')}"`);
        expect(verify(headers).eventId).toBe('88c414df-6895-48db-8ef3-1fd1ce4272c6');
      }
    });

    it('signs (request-target) as the lower-case method and the path and query exactly as received', () => {
      const request = { method: 'POST', target: '/webhooks/fintecture?source=fc&next=%2Fhome%7E' };
      // Without x-request-id: RSA-OAEP/SHA-1 carries at most 214 bytes with a 2048-bit key.
      const headers = signed({ signedHeaders: ['(request-target)', 'date', 'digest'], request });
      expect(() => verify(headers, BODY, { request })).not.toThrow();
      expect(() => verify(headers, BODY, { request: { ...request, method: 'post' } })).not.toThrow();
      // Decoded, or re-encoded another way: not what was signed.
      for (const target of [
        '/webhooks/fintecture?source=fc&next=/home~',
        '/webhooks/fintecture?next=%2Fhome%7E&source=fc',
      ]) {
        expect(rejectionOf(() => verify(headers, BODY, { request: { ...request, target } }))).toBe(
          'signed_headers_mismatch',
        );
      }
    });

    it('refuses (request-target) signed for another path or another method', () => {
      const headers = signed({ signedHeaders: withRequestTarget });
      for (const request of [
        { method: 'POST', target: '/webhooks/other' },
        { method: 'POST', target: '/webhooks/fintecture?x=1' },
        { method: 'PUT', target: '/webhooks/fintecture' },
      ]) {
        expect(rejectionOf(() => verify(headers, BODY, { request }))).toBe('signed_headers_mismatch');
      }
      const signedAsGet = signed({
        signedHeaders: withRequestTarget,
        request: { method: 'GET', target: '/webhooks/fintecture' },
      });
      expect(rejectionOf(() => verify(signedAsGet))).toBe('signed_headers_mismatch');
    });

    it('refuses the same headers listed in another order than the plaintext', () => {
      const swaps: [string[], string][] = [
        [['date', 'digest', 'x-request-id'], 'digest date x-request-id'],
        [withRequestTarget, 'date (request-target) digest x-request-id'],
        [['date', 'digest'], 'digest date'],
      ];
      for (const [signedHeaders, listed] of swaps) {
        const headers = withSignatureParam(signed({ signedHeaders }), 'headers', listed);
        expect(rejectionOf(() => verify(headers))).toBe('signed_headers_mismatch');
      }
    });

    it('refuses a list, even genuinely signed, that leaves the date or the digest out', () => {
      for (const signedHeaders of [
        ['digest', 'x-request-id'],
        ['(request-target)', 'date', 'x-request-id'],
        ['(request-target)', 'x-request-id'],
      ]) {
        expect(rejectionOf(() => verify(signed({ signedHeaders })))).toBe('unsigned_headers');
      }
    });

    it('refuses pseudo-headers it cannot rebuild', () => {
      for (const listed of [
        '(created) date digest',
        'date digest (expires)',
        '(request-target date digest',
      ]) {
        expect(rejectionOf(() => verify(withSignatureParam(signed(), 'headers', listed)))).toBe(
          'unsupported_pseudo_header',
        );
      }
    });

    it('covers any other listed header, which must then be present exactly once', () => {
      const headers = signed({ signedHeaders: ['date', 'digest', 'content-type'] });
      expect(() => verify(headers)).not.toThrow();
      expect(rejectionOf(() => verify({ ...headers, 'content-type': 'text/plain' }))).toBe(
        'signed_headers_mismatch',
      );
      expect(
        rejectionOf(() => verify({ ...headers, 'content-type': [headers['content-type']!, 'text/plain'] })),
      ).toBe('repeated_header');
      const { 'content-type': _contentType, ...withoutIt } = headers;
      expect(rejectionOf(() => verify(withoutIt))).toBe('missing_header');
    });

    it('refuses a listed x-request-id that was not sent', () => {
      const { 'x-request-id': _requestId, ...headers } = signed();
      expect(rejectionOf(() => verify(headers))).toBe('missing_header');
    });

    it('still uses an unsigned X-Request-ID as the event ID, and still checks it', () => {
      const headers = signed({ signedHeaders: ['date', 'digest'], requestId: 'unsigned-id-1' });
      expect(verify(headers)).toMatchObject({ eventId: 'unsigned-id-1', requestId: 'unsigned-id-1' });
      expect(rejectionOf(() => verify({ ...headers, 'x-request-id': 'a b' }))).toBe('malformed_header');
      expect(rejectionOf(() => verify({ ...headers, 'x-request-id': ['x', 'y'] }))).toBe('repeated_header');
    });

    it('without X-Request-ID, derives the event ID from the signed Date and Digest: stable across retries', () => {
      const retry = () => verify(signed({ signedHeaders: ['date', 'digest'], requestId: null }));
      const first = retry();
      expect(first.requestId).toBeNull();
      expect(first.eventId).toMatch(/^webhook-[0-9a-f]{40}$/);
      expect(retry().eventId).toBe(first.eventId);
      const later = verify(
        signed({ signedHeaders: ['date', 'digest'], requestId: null, date: secondsFromNow(1) }),
      );
      expect(later.eventId).not.toBe(first.eventId);
      const otherBody = BODY.replace('payment_created', 'payment_pending');
      const other = verify(
        signed({ body: otherBody, signedHeaders: ['date', 'digest'], requestId: null }),
        otherBody,
      );
      expect(other.eventId).not.toBe(first.eventId);
    });
  });

  describe('agrees with the official SDK validator where it can check (request-target)', () => {
    // The SDK rebuilds `(request-target)` as the fixed `post /webhook`: comparable only on that request line.
    const SDK_REQUEST: WebhookRequestLine = { method: 'POST', target: '/webhook' };
    const sdk = () => new Validation({ app_id: TEST_APP_ID, private_key: webhookKeys().privateKeyPem });
    const sdkAccepts = (headers: Record<string, string>) => {
      try {
        return sdk().authenticateRequest({ ...headers }, BODY);
      } catch {
        return false;
      }
    };
    const oursAccepts = (headers: Record<string, string>) => {
      try {
        verify(headers, BODY, { request: SDK_REQUEST });
        return true;
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
        return false;
      }
    };
    const asDelivered = (signedHeaders: string[], request: WebhookRequestLine = SDK_REQUEST) =>
      signed({ signedHeaders, request });

    const deliveries: [string, () => Record<string, string>, boolean][] = [
      [
        "(request-target) first, then the guide's list",
        () => asDelivered(['(request-target)', 'date', 'digest', 'x-request-id']),
        true,
      ],
      [
        '(request-target) last',
        () => asDelivered(['date', 'digest', 'x-request-id', '(request-target)']),
        true,
      ],
      [
        '(request-target) without x-request-id',
        () => asDelivered(['(request-target)', 'date', 'digest']),
        true,
      ],
      ['the SDK test\'s "date digest"', () => asDelivered(['date', 'digest']), true],
      [
        '(request-target) signed for another path',
        () =>
          asDelivered(['(request-target)', 'date', 'digest'], {
            method: 'POST',
            target: '/webhooks/fintecture',
          }),
        false,
      ],
      [
        '(request-target) signed for another method',
        () => asDelivered(['(request-target)', 'date', 'digest'], { method: 'PUT', target: '/webhook' }),
        false,
      ],
      [
        'the list in another order than the plaintext',
        () =>
          withSignatureParam(
            asDelivered(['(request-target)', 'date', 'digest']),
            'headers',
            'date (request-target) digest',
          ),
        false,
      ],
      [
        'an edited Date',
        () => ({
          ...asDelivered(['(request-target)', 'date', 'digest']),
          date: secondsFromNow(1).toUTCString(),
        }),
        false,
      ],
    ];

    it.each(deliveries)('%s', (_label, deliver, accepted) => {
      const headers = deliver();
      expect(sdkAccepts(headers)).toBe(accepted);
      expect(oursAccepts(headers)).toBe(accepted);
    });

    it('is stricter than the SDK only where §7 asks: a list leaving the digest out', () => {
      const headers = asDelivered(['(request-target)', 'date', 'x-request-id']);
      expect(sdkAccepts(headers)).toBe(true);
      expect(rejectionOf(() => verify(headers, BODY, { request: SDK_REQUEST }))).toBe('unsigned_headers');
    });
  });

  it('sees a header repeated on the wire, which Node would join into one value', () => {
    const headers = signed();
    const raw = Object.entries(headers).flatMap(([name, value]) => [name, value]);
    raw.push('X-Request-ID', headers['x-request-id']!);
    expect(headersFromRawHeaders(raw)['x-request-id']).toHaveLength(2);
    expect(rejectionOf(() => verify(headersFromRawHeaders(raw)))).toBe('repeated_header');
  });
});

describe('real webhooks from the sandbox', () => {
  let sandbox: SandboxProcess;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    await receiver.start();
    sandbox = await startSandboxProcess({ SANDBOX_WEBHOOK_URL: receiver.url });
  });
  afterAll(async () => {
    await sandbox?.stop();
    await receiver.stop();
  });

  it('are accepted with the merchant private key, one per lifecycle step; the same bodies forged are not', async () => {
    const token = await requestToken(sandbox);
    const { path, state } = payoutQuery();
    const created = await sdkRequest<{ meta: { session_id: string } }>(
      sandbox,
      token,
      'POST',
      path,
      linkPayoutBody(),
    );
    const sessionId = created.body.meta.session_id;
    await sandbox.control('POST', `/payouts/${sessionId}/payee`, {
      name: 'John Doe',
      iban: TEST_IBAN,
      bic: TEST_BIC,
    });
    const webhooks = await eventually(
      () => receiver.accepted(sessionId),
      (list) => list.some((w) => w.fields.transfer_state === 'completed'),
      { what: 'the completed webhook' },
    );
    const privateKey = createPrivateKey(sandbox.privateKeyPem);
    const check = (headers: WebhookHeaders, rawBody: string, appId = sandbox.appId) =>
      verifyFintectureWebhook({
        rawBody: Buffer.from(rawBody, 'utf8'),
        headers,
        request: WEBHOOK_REQUEST,
        appId,
        privateKey,
        maxAgeSeconds: MAX_AGE_SECONDS,
        futureToleranceSeconds: FUTURE_TOLERANCE_SECONDS,
        now: new Date(),
      });

    const verified = webhooks.map((webhook) => check(webhook.headers, webhook.rawBody));
    expect(verified.map((v) => v.fields.status)).toEqual([
      'iban_required',
      'iban_received',
      'payment_created',
      'payment_created',
      'payment_created',
    ]);
    expect(verified.every((v) => v.fields.state === state && v.fields.session_id === sessionId)).toBe(true);
    expect(new Set(verified.map((v) => v.requestId)).size).toBe(webhooks.length);

    const last = webhooks.at(-1)!;
    expect(rejectionOf(() => check(last.headers, last.rawBody.replace('completed', 'rejected')))).toBe(
      'digest_mismatch',
    );
    expect(rejectionOf(() => check(last.headers, last.rawBody, 'another-app'))).toBe('key_id_mismatch');
    expect(
      rejectionOf(() =>
        verifyFintectureWebhook({
          rawBody: Buffer.from(last.rawBody),
          headers: last.headers,
          request: WEBHOOK_REQUEST,
          appId: sandbox.appId,
          privateKey: webhookKeys().privateKey,
          maxAgeSeconds: MAX_AGE_SECONDS,
          futureToleranceSeconds: FUTURE_TOLERANCE_SECONDS,
          now: new Date(),
        }),
      ),
    ).toBe('undecryptable_signature');
  });
});
