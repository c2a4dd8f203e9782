import { z } from 'zod';
import { ConfigError } from './config-error';
import { readPem } from './pem';

/** Small zod helpers for settings read from the environment, shared by every process's config. */

// `FOO=` in an env file means "not set", not "set to empty".
export const blankAsUnset = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

export const optionalString = z.preprocess(blankAsUnset, z.string().optional());

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
