import type { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { ConfigError } from '../common/config-error';

/**
 * The read budget (`FINTECTURE_MAX_READS_PER_SECOND`) is a ceiling on every second: it stands for a limit
 * Fintecture would enforce. The Temporal server holds a queue's `maxTaskQueueActivitiesPerSecond` per read
 * partition, at rate ÷ partitions each, and quiet seconds let every partition dispatch a burst at once (server
 * v1.29 `service/matching`): the classic matcher's token bucket holds ⌈rate ÷ partitions⌉ tokens (at least 1,
 * `matching.minTaskThrottlingBurstSize`), the newer matcher's GCRA one second of them plus one. Either way a
 * partition at rate ρ dispatches at most ρ + 1 at once and ρ more within the second, so the worst second of
 * the queue is at most 2 × rate + partitions — 24 for a rate of 10 on the default 4 partitions. The worker
 * therefore asks the server for (budget − partitions) ÷ 2, whose worst second is the budget.
 */
export interface ReadDispatch {
  /** Reads per second never to be exceeded in any second, across every worker. */
  budgetPerSecond: number;
  /** The read queue's partitions. */
  partitions: number;
  /** `server`: listed by the server; `temporal-default`: a server that cannot list them (Temporal's default assumed). */
  partitionsFrom: 'server' | 'temporal-default';
  /** What the worker sets as `maxTaskQueueActivitiesPerSecond`. */
  serverRatePerSecond: number;
}

/** The most reads the server can dispatch in one second at `rate` over `partitions` (see above). */
export function worstSecondReads(rate: number, partitions: number): number {
  return 2 * rate + partitions;
}

/**
 * The highest server rate whose worst second stays within `budget`, or undefined when none can: every
 * partition lets one read through at once after a quiet second, so the budget must exceed the partitions.
 */
export function serverReadRate(budget: number, partitions: number): number | undefined {
  return budget > partitions ? (budget - partitions) / 2 : undefined;
}

/** Temporal's partitions per task queue unless its dynamic config says otherwise (`GlobalDefaultNumTaskQueuePartitions`). */
export const TEMPORAL_DEFAULT_PARTITIONS = 4;

const GRPC_UNIMPLEMENTED = 12;

/**
 * The read partitions of an activity task queue, as the server lists them; undefined from a server that does
 * not implement the listing (the time-skipping test server). Any other failure is thrown.
 */
export async function activityQueuePartitions(
  connection: Pick<NativeConnection, 'workflowService'>,
  namespace: string,
  taskQueue: string,
): Promise<number | undefined> {
  try {
    const answer = await connection.workflowService.listTaskQueuePartitions({
      namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    });
    const partitions = answer.activityTaskQueuePartitions?.length ?? 0;
    if (partitions < 1)
      throw new Error(`the Temporal server listed no partitions for task queue ${taskQueue}`);
    return partitions;
  } catch (error) {
    if (error instanceof Error && (error as { code?: unknown }).code === GRPC_UNIMPLEMENTED) return undefined;
    throw error;
  }
}

/** The read dispatch for `budget` on `taskQueue`; a budget no rate can hold fails naming the setting. */
export async function planReadDispatch(
  connection: NativeConnection,
  namespace: string,
  taskQueue: string,
  budget: number,
): Promise<ReadDispatch> {
  const listed = await activityQueuePartitions(connection, namespace, taskQueue);
  const partitions = listed ?? TEMPORAL_DEFAULT_PARTITIONS;
  const serverRatePerSecond = serverReadRate(budget, partitions);
  if (serverRatePerSecond === undefined) {
    throw new ConfigError([
      {
        variable: 'FINTECTURE_MAX_READS_PER_SECOND',
        message:
          `must be above ${partitions}: task queue ${taskQueue} has ${partitions} partitions, and after a ` +
          'quiet second each lets one read through at once (or give that queue fewer partitions: ' +
          'matching.numTaskqueueReadPartitions)',
      },
    ]);
  }
  return {
    budgetPerSecond: budget,
    partitions,
    partitionsFrom: listed === undefined ? 'temporal-default' : 'server',
    serverRatePerSecond,
  };
}
