import { createPrivateKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_PAYOUT_SETTINGS, type PayoutSettings } from '../domain/payout-settings';
import { SESSION_STATUSES, TRANSFER_STATES } from '../domain/payout-snapshot';
import { readPem } from './pem';
import { Secret } from './secret';

/**
 * Settings of the processes that talk to Temporal from outside (ingress, CLI), parsed once from the
 * environment. Errors name the variable and never repeat its value; `toString()` shows no secret.
 */

export interface TemporalConfig {
  /** `host:port` of the Temporal frontend. */
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly apiKey: Secret<string> | undefined;
  /** Set when any TLS setting or an API key is: Temporal Cloud and most clusters need TLS then. */
  readonly tls:
    | {
        readonly clientCertPair: { readonly crt: Buffer; readonly key: Secret<Buffer> } | undefined;
        readonly serverRootCACertificate: Buffer | undefined;
        readonly serverNameOverride: string | undefined;
      }
    | undefined;
}

/** What a client needs to start payouts: where Temporal is, and the settings each payout starts with. */
export interface ClientConfig {
  readonly temporal: TemporalConfig;
  readonly payoutSettings: PayoutSettings;
  toString(): string;
}

export interface WebhookConfig {
  /** Fintecture's `keyId` must equal it. */
  readonly appId: string;
  /** Decrypts the webhook signatures (fintecture-api.md §7). */
  readonly privateKey: Secret<KeyObject>;
  readonly dateToleranceSeconds: number;
}

export interface IngressConfig extends ClientConfig {
  readonly host: string;
  readonly port: number;
  /** Bearer key of the order routes. */
  readonly apiKey: Secret<string>;
  /** How Fintecture and browsers reach the ingress, without a trailing slash. */
  readonly publicBaseUrl: string;
  readonly webhook: WebhookConfig;
}

export class ConfigError extends Error {
  /** The environment variables at fault. */
  readonly variables: string[];

  constructor(problems: { variable: string; message: string }[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable} ${p.message}`).join('; ')}`);
    this.name = 'ConfigError';
    this.variables = [...new Set(problems.map((p) => p.variable))];
  }
}

// `FOO=` in an env file means "not set", not "set to empty".
const blankAsUnset = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const optionalString = z.preprocess(blankAsUnset, z.string().optional());

const requiredString = (what: string) =>
  z.preprocess(
    blankAsUnset,
    z.string({ error: (issue) => (issue.input === undefined ? 'is required' : `must be ${what}`) }),
  );

const integer = (min: number, max: number, fallback: number) =>
  z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: 'must be a number' })
      .int(`must be a whole number between ${min} and ${max}`)
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(fallback),
  );

const pem = (what: string) =>
  optionalString.transform((value, context) => {
    if (value === undefined) return undefined;
    try {
      return Buffer.from(readPem(value), 'utf8');
    } catch {
      context.addIssue({ code: 'custom', message: `must be ${what} in PEM (its text or a file path)` });
      return z.NEVER;
    }
  });

const list = <T extends string>(allowed: readonly T[], fallback: readonly T[]) =>
  optionalString
    .transform((value) => (value === undefined ? [...fallback] : value.split(',').map((item) => item.trim())))
    .pipe(z.array(z.enum(allowed as [T, ...T[]], { error: `must list only: ${allowed.join(', ')}` })).min(1));

const clientShape = {
  TEMPORAL_ADDRESS: optionalString
    .pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9.[\]:-]+:\d{1,5}$/, 'must be host:port')
        .optional(),
    )
    .transform((value) => value ?? '127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: optionalString.transform((value) => value ?? 'default'),
  TEMPORAL_TASK_QUEUE: optionalString.transform((value) => value ?? 'payouts'),
  TEMPORAL_API_KEY: optionalString.transform((value) =>
    value === undefined ? undefined : new Secret(value),
  ),
  TEMPORAL_TLS_CERT: pem('a certificate'),
  TEMPORAL_TLS_KEY: pem('a private key').transform((value) =>
    value === undefined ? undefined : new Secret(value),
  ),
  TEMPORAL_TLS_CA: pem('a CA certificate'),
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  PAYOUT_POLL_DELAYS_SECONDS: optionalString
    .transform((value) =>
      value === undefined ? [...DEFAULT_PAYOUT_SETTINGS.pollDelaysSeconds] : value.split(',').map(Number),
    )
    .pipe(
      z
        .array(z.number().int().min(1).max(86_400), {
          error: 'must be comma-separated whole seconds between 1 and 86400',
        })
        .min(1, 'must list at least one delay'),
    ),
  PAYOUT_MAX_WAIT_SECONDS: integer(60, 366 * 86_400, DEFAULT_PAYOUT_SETTINGS.maxWaitSeconds),
  PAYOUT_LINK_GRACE_SECONDS: integer(0, 30 * 86_400, DEFAULT_PAYOUT_SETTINGS.linkGraceSeconds),
  // Same names as the worker's: the final sets are fixed into each payout's input when it starts.
  FINTECTURE_FINAL_SESSION_STATUSES: list(
    SESSION_STATUSES,
    DEFAULT_PAYOUT_SETTINGS.finalStates.sessionStatuses,
  ),
  FINTECTURE_FINAL_TRANSFER_STATES: list(TRANSFER_STATES, DEFAULT_PAYOUT_SETTINGS.finalStates.transferStates),
};

const ingressShape = {
  INGRESS_PORT: integer(0, 65_535, 4000),
  INGRESS_HOST: optionalString.transform((value) => value ?? '127.0.0.1'),
  INGRESS_API_KEY: requiredString('a string')
    .pipe(z.string().min(16, 'must be at least 16 characters'))
    .transform((value) => new Secret(value)),
  PUBLIC_BASE_URL: optionalString.pipe(
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
  ),
  FINTECTURE_APP_ID: requiredString('a string'),
  FINTECTURE_PRIVATE_KEY: requiredString('PEM text or a path').transform((value, context) => {
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
  }),
  WEBHOOK_DATE_TOLERANCE_SECONDS: integer(1, 3600, 300),
};

/** A client certificate needs both halves. */
function checkCertificatePair(
  settings: { TEMPORAL_TLS_CERT?: unknown; TEMPORAL_TLS_KEY?: unknown },
  context: z.RefinementCtx,
): void {
  const hasCert = settings.TEMPORAL_TLS_CERT !== undefined;
  if (hasCert === (settings.TEMPORAL_TLS_KEY !== undefined)) return;
  context.addIssue({
    code: 'custom',
    path: [hasCert ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'],
    message: 'is required when the other half of the client certificate pair is set',
  });
}

const ClientEnvSchema = z.object(clientShape).superRefine(checkCertificatePair);
const IngressEnvSchema = z.object({ ...clientShape, ...ingressShape }).superRefine(checkCertificatePair);

type ClientEnv = z.output<typeof ClientEnvSchema>;

function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
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

function temporalConfigFrom(settings: ClientEnv): TemporalConfig {
  const { TEMPORAL_TLS_CERT: crt, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca } = settings;
  const serverName = settings.TEMPORAL_TLS_SERVER_NAME;
  const useTls = [crt, key, ca, serverName, settings.TEMPORAL_API_KEY].some((value) => value !== undefined);
  return {
    address: settings.TEMPORAL_ADDRESS,
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    apiKey: settings.TEMPORAL_API_KEY,
    tls: useTls
      ? {
          clientCertPair: crt && key ? { crt, key } : undefined,
          serverRootCACertificate: ca,
          serverNameOverride: serverName,
        }
      : undefined,
  };
}

function payoutSettingsFrom(settings: ClientEnv): PayoutSettings {
  return {
    pollDelaysSeconds: settings.PAYOUT_POLL_DELAYS_SECONDS,
    maxWaitSeconds: settings.PAYOUT_MAX_WAIT_SECONDS,
    linkGraceSeconds: settings.PAYOUT_LINK_GRACE_SECONDS,
    finalStates: {
      sessionStatuses: settings.FINTECTURE_FINAL_SESSION_STATUSES,
      transferStates: settings.FINTECTURE_FINAL_TRANSFER_STATES,
    },
  };
}

function describeTemporal(temporal: TemporalConfig): string {
  return (
    `temporal=${temporal.address}/${temporal.namespace} taskQueue=${temporal.taskQueue}` +
    ` tls=${temporal.tls ? 'on' : 'off'} apiKey=${temporal.apiKey ? 'set' : 'unset'}`
  );
}

/** Temporal and payout settings: what the CLI needs. Throws `ConfigError` naming every bad variable. */
export function loadClientConfig(env: Record<string, string | undefined> = process.env): ClientConfig {
  const settings = parseEnv(ClientEnvSchema, env);
  const temporal = temporalConfigFrom(settings);
  return Object.freeze({
    temporal,
    payoutSettings: payoutSettingsFrom(settings),
    toString: () => `ClientConfig(${describeTemporal(temporal)})`,
  });
}

/** Everything the ingress needs. Throws `ConfigError` naming every bad variable. */
export function loadIngressConfig(env: Record<string, string | undefined> = process.env): IngressConfig {
  const settings = parseEnv(IngressEnvSchema, env);
  const temporal = temporalConfigFrom(settings);
  const publicBaseUrl = settings.PUBLIC_BASE_URL ?? `http://127.0.0.1:${settings.INGRESS_PORT}`;
  return Object.freeze({
    temporal,
    payoutSettings: payoutSettingsFrom(settings),
    host: settings.INGRESS_HOST,
    port: settings.INGRESS_PORT,
    apiKey: settings.INGRESS_API_KEY,
    publicBaseUrl,
    webhook: Object.freeze({
      appId: settings.FINTECTURE_APP_ID,
      privateKey: settings.FINTECTURE_PRIVATE_KEY,
      dateToleranceSeconds: settings.WEBHOOK_DATE_TOLERANCE_SECONDS,
    }),
    toString: () =>
      `IngressConfig(listen=${settings.INGRESS_HOST}:${settings.INGRESS_PORT} publicBaseUrl=${publicBaseUrl}` +
      ` appId=${settings.FINTECTURE_APP_ID} ${describeTemporal(temporal)})`,
  });
}
