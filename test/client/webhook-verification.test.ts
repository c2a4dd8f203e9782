import { createHash, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  headersFromRawHeaders,
  signWebhookForTests,
  verifyFintectureWebhook,
  WebhookVerificationError,
  type WebhookHeaders,
  type WebhookVerificationFailure,
} from '../../client/webhook-verification';
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
const BODY =
  'session_id=b2bca2bcd3b64a32a7da0766df59a7d2&status=payment_created&customer_id=1ef7&provider=provider' +
  '&state=payout-123&event=payment_session.status.payment_created&transfer_state=initiated';

function signed(overrides: { body?: string; date?: Date; requestId?: string; publicKey?: string } = {}) {
  const keys = webhookKeys();
  return signWebhookForTests({
    body: overrides.body ?? BODY,
    appId: TEST_APP_ID,
    publicKey: overrides.publicKey ?? keys.publicKey,
    date: overrides.date ?? NOW,
    requestId: overrides.requestId ?? '88c414df-6895-48db-8ef3-1fd1ce4272c6',
  });
}

function verify(headers: WebhookHeaders, body: string | Buffer = BODY, now = NOW) {
  return verifyFintectureWebhook({
    rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
    headers,
    appId: TEST_APP_ID,
    privateKey: webhookKeys().privateKey,
    toleranceSeconds: 300,
    now,
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

  it('accepts a date anywhere inside the tolerance window, both ways', () => {
    expect(() => verify(signed({ date: new Date(NOW.getTime() - 299_000) }))).not.toThrow();
    expect(() => verify(signed({ date: new Date(NOW.getTime() + 299_000) }))).not.toThrow();
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
        'a signature that leaves x-request-id out',
        () => verify(withSignatureParam(signed(), 'headers', 'date digest')),
        'unsigned_headers',
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
      ['a stale date', () => verify(signed({ date: new Date(NOW.getTime() - 301_000) })), 'stale_date'],
      ['a future date', () => verify(signed({ date: new Date(NOW.getTime() + 301_000) })), 'future_date'],
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
        appId,
        privateKey,
        toleranceSeconds: 300,
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
          appId: sandbox.appId,
          privateKey: webhookKeys().privateKey,
          toleranceSeconds: 300,
          now: new Date(),
        }),
      ),
    ).toBe('undecryptable_signature');
  });
});
