import { collectDefaultMetrics, Registry } from 'prom-client';
import { payoutDataConverter } from '../../common/codec-config';
import { ConfigError, loadIngressConfig } from '../config';
import { buildIngress } from './server';
import { createJsonLogger, errorFields } from '../logger';
import { createPayoutService } from '../payouts/payout-service';
import { connectTemporal } from '../payouts/temporal-connection';

/**
 * The ingress process: `npm run ingress`. Comes up even while Temporal is down (the connection is lazy;
 * /healthz says 503 until it answers), and drains in-flight requests on SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const logger = createJsonLogger({ base: { service: 'ingress' } });
  let config;
  try {
    config = loadIngressConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
    return;
  }

  const { client, connection } = await connectTemporal(config.temporal, {
    lazy: true,
    dataConverter: payoutDataConverter(config.payloadKeys),
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const payouts = createPayoutService({
    client,
    taskQueue: config.temporal.taskQueue,
    settings: config.payoutSettings,
    payloadKeys: config.payloadKeys,
  });
  const app = buildIngress({ payouts, config, logger, registry });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      process.exit(1); // a second signal: the operator wants out now
    }
    stopping = true;
    logger.info('ingress_stopping', { signal });
    try {
      await app.close();
      await connection.close();
    } catch (error) {
      logger.error('ingress_stop_failed', errorFields(error));
      process.exitCode = 1;
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info('ingress_listening', { url, publicBaseUrl: config.publicBaseUrl, config: String(config) });
  process.stdout.write(
    `Ingress listening on ${url}\n` +
      `  order API   POST ${url}/payouts (Authorization: Bearer <INGRESS_API_KEY>)\n` +
      `  webhooks    ${config.publicBaseUrl}/webhooks/fintecture\n` +
      `  payee return ${config.publicBaseUrl}/payouts/return\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`ingress failed to start: ${error instanceof Error ? error.name : 'error'}\n`);
  process.stderr.write(`${JSON.stringify(errorFields(error))}\n`);
  process.exit(1);
});
