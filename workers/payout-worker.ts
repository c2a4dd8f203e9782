import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { PayoutActivities } from '../activities';

export interface PayoutWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: PayoutActivities;
  /** Encrypts payloads (G5); the workflow bundle must be built with the same failure converter path. */
  dataConverter: DataConverter;
  /** Prebundled workflow code (production, tests); without it the worker bundles `workflows/` at start. */
  workflowBundlePath?: string;
  /** Sticky cache size: each cached payout costs memory, so it is explicit rather than the SDK default. */
  maxCachedWorkflows?: number;
  maxConcurrentActivityTaskExecutions?: number;
  /** Extra options (interceptors, data converter…) arrive with later features. */
  extra?: Partial<WorkerOptions>;
}

// Resolved like a module, so it names workflows/index.ts under tsx/Jest and index.js once compiled.
export const WORKFLOWS_PATH = require.resolve('../workflows');

/** A worker for PayoutWorkflow and its activities, with its dependencies injected. */
export async function createPayoutWorker(options: PayoutWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    dataConverter: options.dataConverter,
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath: WORKFLOWS_PATH }),
    maxCachedWorkflows: options.maxCachedWorkflows ?? 1000,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 100,
    ...options.extra,
  });
}
