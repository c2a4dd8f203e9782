import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { loadPayloadKeys } from '../../common/codec-config';
import { ConfigError } from '../../common/config-error';
import { AesGcmPayloadCodec, KEY_ID_METADATA, PayloadCodecError } from '../../common/payload-codec';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const personal = {
  payee: { name: 'Jeanne Dupont', email: 'jeanne@dupont.example' },
  iban: 'FR1420041010050500013M02606',
};
const payload = (): Payload => defaultPayloadConverter.toPayload(personal)!;
const text = (p: Payload) =>
  Buffer.concat([
    Buffer.from(p.data ?? []),
    ...Object.values(p.metadata ?? {}).map((v) => Buffer.from(v ?? [])),
  ]).toString('latin1');

describe('AesGcmPayloadCodec', () => {
  const codec = new AesGcmPayloadCodec({ currentKeyId: 'a', keys: new Map([['a', keyA]]) });

  it('encrypts: nothing of the value is readable, and it decodes back to the same payload', async () => {
    const [encrypted] = await codec.encode([payload()]);
    for (const secret of ['Jeanne', 'dupont', 'FR14', 'json/plain'])
      expect(text(encrypted!)).not.toContain(secret);
    expect(Buffer.from(encrypted!.metadata![KEY_ID_METADATA]!).toString()).toBe('a');
    const [decoded] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(personal);
  });

  it('uses a fresh IV every time', async () => {
    const [one, two] = await codec.encode([payload(), payload()]);
    expect(Buffer.from(one!.data!).equals(Buffer.from(two!.data!))).toBe(false);
  });

  it('rotates: new payloads use the current key, older ones still decrypt with theirs', async () => {
    const [old] = await codec.encode([payload()]);
    const rotated = new AesGcmPayloadCodec({
      currentKeyId: 'b',
      keys: new Map([
        ['a', keyA],
        ['b', keyB],
      ]),
    });
    const [fresh] = await rotated.encode([payload()]);
    expect(Buffer.from(fresh!.metadata![KEY_ID_METADATA]!).toString()).toBe('b');
    const decoded = await rotated.decode([old!, fresh!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([personal, personal]);
  });

  it('refuses an unknown key and a tampered payload, naming the key and never the data', async () => {
    const [encrypted] = await codec.encode([payload()]);
    const other = new AesGcmPayloadCodec({ currentKeyId: 'b', keys: new Map([['b', keyB]]) });
    await expect(other.decode([encrypted!])).rejects.toThrow(
      new PayloadCodecError('payload encrypted with unknown key "a"'),
    );
    const data = Buffer.from(encrypted!.data!);
    data[20] = data[20]! ^ 0xff;
    await expect(codec.decode([{ ...encrypted!, data }])).rejects.toThrow(/does not decrypt with key "a"/);
  });

  it('passes payloads written before encryption through unchanged', async () => {
    const plain = payload();
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('refuses keys that are not 32 bytes, or a current key it does not hold', () => {
    expect(
      () => new AesGcmPayloadCodec({ currentKeyId: 'a', keys: new Map([['a', randomBytes(16)]]) }),
    ).toThrow(/32 bytes/);
    expect(() => new AesGcmPayloadCodec({ currentKeyId: 'x', keys: new Map([['a', keyA]]) })).toThrow(
      /current key x/,
    );
  });
});

describe('payload keys from the environment', () => {
  const b64 = (key: Buffer) => key.toString('base64');

  it('reads a key list, the first key current unless PAYLOAD_CODEC_KEY_ID says otherwise', () => {
    const list = `a:${b64(keyA)},b:${b64(keyB)}`;
    expect(loadPayloadKeys({ PAYLOAD_CODEC_KEYS: list })?.currentKeyId).toBe('a');
    const keys = loadPayloadKeys({ PAYLOAD_CODEC_KEYS: list, PAYLOAD_CODEC_KEY_ID: 'b' });
    expect(keys?.currentKeyId).toBe('b');
    expect([...keys!.keys.keys()]).toEqual(['a', 'b']);
  });

  it('reads a key file', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'keys-')), 'keys.json');
    writeFileSync(file, JSON.stringify({ currentKeyId: 'b', keys: { a: b64(keyA), b: b64(keyB) } }));
    expect(loadPayloadKeys({ PAYLOAD_CODEC_KEYS_FILE: file })?.currentKeyId).toBe('b');
  });

  it('refuses to run without keys unless PAYLOAD_CODEC=off says so, naming the variable and never a key', () => {
    expect(() => loadPayloadKeys({})).toThrow(ConfigError);
    expect(() => loadPayloadKeys({})).toThrow(/PAYLOAD_CODEC_KEYS is required/);
    expect(loadPayloadKeys({ PAYLOAD_CODEC: 'off' })).toBeNull();
    const short = `a:${b64(randomBytes(16))}`;
    const error = (() => {
      try {
        loadPayloadKeys({ PAYLOAD_CODEC_KEYS: short });
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.variables).toEqual(['PAYLOAD_CODEC_KEYS']);
    expect(error.message).not.toContain(short.slice(2));
    expect(() =>
      loadPayloadKeys({ PAYLOAD_CODEC_KEYS: `a:${b64(keyA)}`, PAYLOAD_CODEC_KEY_ID: 'z' }),
    ).toThrow(/PAYLOAD_CODEC_KEY_ID/);
  });
});
