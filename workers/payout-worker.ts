import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { PayoutActivities } from '../activities';
import { fintectureReadsQueue, fintectureWritesQueue } from '../domain/identifiers';
import { planReadDispatch, type ReadDispatch } from './read-budget';

export interface PayoutWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** The workflow's queue; the Fintecture read and write queues are named after it (domain/identifiers). */
  taskQueue: string;
  activities: PayoutActivities;
  /** Encrypts payloads (G5); the workflow bundle must be built with the same failure converter path. */
  dataConverter: DataConverter;
  /** Prebundled workflow code (production, tests); without it the worker bundles `workflows/` at start. */
  workflowBundlePath?: string;
  /** Sticky cache size: each cached payout costs memory, so it is explicit rather than the SDK default. */
  maxCachedWorkflows?: number;
  /** Per queue: the workflow's (order notifications), the reads', the writes'. */
  maxConcurrentActivityTaskExecutions?: number;
  /**
   * `FINTECTURE_MAX_READS_PER_SECOND`: Fintecture reads in any one second across every worker of the task
   * queue, enforced by the Temporal server on the read queue (at the rate `read-budget.ts` derives from it and
   * the queue's partitions). Unset: no limit.
   */
  maxFintectureReadsPerSecond?: number;
  /** Extra options for the workflow's worker (interceptors…). */
  extra?: Partial<WorkerOptions>;
}

// Resolved like a module, so it names workflows/index.ts under tsx/Jest and index.js once compiled.
export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * The payout worker: one SDK worker per task queue, sharing the connection and the activities (and so the
 * Fintecture token). The workflow's queue runs PayoutWorkflow and every activity of payouts started before
 * the read and write queues existed; the read queue runs reads under the server's rate; the write queue runs
 * tokens, creates, cancels and sweeps, so they never wait behind reads.
 */
export class PayoutWorker {
  constructor(
    readonly workers: readonly Worker[],
    /** How the read budget is held; undefined when there is none. */
    readonly readDispatch?: ReadDispatch,
  ) {}

  /** Runs every queue's worker; one that fails stops the others (a queue nobody polls would stall payouts). */
  async run(): Promise<void> {
    let failure: unknown;
    await Promise.all(
      this.workers.map((worker) =>
        worker.run().catch((error: unknown) => {
          failure ??= error;
          this.shutdown();
        }),
      ),
    );
    if (failure !== undefined) throw failure;
  }

  shutdown(): void {
    for (const worker of this.workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  }

  /** Runs until `until` settles, then stops; like `Worker.runUntil`. */
  async runUntil<R>(until: Promise<R>): Promise<Awaited<R>> {
    const running = this.run();
    let settled = false;
    const stoppedEarly = running.then((): never => {
      throw new Error(settled ? 'stopped' : 'the payout worker stopped before its work was done');
    });
    stoppedEarly.catch(() => undefined); // reported through `running` below
    try {
      return await Promise.race([until, stoppedEarly]);
    } finally {
      settled = true;
      this.shutdown();
      await running;
    }
  }
}

/** A worker for PayoutWorkflow and its activities, with its dependencies injected. */
export async function createPayoutWorker(options: PayoutWorkerOptions): Promise<PayoutWorker> {
  // Before any worker exists: a budget no rate can hold must fail with nothing to shut down.
  const readsQueue = fintectureReadsQueue(options.taskQueue);
  const readDispatch =
    options.maxFintectureReadsPerSecond === undefined
      ? undefined
      : await planReadDispatch(
          options.connection,
          options.namespace,
          readsQueue,
          options.maxFintectureReadsPerSecond,
        );
  const shared = {
    connection: options.connection,
    namespace: options.namespace,
    activities: options.activities,
    dataConverter: options.dataConverter,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 100,
  };
  const workflows = await Worker.create({
    ...shared,
    taskQueue: options.taskQueue,
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath: WORKFLOWS_PATH }),
    maxCachedWorkflows: options.maxCachedWorkflows ?? 1000,
    ...options.extra,
  });
  const reads = await Worker.create({
    ...shared,
    taskQueue: readsQueue,
    ...(readDispatch && { maxTaskQueueActivitiesPerSecond: readDispatch.serverRatePerSecond }),
  });
  const writes = await Worker.create({ ...shared, taskQueue: fintectureWritesQueue(options.taskQueue) });
  return new PayoutWorker([workflows, reads, writes], readDispatch);
}
