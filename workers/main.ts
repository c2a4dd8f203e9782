import { existsSync } from 'node:fs';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { createPayoutActivitiesFromEnv } from '../activities';
import { jsonLogger } from './logger';
import { createPayoutWorker } from './payout-worker';
import { temporalSettingsFromEnv } from './temporal-connection';

const workerEnvSchema = z.object({
  WORKER_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(100),
  /** Prebundled workflow code (`npm run bundle` writes dist/workflow-bundle.js). */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
});

/** `npm run worker`: PayoutWorkflow and its activities. Stops gracefully on SIGINT/SIGTERM (SDK default). */
async function main(): Promise<void> {
  const env = workerEnvSchema.parse(process.env);
  Runtime.install({ logger: jsonLogger(env.WORKER_LOG_LEVEL) });
  const temporal = temporalSettingsFromEnv(process.env);
  // Parsed before connecting: a bad FINTECTURE_* setting fails here, naming it.
  const activities = createPayoutActivitiesFromEnv(process.env);
  const connection = await NativeConnection.connect({
    address: temporal.address,
    ...(temporal.tls ? { tls: temporal.tls } : {}),
    ...(temporal.apiKey ? { apiKey: temporal.apiKey } : {}),
  });
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
    workflowBundlePath,
    maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentActivityTaskExecutions: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
  });
  Runtime.instance().logger.info('payout worker started', {
    address: temporal.address,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    prebundled: Boolean(workflowBundlePath),
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
