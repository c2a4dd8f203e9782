import { readFileSync } from 'node:fs';
import { type DataConverter } from '@temporalio/common';
import { z } from 'zod';
import { ConfigError } from './config-error';
import { optionalString, parseEnv } from './env-schema';
import { AesGcmPayloadCodec, type PayloadKeys } from './payload-codec';

/**
 * PAYLOAD_CODEC_KEYS: `id:base64key,id2:base64key` (32-byte keys), or PAYLOAD_CODEC_KEYS_FILE naming a JSON
 * file `{"currentKeyId": "…", "keys": {"id": "base64…"}}`. PAYLOAD_CODEC_KEY_ID picks the key new payloads
 * are encrypted with (default: the first). No key configured: the process refuses to start, unless
 * PAYLOAD_CODEC=off says plainly that payloads go in clear (tests of other concerns, never production).
 */
const codecEnvShape = {
  PAYLOAD_CODEC: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['aes-256-gcm', 'off']).default('aes-256-gcm'),
  ),
  PAYLOAD_CODEC_KEYS: optionalString,
  PAYLOAD_CODEC_KEYS_FILE: optionalString,
  PAYLOAD_CODEC_KEY_ID: optionalString,
};
export const CODEC_ENV_KEYS: readonly string[] = Object.keys(codecEnvShape);

function parseKeyList(list: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const entry of list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    if (colon <= 0 || !/^[\w.-]{1,64}$/.test(id)) throw new Error('each key must be written id:base64');
    keys.set(id, Buffer.from(entry.slice(colon + 1), 'base64'));
  }
  return keys;
}

/** The payload keys from the environment, or null when PAYLOAD_CODEC=off. Errors name the variable only. */
export function loadPayloadKeys(env: Record<string, string | undefined> = process.env): PayloadKeys | null {
  const settings = parseEnv(z.object(codecEnvShape), env);
  if (settings.PAYLOAD_CODEC === 'off') return null;
  let keys: Map<string, Buffer>;
  let currentKeyId = settings.PAYLOAD_CODEC_KEY_ID;
  const variable = settings.PAYLOAD_CODEC_KEYS_FILE ? 'PAYLOAD_CODEC_KEYS_FILE' : 'PAYLOAD_CODEC_KEYS';
  try {
    if (settings.PAYLOAD_CODEC_KEYS_FILE) {
      const file = JSON.parse(readFileSync(settings.PAYLOAD_CODEC_KEYS_FILE, 'utf8')) as {
        currentKeyId?: string;
        keys?: Record<string, string>;
      };
      keys = new Map(Object.entries(file.keys ?? {}).map(([id, key]) => [id, Buffer.from(key, 'base64')]));
      currentKeyId ??= file.currentKeyId;
    } else if (settings.PAYLOAD_CODEC_KEYS) {
      keys = parseKeyList(settings.PAYLOAD_CODEC_KEYS);
    } else {
      throw new Error('is required (or PAYLOAD_CODEC=off to store payloads in clear)');
    }
  } catch (error) {
    const message =
      error instanceof SyntaxError
        ? 'is not valid JSON'
        : error instanceof Error
          ? error.message
          : 'is invalid';
    throw new ConfigError([{ variable, message }]);
  }
  currentKeyId ??= keys.keys().next().value;
  if (!currentKeyId || !keys.has(currentKeyId)) {
    throw new ConfigError([
      { variable: 'PAYLOAD_CODEC_KEY_ID', message: 'must name one of the configured keys' },
    ]);
  }
  for (const [id, key] of keys) {
    if (key.length !== 32)
      throw new ConfigError([{ variable, message: `key ${id} must be 32 bytes, base64` }]);
  }
  return { currentKeyId, keys };
}

/**
 * The data converter every process uses with Temporal (worker, ingress, CLI, replay): payloads encrypted,
 * and failure messages and stack traces moved into an (encrypted) payload too, since they can quote data.
 */
export function payoutDataConverter(keys: PayloadKeys | null): DataConverter {
  return {
    ...(keys ? { payloadCodecs: [new AesGcmPayloadCodec(keys)] } : {}),
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}

/** Resolved like a module: the .ts file under tsx/Jest, the .js file once compiled. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');
