import { z } from 'zod';
import { CODEC_ENV_KEYS } from '../../common/codec-config';
import { integer, optionalString, requiredString } from '../../common/env-schema';

/** The codec server's own settings; its keys come from PAYLOAD_CODEC_* like every other process. */
export const codecServerEnv = z.object({
  CODEC_SERVER_PORT: integer(0, 65_535, 8888),
  CODEC_SERVER_HOST: optionalString.transform((value) => value ?? '127.0.0.1'),
  CODEC_SERVER_TOKEN: requiredString('a string').pipe(z.string().min(16, 'must be at least 16 characters')),
  CODEC_SERVER_UI_ORIGIN: optionalString.transform((value) => value ?? 'http://127.0.0.1:8233'),
});

export const CODEC_SERVER_ENV_KEYS: readonly string[] = [
  ...Object.keys(codecServerEnv.shape),
  ...CODEC_ENV_KEYS,
];
