import { type KeyObject } from 'node:crypto';
import { z } from 'zod';
import {
  DEFAULT_PAYOUT_SETTINGS,
  DEFAULT_QUIET_POLL_SECONDS,
  type PayoutSettings,
} from '../domain/payout-settings';
import { SESSION_STATUSES, TRANSFER_STATES } from '../domain/session-states';
import { CODEC_ENV_KEYS, loadPayloadKeys } from '../common/codec-config';
import { ConfigError } from '../common/config-error';
import { type PayloadKeys } from '../common/payload-codec';
import {
  httpUrl,
  integer,
  optional,
  optionalString,
  parseEnv,
  requiredString,
  rsaPrivateKey,
} from '../common/env-schema';
import { Secret } from '../common/secret';
import {
  checkCertificatePair,
  describeTemporal,
  temporalConfigFrom,
  temporalEnvShape,
  type TemporalConfig,
} from '../common/temporal-config';

export { ConfigError, type TemporalConfig };

/**
 * Settings of the processes that talk to Temporal from outside (ingress, CLI), parsed once from the
 * environment. Errors name the variable and never repeat its value; `toString()` shows no secret.
 */

/** What a client needs to start payouts: where Temporal is, and the settings each payout starts with. */
export interface ClientConfig {
  readonly temporal: TemporalConfig;
  /** Payload encryption keys (G5); null only when PAYLOAD_CODEC=off. */
  readonly payloadKeys: PayloadKeys | null;
  readonly payoutSettings: PayoutSettings;
  toString(): string;
}

export interface WebhookConfig {
  /** Fintecture's `keyId` must equal it. */
  readonly appId: string;
  /** Decrypts the webhook signatures (fintecture-api.md §7). */
  readonly privateKey: Secret<KeyObject>;
  /** How far ahead of our clock a webhook's `Date` may be (clock skew). */
  readonly dateToleranceSeconds: number;
  /** How old a webhook's `Date` may be (`WEBHOOK_MAX_AGE_SECONDS`). */
  readonly maxAgeSeconds: number;
}

/**
 * A genuine delivery may be late by Fintecture's console offset (up to 60 min) plus 10 retries with
 * exponentially growing delays, and nothing says the `Date` is re-stamped (fintecture-api.md §7). The
 * retry schedule is not documented: doubling from 1 min, 10 retries span ≈ 17 h, so 24 h covers it with
 * margin. A long window is safe: a webhook only prompts a read (G4), and X-Request-ID dedupe stops repeats.
 */
export const DEFAULT_WEBHOOK_MAX_AGE_SECONDS = 86_400;

/** The return page's merchant name when `MERCHANT_DISPLAY_NAME` is not set. */
export const DEFAULT_MERCHANT_DISPLAY_NAME = 'Your merchant';

export interface IngressConfig extends ClientConfig {
  readonly host: string;
  readonly port: number;
  /** Bearer key of the order routes. */
  readonly apiKey: Secret<string>;
  /** How Fintecture and browsers reach the ingress, without a trailing slash. */
  readonly publicBaseUrl: string;
  readonly webhook: WebhookConfig;
  /** Per-source token bucket of the public routes. */
  readonly rateLimit: { readonly perMinute: number; readonly burst: number };
  /** The merchant's name as payees know it, on the return page (`MERCHANT_DISPLAY_NAME`). */
  readonly merchantDisplayName: string;
}

const list = <T extends string>(allowed: readonly T[], fallback: readonly T[]) =>
  optionalString
    .transform((value) => (value === undefined ? [...fallback] : value.split(',').map((item) => item.trim())))
    .pipe(z.array(z.enum(allowed as [T, ...T[]], { error: `must list only: ${allowed.join(', ')}` })).min(1));

const clientShape = {
  ...temporalEnvShape,
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
  // Scenario 1 before the payee acts: reads follow the poll schedule up to this delay, then repeat it.
  PAYOUT_QUIET_POLL_SECONDS: integer(1, 7 * 86_400, DEFAULT_QUIET_POLL_SECONDS),
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
  PUBLIC_BASE_URL: optional(httpUrl),
  FINTECTURE_APP_ID: requiredString('a string'),
  FINTECTURE_PRIVATE_KEY: rsaPrivateKey,
  // Future Dates only (clock skew); how old a Date may be is WEBHOOK_MAX_AGE_SECONDS.
  WEBHOOK_DATE_TOLERANCE_SECONDS: integer(1, 3600, 300),
  WEBHOOK_MAX_AGE_SECONDS: integer(60, 7 * 86_400, DEFAULT_WEBHOOK_MAX_AGE_SECONDS),
  // Keyed by the socket's IP: behind a load balancer every request shares one bucket, so the defaults are
  // generous; set them per deployment.
  INGRESS_RATE_LIMIT_PER_MINUTE: integer(1, 1_000_000, 6000),
  INGRESS_RATE_LIMIT_BURST: integer(1, 100_000, 600),
  // Shown to payees on the return page (the order's merchant as they know it).
  MERCHANT_DISPLAY_NAME: optionalString
    .transform((value) => value?.trim() || DEFAULT_MERCHANT_DISPLAY_NAME)
    .pipe(z.string().max(80, 'must be at most 80 characters')),
};

const ClientEnvSchema = z.object(clientShape).superRefine(checkCertificatePair);
const IngressEnvSchema = z.object({ ...clientShape, ...ingressShape }).superRefine(checkCertificatePair);

/** Every variable the ingress reads (docker-compose.yml is checked against this list). */
export const INGRESS_ENV_KEYS: readonly string[] = [
  ...Object.keys(clientShape),
  ...Object.keys(ingressShape),
  ...CODEC_ENV_KEYS,
];

type ClientEnv = z.output<typeof ClientEnvSchema>;

function payoutSettingsFrom(settings: ClientEnv): PayoutSettings {
  return {
    pollDelaysSeconds: settings.PAYOUT_POLL_DELAYS_SECONDS,
    maxWaitSeconds: settings.PAYOUT_MAX_WAIT_SECONDS,
    linkGraceSeconds: settings.PAYOUT_LINK_GRACE_SECONDS,
    quietPollSeconds: settings.PAYOUT_QUIET_POLL_SECONDS,
    finalStates: {
      sessionStatuses: settings.FINTECTURE_FINAL_SESSION_STATUSES,
      transferStates: settings.FINTECTURE_FINAL_TRANSFER_STATES,
    },
  };
}

/** Temporal and payout settings: what the CLI needs. Throws `ConfigError` naming every bad variable. */
export function loadClientConfig(env: Record<string, string | undefined> = process.env): ClientConfig {
  const settings = parseEnv(ClientEnvSchema, env);
  const temporal = temporalConfigFrom(settings);
  return Object.freeze({
    temporal,
    payoutSettings: payoutSettingsFrom(settings),
    payloadKeys: loadPayloadKeys(env),
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
    payloadKeys: loadPayloadKeys(env),
    host: settings.INGRESS_HOST,
    port: settings.INGRESS_PORT,
    apiKey: settings.INGRESS_API_KEY,
    publicBaseUrl,
    webhook: Object.freeze({
      appId: settings.FINTECTURE_APP_ID,
      privateKey: settings.FINTECTURE_PRIVATE_KEY,
      dateToleranceSeconds: settings.WEBHOOK_DATE_TOLERANCE_SECONDS,
      maxAgeSeconds: settings.WEBHOOK_MAX_AGE_SECONDS,
    }),
    rateLimit: Object.freeze({
      perMinute: settings.INGRESS_RATE_LIMIT_PER_MINUTE,
      burst: settings.INGRESS_RATE_LIMIT_BURST,
    }),
    merchantDisplayName: settings.MERCHANT_DISPLAY_NAME,
    toString: () =>
      `IngressConfig(listen=${settings.INGRESS_HOST}:${settings.INGRESS_PORT} publicBaseUrl=${publicBaseUrl}` +
      ` appId=${settings.FINTECTURE_APP_ID} ${describeTemporal(temporal)})`,
  });
}
