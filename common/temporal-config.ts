import { type ConnectionOptions } from '@temporalio/client';
import { z } from 'zod';
import { optionalString, parseEnv, pem } from './env-schema';
import { Secret } from './secret';

/**
 * Where Temporal is and how to reach it: the embedded dev server by default, any cluster or Temporal Cloud by
 * TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE and TLS or API-key settings (DESIGN.md §1, §7). Read the same way by
 * the worker, the ingress and the CLI.
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

export const temporalEnvShape = {
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
};

type TemporalEnv = z.output<z.ZodObject<typeof temporalEnvShape>>;

/** A client certificate needs both halves. */
export function checkCertificatePair(
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

export function temporalConfigFrom(settings: TemporalEnv): TemporalConfig {
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

/** A one-line summary safe to log. */
export function describeTemporal(temporal: TemporalConfig): string {
  return (
    `temporal=${temporal.address}/${temporal.namespace} taskQueue=${temporal.taskQueue}` +
    ` tls=${temporal.tls ? 'on' : 'off'} apiKey=${temporal.apiKey ? 'set' : 'unset'}`
  );
}

/** Options for `@temporalio/client` and `NativeConnection` (same shape); secrets are revealed here, at use. */
export function temporalConnectionOptions(
  config: TemporalConfig,
): Omit<ConnectionOptions, 'apiKey'> & { apiKey?: string } {
  const tls = config.tls;
  return {
    address: config.address,
    ...(config.apiKey ? { apiKey: config.apiKey.reveal() } : {}),
    tls: tls
      ? {
          ...(tls.serverRootCACertificate ? { serverRootCACertificate: tls.serverRootCACertificate } : {}),
          ...(tls.serverNameOverride ? { serverNameOverride: tls.serverNameOverride } : {}),
          ...(tls.clientCertPair
            ? { clientCertPair: { crt: tls.clientCertPair.crt, key: tls.clientCertPair.key.reveal() } }
            : {}),
        }
      : false,
  };
}

const TemporalEnvSchema = z.object(temporalEnvShape).superRefine(checkCertificatePair);

/** Only the Temporal settings (the worker's needs). Throws `ConfigError` naming every bad variable. */
export function loadTemporalConfig(env: Record<string, string | undefined> = process.env): TemporalConfig {
  return temporalConfigFrom(parseEnv(TemporalEnvSchema, env));
}
