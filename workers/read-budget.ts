import type { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { ConfigError } from '../common/config-error';

/**
 * The read budget (`FINTECTURE_MAX_READS_PER_SECOND`) is a ceiling on every second: it stands for a limit
 * Fintecture would enforce. The Temporal server holds a queue's `maxTaskQueueActivitiesPerSecond` as one
 * token bucket per read partition — rate ÷ partitions each, with a burst of ⌈rate ÷ partitions⌉ tokens (at
 * least `matching.minTaskThrottlingBurstSize`, 1) — so quiet seconds fill every bucket and the next second
 * can dispatch partitions × burst + rate reads (server v1.29 `service/matching/ratelimit_manager.go`): a
 * rate of 10/s on the default 4 partitions lets up to 22 through. The worker therefore asks the server for
 * the highest rate whose worst second stays within the budget.
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

/** The most reads the server can dispatch in one second at `rate` over `partitions` full buckets. */
export function worstSecondReads(rate: number, partitions: number): number {
  return partitions * Math.max(1, Math.ceil(rate / partitions)) + rate;
}

/**
 * The highest server rate whose worst second stays within `budget`, or undefined when none can: every
 * partition lets one read through at once after a quiet second, so the budget must exceed the partitions.
 */
export function serverReadRate(budget: number, partitions: number): number | undefined {
  let best: number | undefined;
  // Each burst size b covers the rates (partitions × (b − 1), partitions × b]; the worst second is
  // partitions × b + rate, so the best rate for b is the lower of the range's top and what the budget leaves.
  for (let burst = 1; partitions * burst < budget; burst += 1) {
    const rate = Math.min(partitions * burst, budget - partitions * burst);
    if (rate > partitions * (burst - 1) && (best === undefined || rate > best)) best = rate;
  }
  return best;
}

/** Temporal's partitions per task queue unless its dynamic config says otherwise (`GlobalDefaultNumTaskQueuePartitions`). */
export const TEMPORAL_DEFAULT_PARTITIONS = 4;

const GRPC_UNIMPLEMENTED = 12;

/**
 * The read partitions of an activity task queue, as the server lists them; undefined from a server that does
 * not implement the listing (the time-skipping test server). Any other failure is thrown.
 */
export async function activityQueuePartitions(
  connection: NativeConnection,
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
    if ((error as { code?: unknown }).code === GRPC_UNIMPLEMENTED) return undefined;
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
