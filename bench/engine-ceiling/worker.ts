/**
 * The ceiling's worker process, configured like the payout worker (same cache size and activity slots),
 * but without payload encryption or logging: the engine alone.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from './activities';

async function main(): Promise<void> {
  const bundle = process.env.CEILING_BUNDLE_PATH;
  if (!bundle) throw new Error('CEILING_BUNDLE_PATH is required');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({
    address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: process.env.TEMPORAL_TASK_QUEUE ?? 'bench-ceiling',
    activities,
    workflowBundle: { codePath: bundle },
    maxCachedWorkflows: 1000,
    maxConcurrentActivityTaskExecutions: 100,
  });
  process.stdout.write('ceiling worker started\n');
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
