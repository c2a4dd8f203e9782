import { existsSync } from 'node:fs';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createPayoutActivitiesFromEnv, fintectureMetricsOn } from '../activities';
import { loadPayloadKeys, payoutDataConverter } from '../common/codec-config';
import { jsonLogger } from './logger';
import { createPayoutWorker } from './payout-worker';
import { limitHeapGrowth } from './heap-growth';
import { describeTemporal, loadTemporalConfig, temporalConnectionOptions } from '../common/temporal-config';
import { workerEnvSchema } from './worker-config';
import { parseEnv } from '../common/env-schema';
import { orderWebhookConfigFrom } from '../common/order-webhooks';

/** `npm run worker`: PayoutWorkflow and its activities. Stops gracefully on SIGINT/SIGTERM (SDK default). */
async function main(): Promise<void> {
  // Fails naming every bad setting (ConfigError), never repeating a value.
  const env = parseEnv(workerEnvSchema, process.env);
  // Before the SDK starts its workflow thread, whose heap it bounds too.
  limitHeapGrowth(env.WORKER_HEAP_GROWING_PERCENT);
  Runtime.install({
    logger: jsonLogger(env.WORKER_LOG_LEVEL),
    ...(env.WORKER_METRICS_ADDRESS && {
      telemetryOptions: {
        metrics: { prometheus: { bindAddress: env.WORKER_METRICS_ADDRESS, countersTotalSuffix: true } },
      },
    }),
  });
  const temporal = loadTemporalConfig(process.env);
  // Parsed before connecting: a bad FINTECTURE_* setting fails here, naming it.
  const activities = createPayoutActivitiesFromEnv(process.env, {
    metrics: fintectureMetricsOn(Runtime.instance().metricMeter),
    notify: orderWebhookConfigFrom(env),
  });
  // Payloads are encrypted (G5): no keys, no worker — unless PAYLOAD_CODEC=off says so plainly.
  const dataConverter = payoutDataConverter(loadPayloadKeys(process.env));
  const connection = await NativeConnection.connect(temporalConnectionOptions(temporal));
  // Only an explicit bundle: silently picking up a stale one would run old workflow code.
  const workflowBundlePath = env.WORKFLOW_BUNDLE_PATH;
  if (workflowBundlePath && !existsSync(workflowBundlePath)) {
    throw new Error(`WORKFLOW_BUNDLE_PATH: no file at ${workflowBundlePath}`);
  }
  const worker = await createPayoutWorker({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    activities,
    dataConverter,
    workflowBundlePath,
    maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentActivityTaskExecutions: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxFintectureReadsPerSecond: env.FINTECTURE_MAX_READS_PER_SECOND,
  });
  Runtime.instance().logger.info('payout worker started', {
    temporal: describeTemporal(temporal),
    prebundled: Boolean(workflowBundlePath),
    metrics: env.WORKER_METRICS_ADDRESS ?? null,
    orderEvents: env.NOTIFY_WEBHOOK_URL?.length ?? 0,
    fintectureReads: worker.readDispatch ?? null,
    heapGrowingPercent: env.WORKER_HEAP_GROWING_PERCENT,
  });
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
  process.exit(1);
});
