import { Client, Connection } from '@temporalio/client';
import { type DataConverter } from '@temporalio/common';
import { temporalConnectionOptions, type TemporalConfig } from '../../common/temporal-config';

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
  {
    lazy = false,
    connectTimeoutMs,
    dataConverter,
  }: { lazy?: boolean; connectTimeoutMs?: number; dataConverter?: DataConverter } = {},
): Promise<TemporalClientHandle> {
  const options = {
    ...temporalConnectionOptions(config),
    ...(connectTimeoutMs ? { connectTimeout: connectTimeoutMs } : {}),
  };
  const connection = lazy ? Connection.lazy(options) : await Connection.connect(options);
  return { connection, client: new Client({ connection, namespace: config.namespace, dataConverter }) };
}
