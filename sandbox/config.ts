import { z } from 'zod';
import { PROFILES } from './profile';
import { ROTATE, signedHeadersSettingSchema } from './webhook-header-lists';

/** How strictly signed routes check the Signature/Digest/Date headers (fintecture-api.md §3). */
export const SIGNATURE_MODES = ['required', 'if-present', 'off'] as const;
export type SignatureMode = (typeof SIGNATURE_MODES)[number];

const commaList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

/** The documented profile's fixed list page; large pages would hide the paging a client must do. */
const LIST_PAGE_SIZE_MAX = 100;

const int = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

const envSchema = z.object({
  SANDBOX_PROFILE: z.enum(PROFILES).default('documented'),
  SANDBOX_PORT: int(4010),
  SANDBOX_HOST: z.string().default('127.0.0.1'),
  SANDBOX_PUBLIC_URL: z.url().optional(),
  SANDBOX_DATA_DIR: z.string().default('.data/sandbox'),
  /** When set, payouts survive a restart (`npm start` sets it). */
  SANDBOX_STATE_FILE: z.string().min(1).optional(),
  SANDBOX_APP_ID: z.string().min(1).optional(),
  SANDBOX_APP_SECRET: z.string().min(1).optional(),
  SANDBOX_MERCHANT_PUBLIC_KEY: z.string().min(1).optional(),
  SANDBOX_SIGNATURES: z.enum(SIGNATURE_MODES).default('required'),
  SANDBOX_DATE_TOLERANCE_SECONDS: int(300),
  SANDBOX_TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).default(3600),
  SANDBOX_REDIRECT_URIS: commaList,
  SANDBOX_STEP_DELAY_MS: int(1000),
  SANDBOX_SLOW_DELAY_MS: int(30_000),
  SANDBOX_SETTLEMENT: z.enum(['completed', 'received']).default('completed'),
  SANDBOX_WEBHOOK_URL: commaList,
  SANDBOX_WEBHOOK_OFFSET_MS: int(0),
  SANDBOX_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(1).default(20_000),
  SANDBOX_WEBHOOK_RETRIES: int(10),
  SANDBOX_WEBHOOK_RETRY_BASE_MS: int(1000),
  SANDBOX_WEBHOOK_SIGNED_HEADERS: signedHeadersSettingSchema.default(ROTATE),
  SANDBOX_LIST_PAGE_SIZE: z.coerce.number().int().min(1).max(LIST_PAGE_SIZE_MAX).default(10),
});

/** Every variable the sandbox reads. */
export const SANDBOX_ENV_KEYS: readonly string[] = Object.keys(envSchema.shape);

/** Settings a test or a demo may change while the sandbox runs (`PATCH /_sandbox/config`). */
export const runtimeSettingsSchema = z
  .object({
    /** See sandbox/profile.ts. */
    profile: z.enum(PROFILES),
    signatures: z.enum(SIGNATURE_MODES),
    dateToleranceSeconds: z.number().int().min(0),
    tokenTtlSeconds: z.number().int().min(1),
    stepDelayMs: z.number().int().min(0),
    slowDelayMs: z.number().int().min(0),
    settlement: z.enum(['completed', 'received']),
    webhookOffsetMs: z.number().int().min(0),
    webhookTimeoutMs: z.number().int().min(1),
    webhookRetries: z.number().int().min(0),
    webhookRetryBaseMs: z.number().int().min(0),
    /** `ignored` emulates an API that does not filter lists by state / end_to_end_id. */
    listFilters: z.enum(['honoured', 'ignored']),
    /** Documented profile: the fixed page size of `GET /pis/v2/payments` (friendly honours `page[size]`). */
    listPageSize: z.number().int().min(1).max(LIST_PAGE_SIZE_MAX),
    /** `rotate` (the profile's choice) or a forced `headers="…"` list for every webhook, e.g. `date digest`. */
    webhookSignedHeaders: signedHeadersSettingSchema,
  })
  .strict();

export type RuntimeSettings = z.infer<typeof runtimeSettingsSchema>;

export interface SandboxConfig {
  port: number;
  host: string;
  publicUrl?: string;
  dataDir: string;
  stateFile?: string;
  appId?: string;
  appSecret?: string;
  merchantPublicKeyPath?: string;
  redirectUris: string[];
  webhookUrls: string[];
  settings: RuntimeSettings;
}

export class SandboxConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxConfigError';
  }
}

export function sandboxConfigFromEnv(env: NodeJS.ProcessEnv): SandboxConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new SandboxConfigError(`invalid sandbox configuration — ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    port: e.SANDBOX_PORT,
    host: e.SANDBOX_HOST,
    publicUrl: e.SANDBOX_PUBLIC_URL?.replace(/\/$/, ''),
    dataDir: e.SANDBOX_DATA_DIR,
    stateFile: e.SANDBOX_STATE_FILE,
    appId: e.SANDBOX_APP_ID,
    appSecret: e.SANDBOX_APP_SECRET,
    merchantPublicKeyPath: e.SANDBOX_MERCHANT_PUBLIC_KEY,
    redirectUris: e.SANDBOX_REDIRECT_URIS,
    webhookUrls: e.SANDBOX_WEBHOOK_URL,
    settings: {
      profile: e.SANDBOX_PROFILE,
      signatures: e.SANDBOX_SIGNATURES,
      dateToleranceSeconds: e.SANDBOX_DATE_TOLERANCE_SECONDS,
      tokenTtlSeconds: e.SANDBOX_TOKEN_TTL_SECONDS,
      stepDelayMs: e.SANDBOX_STEP_DELAY_MS,
      slowDelayMs: e.SANDBOX_SLOW_DELAY_MS,
      settlement: e.SANDBOX_SETTLEMENT,
      webhookOffsetMs: e.SANDBOX_WEBHOOK_OFFSET_MS,
      webhookTimeoutMs: e.SANDBOX_WEBHOOK_TIMEOUT_MS,
      webhookRetries: e.SANDBOX_WEBHOOK_RETRIES,
      webhookRetryBaseMs: e.SANDBOX_WEBHOOK_RETRY_BASE_MS,
      listFilters: 'honoured',
      listPageSize: e.SANDBOX_LIST_PAGE_SIZE,
      webhookSignedHeaders: e.SANDBOX_WEBHOOK_SIGNED_HEADERS,
    },
  };
}
