import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { type TemporalConfig } from './config';

/** Connection options from the parsed settings; secrets are revealed here, at the point of use. */
export function temporalConnectionOptions(config: TemporalConfig): ConnectionOptions {
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

export interface TemporalClientHandle {
  client: Client;
  connection: Connection;
}

/**
 * Connects to Temporal. `lazy` returns at once and connects on first use: the ingress must come up (and
 * answer `/healthz` with 503) even while Temporal is down.
 */
export async function connectTemporal(
  config: TemporalConfig,
  { lazy = false, connectTimeoutMs }: { lazy?: boolean; connectTimeoutMs?: number } = {},
): Promise<TemporalClientHandle> {
  const options = {
    ...temporalConnectionOptions(config),
    ...(connectTimeoutMs ? { connectTimeout: connectTimeoutMs } : {}),
  };
  const connection = lazy ? Connection.lazy(options) : await Connection.connect(options);
  return { connection, client: new Client({ connection, namespace: config.namespace }) };
}
