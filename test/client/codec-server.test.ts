import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { defaultPayloadConverter } from '@temporalio/common';
import { createCodecServer } from '../../client/codec-server/server';
import { AesGcmPayloadCodec } from '../../common/payload-codec';

const codec = new AesGcmPayloadCodec({ currentKeyId: 'k1', keys: new Map([['k1', randomBytes(32)]]) });
const TOKEN = 'operator-token-0123456789';
const UI = 'http://127.0.0.1:8233';
let server: Server;
let base: string;

beforeAll(async () => {
  server = createCodecServer({ codec, token: TOKEN, allowedOrigin: UI });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

async function encrypted(value: unknown) {
  const [payload] = await codec.encode([defaultPayloadConverter.toPayload(value)!]);
  return {
    metadata: Object.fromEntries(
      Object.entries(payload!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
    ),
    data: Buffer.from(payload!.data!).toString('base64'),
  };
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const valueOf = (payload: { metadata: Record<string, string>; data: string }) =>
  defaultPayloadConverter.fromPayload({
    metadata: Object.fromEntries(
      Object.entries(payload.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    ),
    data: Buffer.from(payload.data, 'base64'),
  });

describe('the codec server', () => {
  it('decodes for an authorised caller (bearer token or token path), as the CLI and the Web UI ask', async () => {
    const payloads = [await encrypted({ iban: 'FR1420041010050500013M02606' })];
    for (const [path, headers] of [
      ['/decode', { authorization: `Bearer ${TOKEN}` }],
      [`/${TOKEN}/decode`, { origin: UI }],
    ] as const) {
      const response = await post(path, { payloads }, headers);
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        payloads: { metadata: Record<string, string>; data: string }[];
      };
      expect(valueOf(body.payloads[0]!)).toEqual({ iban: 'FR1420041010050500013M02606' });
    }
  });

  it('encodes what it decodes', async () => {
    const plain = defaultPayloadConverter.toPayload({ a: 1 })!;
    const json = {
      metadata: { encoding: Buffer.from(plain.metadata!.encoding!).toString('base64') },
      data: Buffer.from(plain.data!).toString('base64'),
    };
    const encoded = (await (
      await post('/encode', { payloads: [json] }, { authorization: `Bearer ${TOKEN}` })
    ).json()) as { payloads: unknown[] };
    const decoded = (await (await post('/decode', encoded, { authorization: `Bearer ${TOKEN}` })).json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    expect(valueOf(decoded.payloads[0]!)).toEqual({ a: 1 });
  });

  it('refuses without the token, with a wrong token, and from another origin', async () => {
    const payloads = [await encrypted({ secret: true })];
    expect((await post('/decode', { payloads })).status).toBe(401);
    expect(
      (await post('/decode', { payloads }, { authorization: 'Bearer wrong-token-0123456789' })).status,
    ).toBe(401);
    expect((await post(`/wrong/decode`, { payloads })).status).toBe(401);
    const foreign = await post(`/${TOKEN}/decode`, { payloads }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the Web UI preflight for its origin only, and a bad body with 400', async () => {
    const preflight = await fetch(`${base}/${TOKEN}/decode`, { method: 'OPTIONS', headers: { origin: UI } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
    expect((await post('/decode', { nope: 1 }, { authorization: `Bearer ${TOKEN}` })).status).toBe(400);
  });
});

describe('the codec server log', () => {
  it('never writes the token, also when the token travels in the path of a refused route', async () => {
    const lines: string[] = [];
    const logged = createCodecServer({
      codec,
      token: TOKEN,
      allowedOrigin: UI,
      log: (event, fields) => lines.push(JSON.stringify({ event, ...fields })),
    });
    await new Promise<void>((resolve) => logged.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(logged.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${url}/${TOKEN}/decode`, { headers: { origin: UI } })).status).toBe(404);
      expect((await fetch(`${url}/${TOKEN}/other`, { method: 'POST', headers: { origin: UI } })).status).toBe(
        404,
      );
    } finally {
      await new Promise((resolve) => logged.close(resolve));
    }
    expect(lines.filter((line) => line.includes('"reason":"route"'))).toHaveLength(2);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});
