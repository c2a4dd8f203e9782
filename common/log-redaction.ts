import { type redactOptions } from 'pino';

/**
 * pino `redact` settings shared by the ingress, the codec server and the worker. A second line of defence:
 * callers log IDs and codes only (G5), but should a body, a payee or a header slip into a log call, its
 * personal data and secrets are replaced before the line is written. pino's wildcards match one level, so
 * each key is listed at the top level and one level down.
 */

const SENSITIVE_KEYS = [
  'iban',
  'bic',
  'email',
  'phone',
  'authorization',
  'apiKey',
  'appSecret',
  'app_secret',
  'privateKey',
  'private_key',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'password',
];

/** A name alone is personal data only where it names a person. */
const PERSON_OBJECTS = ['payee', 'beneficiary'];

export const REDACTED = '[redacted]';

export const LOG_REDACTION: redactOptions = Object.freeze({
  paths: [
    ...SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`]),
    ...PERSON_OBJECTS.flatMap((person) => [`${person}.name`, `*.${person}.name`]),
    'headers.authorization',
    '*.headers.authorization',
  ],
  censor: REDACTED,
});
