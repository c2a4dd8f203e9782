import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * How to reach Temporal: the embedded dev server by default, any cluster or Temporal Cloud by
 * TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE and TLS or API-key settings (DESIGN.md §1, §7).
 */
const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

export const temporalEnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('payouts'),
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_TLS_CERT: optionalText,
  TEMPORAL_TLS_KEY: optionalText,
  TEMPORAL_TLS_CA: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
});

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
}

export class TemporalConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemporalConfigError';
  }
}

export function temporalSettingsFromEnv(env: Record<string, string | undefined>): TemporalSettings {
  const parsed = temporalEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new TemporalConfigError(
      `invalid Temporal configuration — ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const e = parsed.data;
  if (Boolean(e.TEMPORAL_TLS_CERT) !== Boolean(e.TEMPORAL_TLS_KEY)) {
    throw new TemporalConfigError('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  }
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (cause) {
      throw new TemporalConfigError(`${name}: cannot read ${path}`, { cause });
    }
  };
  const wantsTls = Boolean(
    e.TEMPORAL_TLS_CERT || e.TEMPORAL_TLS_CA || e.TEMPORAL_API_KEY || e.TEMPORAL_TLS_SERVER_NAME,
  );
  return {
    address: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
    ...(wantsTls
      ? {
          tls: {
            ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME } : {}),
            ...(e.TEMPORAL_TLS_CA
              ? { serverRootCACertificate: read('TEMPORAL_TLS_CA', e.TEMPORAL_TLS_CA) }
              : {}),
            ...(e.TEMPORAL_TLS_CERT && e.TEMPORAL_TLS_KEY
              ? {
                  clientCertPair: {
                    crt: read('TEMPORAL_TLS_CERT', e.TEMPORAL_TLS_CERT),
                    key: read('TEMPORAL_TLS_KEY', e.TEMPORAL_TLS_KEY),
                  },
                }
              : {}),
          },
        }
      : {}),
  };
}
