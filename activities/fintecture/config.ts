import { type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { httpUrl, integer, optional, parseEnv, requiredString, rsaPrivateKey } from '../../common/env-schema';
import { Secret } from '../../common/secret';

/** Everything the Fintecture client needs, parsed once at start-up (`loadFintectureConfig`). */
export interface FintectureConfig {
  /** Base URL of the API and OAuth host, without a trailing slash. */
  readonly apiUrl: string;
  readonly appId: string;
  readonly appSecret: Secret<string>;
  /** The application's RSA private key: signs every API request (fintecture-api.md §3). */
  readonly privateKey: Secret<KeyObject>;
  /** OAuth scope: `PIS` by default; some accounts need `payout`. */
  readonly scope: string;
  /** `${PUBLIC_BASE_URL}/payouts/return`: where the payee's browser comes back (scenario 1). */
  readonly redirectUri: string;
  /** Defaults for the `x-language` / `x-country` headers when a request does not say. */
  readonly language: string | undefined;
  readonly country: string | undefined;
  readonly requestTimeoutMs: number;
  readonly tokenTimeoutMs: number;
  /** A token is renewed this long before `expires_in` runs out (at most half its lifetime). */
  readonly tokenRefreshMarginMs: number;
  readonly reconciliation: {
    /** How many pages of `GET /pis/v2/payments` a full reconciliation may read before giving up. */
    readonly maxPages: number;
    readonly pageSize: number;
  };
  /**
   * Retry delay after an ambiguous create: gives a request that the server is still processing time to
   * land before the next attempt looks for it. `0`: no override, the retry policy decides.
   */
  readonly ambiguousRetryDelayMs: number;
  /** A summary safe to log: no secret. */
  toString(): string;
}

const EnvSchema = z.object({
  FINTECTURE_API_URL: optional(httpUrl).transform((value) => value ?? 'http://127.0.0.1:4010'),
  FINTECTURE_APP_ID: requiredString('a string'),
  FINTECTURE_APP_SECRET: requiredString('a string').transform((value) => new Secret(value)),
  FINTECTURE_PRIVATE_KEY: rsaPrivateKey,
  FINTECTURE_SCOPE: optional(
    z.string().regex(/^[A-Za-z_]+(?: [A-Za-z_]+)*$/, 'must be a scope name, e.g. PIS'),
  ).transform((value) => value ?? 'PIS'),
  PUBLIC_BASE_URL: optional(httpUrl).transform((value) => value ?? 'http://127.0.0.1:4000'),
  FINTECTURE_LANGUAGE: optional(
    z.string().regex(/^[a-z]{2}$/, 'must be a 2-letter lower-case language code'),
  ),
  FINTECTURE_COUNTRY: optional(z.string().regex(/^[A-Z]{2}$/, 'must be a 2-letter upper-case country code')),
  FINTECTURE_REQUEST_TIMEOUT_MS: integer(100, 120_000, 15_000),
  FINTECTURE_TOKEN_TIMEOUT_MS: integer(100, 120_000, 10_000),
  FINTECTURE_TOKEN_REFRESH_MARGIN_SECONDS: integer(0, 3600, 300),
  // The whole payment list is read before a create: size it to the application's list (pages × the page
  // size Fintecture serves). Reaching it means "not proven absent": the payout waits for review, unsent.
  // 5 000 pages: 50 000 sessions even at 10 per page, read well within the create's 30 minutes.
  FINTECTURE_RECONCILE_MAX_PAGES: integer(1, 100_000, 5_000),
  FINTECTURE_RECONCILE_PAGE_SIZE: integer(1, 100, 100),
  // How long a create that timed out may still commit at Fintecture before the retry looks for it:
  // a create committing later than timeout + this delay would be sent twice (docs/chaos-results.md).
  FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS: integer(0, 600_000, 60_000),
});
/** Every variable the Fintecture client reads (docker-compose.yml is checked against this list). */
export const FINTECTURE_ENV_KEYS: readonly string[] = Object.keys(EnvSchema.shape);

/** Parses the settings once, at the edge. Throws `ConfigError` naming every bad variable. */
export function loadFintectureConfig(
  env: Record<string, string | undefined> = process.env,
): FintectureConfig {
  const settings = parseEnv(EnvSchema, env);
  const config: FintectureConfig = {
    apiUrl: settings.FINTECTURE_API_URL,
    appId: settings.FINTECTURE_APP_ID,
    appSecret: settings.FINTECTURE_APP_SECRET,
    privateKey: settings.FINTECTURE_PRIVATE_KEY,
    scope: settings.FINTECTURE_SCOPE,
    redirectUri: `${settings.PUBLIC_BASE_URL}/payouts/return`,
    language: settings.FINTECTURE_LANGUAGE,
    country: settings.FINTECTURE_COUNTRY,
    requestTimeoutMs: settings.FINTECTURE_REQUEST_TIMEOUT_MS,
    tokenTimeoutMs: settings.FINTECTURE_TOKEN_TIMEOUT_MS,
    tokenRefreshMarginMs: settings.FINTECTURE_TOKEN_REFRESH_MARGIN_SECONDS * 1000,
    reconciliation: {
      maxPages: settings.FINTECTURE_RECONCILE_MAX_PAGES,
      pageSize: settings.FINTECTURE_RECONCILE_PAGE_SIZE,
    },
    ambiguousRetryDelayMs: settings.FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS,
    toString() {
      return `FintectureConfig(apiUrl=${this.apiUrl}, appId=${this.appId}, scope=${this.scope}, redirectUri=${this.redirectUri})`;
    },
  };
  return Object.freeze(config);
}
