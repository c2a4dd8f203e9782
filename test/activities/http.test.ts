import { createPrivateKey, createVerify, generateKeyPairSync } from 'node:crypto';
import { FintectureHttp, type HttpExchange } from '../../activities/fintecture/http';
import {
  FintectureAmbiguousOutcomeError,
  FintectureUnavailableError,
} from '../../activities/fintecture/errors';
import { Secret } from '../../common/secret';
import { buildSigningString, digestHeaderFor } from '../../activities/fintecture/signing';
import { eventually } from '../support/wait';
import { RecordingLogger } from './harness';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const NOW = Date.UTC(2026, 10, 24, 10, 0, 0);
const TOKEN = 'tok-do-not-leak-3c1f';

function httpWith(fetchImpl: (request: Request) => Promise<Response>) {
  const calls: Request[] = [];
  const http = new FintectureHttp({
    config: {
      apiUrl: 'http://fintecture.test/base',
      appId: 'app-1',
      privateKey: new Secret(createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }))),
    },
    clock: { now: () => NOW },
    logger: new RecordingLogger(),
    fetch: (async (input: Request | string | URL) => {
      const request = input as Request;
      calls.push(request.clone());
      return fetchImpl(request);
    }) as typeof fetch,
  });
  return { http, calls };
}

const create: HttpExchange = {
  operation: 'create',
  method: 'POST',
  path: '/pis/v2/request-for-payout',
  query: [
    ['redirect_uri', 'https://shop.example/return?x=1&y=a b é'],
    ['state', "payout-A&B=C+D!'()*"],
  ],
  body: { json: { meta: { psu_name: 'Zoé' }, data: { attributes: { amount: '1.00' } } } },
  headers: { 'x-language': 'fr', 'x-country': undefined },
  authorization: new Secret(`Bearer ${TOKEN}`),
  signed: true,
  mutating: true,
  timeoutMs: 500,
};
const read: HttpExchange = {
  ...create,
  operation: 'fetch',
  method: 'GET',
  path: '/pis/v2/payments/abc',
  query: [],
  body: undefined,
  mutating: false,
};

function connectionError(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code}`), { code }) });
}

// Held here as a real socket would hold them: otherwise a never-answering fake is unreachable garbage, and
// the garbage collector can take the abort listeners with it.
const hanging: Request[] = [];
/** Rejects only when the request is aborted, like a server that never answers. */
const hang = (request: Request) =>
  new Promise<Response>((_, reject) => {
    hanging.push(request);
    if (request.signal.aborted) reject(request.signal.reason);
    request.signal.addEventListener('abort', () => reject(request.signal.reason));
  });

describe('the signed HTTP layer', () => {
  it('signs the request exactly as it goes out: final URL, body bytes, Date, X-Request-ID', async () => {
    const { http, calls } = httpWith(async () => new Response('{}', { status: 201 }));
    const result = await http.exchange(create);
    expect(result.status).toBe(201);

    const sent = calls[0]!;
    const url = new URL(sent.url);
    const bytes = new Uint8Array(await sent.arrayBuffer());
    expect(url.pathname).toBe('/base/pis/v2/request-for-payout');
    expect(sent.headers.get('digest')).toBe(digestHeaderFor(bytes));
    expect(sent.headers.get('date')).toBe('Tue, 24 Nov 2026 10:00:00 GMT');
    expect(sent.headers.get('x-request-id')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(sent.headers.get('x-request-id')).toBe(result.requestId);
    expect(sent.headers.get('content-type')).toBe('application/json');
    expect(sent.headers.get('accept')).toBe('application/json');
    expect(sent.headers.get('x-language')).toBe('fr');
    expect(sent.headers.has('x-country')).toBe(false);
    expect(new TextDecoder().decode(bytes)).toContain('"psu_name":"Zoé"');

    const signatureHeader = sent.headers.get('signature')!;
    expect(signatureHeader).toContain(
      'keyId="app-1",algorithm="rsa-sha256",headers="(request-target) date digest x-request-id"',
    );
    const signingString = buildSigningString({
      method: 'POST',
      target: url.pathname + url.search,
      date: sent.headers.get('date')!,
      digest: sent.headers.get('digest')!,
      requestId: sent.headers.get('x-request-id')!,
    });
    const signature = /signature="([^"]+)"/.exec(signatureHeader)![1]!;
    expect(createVerify('RSA-SHA256').update(signingString).verify(publicKey, signature, 'base64')).toBe(
      true,
    );
  });

  it('signs a bodiless request without a Digest', async () => {
    const { http, calls } = httpWith(async () => new Response('{}'));
    await http.exchange(read);
    expect(calls[0]!.headers.has('digest')).toBe(false);
    expect(calls[0]!.headers.get('signature')).toContain('headers="(request-target) date x-request-id"');
  });

  it('does not sign the token call', async () => {
    const { http, calls } = httpWith(async () => new Response('{}'));
    await http.exchange({
      ...read,
      operation: 'token',
      method: 'POST',
      body: { form: { a: 'b' } },
      signed: false,
    });
    for (const name of ['signature', 'digest', 'date', 'x-request-id'])
      expect(calls[0]!.headers.has(name)).toBe(false);
    expect(calls[0]!.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
  });

  it('never retries by itself, not even a 503 on a read', async () => {
    const { http, calls } = httpWith(async () => new Response('', { status: 503 }));
    expect((await http.exchange(read)).status).toBe(503);
    expect(calls).toHaveLength(1);
  });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])(
    'reports %s as unavailable even for a create: the request never left',
    async (code) => {
      const { http, calls } = httpWith(async () => Promise.reject(connectionError(code)));
      const error = await http.exchange(create).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FintectureUnavailableError);
      expect(calls).toHaveLength(1);
    },
  );

  it('reports a connection dropped after sending as ambiguous for a create, unavailable for a read', async () => {
    const { http } = httpWith(async () => Promise.reject(connectionError('UND_ERR_SOCKET')));
    expect(await http.exchange(create).catch((e: unknown) => e)).toBeInstanceOf(
      FintectureAmbiguousOutcomeError,
    );
    expect(await http.exchange(read).catch((e: unknown) => e)).toBeInstanceOf(FintectureUnavailableError);
  });

  it('times out a call that gets no answer: ambiguous for a create, unavailable for a read', async () => {
    const { http } = httpWith(hang);
    const createError = await http.exchange(create).catch((e: unknown) => e);
    expect(createError).toBeInstanceOf(FintectureAmbiguousOutcomeError);
    expect((createError as Error).message).toContain('500 ms');
    expect(await http.exchange(read).catch((e: unknown) => e)).toBeInstanceOf(FintectureUnavailableError);
  });

  it('aborts the call in flight when the caller (the activity) is cancelled, with the caller’s reason', async () => {
    const { http } = httpWith(hang);
    const before = hanging.length;
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    const pending = http.exchange({ ...create, timeoutMs: 30_000, signal: controller.signal });
    await eventually(
      () => hanging.length,
      (n) => n > before,
      { what: 'the request to be in flight' },
    );
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('keeps the token out of errors', async () => {
    for (const fetchImpl of [hang, async () => Promise.reject(connectionError('ECONNRESET'))]) {
      const { http } = httpWith(fetchImpl);
      const error = (await http.exchange(create).catch((e: unknown) => e)) as Error;
      expect(`${error.message} ${error.stack} ${String(error.cause)}`).not.toContain(TOKEN);
    }
  });
});
