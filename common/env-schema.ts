import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from './config-error';
import { readPem } from './pem';
import { Secret } from './secret';

/** Small zod helpers for settings read from the environment, shared by every process's config. */

// `FOO=` in an env file means "not set", not "set to empty".
export const blankAsUnset = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** A setting that may be left out: blank or absent is `undefined`, anything else must pass `schema`. */
export const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUnset, schema.optional());

export const optionalString = optional(z.string());

export const requiredString = (what: string) =>
  z.preprocess(
    blankAsUnset,
    z.string({ error: (issue) => (issue.input === undefined ? 'is required' : `must be ${what}`) }),
  );

export const integer = (min: number, max: number, fallback: number) =>
  z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: 'must be a number' })
      .int(`must be a whole number between ${min} and ${max}`)
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(fallback),
  );

export const pem = (what: string) =>
  optionalString.transform((value, context) => {
    if (value === undefined) return undefined;
    try {
      return Buffer.from(readPem(value), 'utf8');
    } catch {
      context.addIssue({ code: 'custom', message: `must be ${what} in PEM (its text or a file path)` });
      return z.NEVER;
    }
  });

/** An http(s) URL, without trailing slashes (paths are appended to it). */
export const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((value) => value.replace(/\/+$/, ''));

/** The application's RSA private key, from its PEM text or a file path. Never echoes the value: it may be the key. */
export const rsaPrivateKey = requiredString('PEM text or a path').transform((value, context) => {
  try {
    const key = createPrivateKey(readPem(value));
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA key');
    return new Secret(key);
  } catch {
    context.addIssue({
      code: 'custom',
      message: 'must be an RSA private key in PEM (its text or the path of a readable file)',
    });
    return z.NEVER;
  }
});

/** Parses the environment with `schema`; throws `ConfigError` naming every bad variable. */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? 'environment'),
        message: issue.message,
      })),
    );
  }
  return result.data;
}
