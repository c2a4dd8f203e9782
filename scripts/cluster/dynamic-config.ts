import { dump } from 'js-yaml';
import { fintectureReadsQueue } from '../../domain/identifiers';

/** One value of a Temporal dynamic-config key, as the server's YAML file gives it. */
export interface DynamicConfigValue {
  value: unknown;
  constraints: Record<string, string>;
}

export type DynamicConfig = Record<string, DynamicConfigValue[]>;

/**
 * What the payout system asks of the Temporal server's dynamic config: the read queue of each task queue on
 * one partition. The server holds `FINTECTURE_MAX_READS_PER_SECOND` per partition and every partition may
 * burst after quiet seconds, so the worker asks for (budget − partitions) ÷ 2 (workers/read-budget.ts): one
 * partition lets it ask for more (12/s instead of 10.5/s for a budget of 25) and drains a backlog of reads
 * faster (bench/README.md, "The read budget in every second": 2.47/s against 1.64/s for a budget of 10). The
 * workflow and writes queues keep Temporal's default of 4.
 */
export function payoutDynamicConfig(taskQueues: readonly string[]): DynamicConfig {
  const onePartition = taskQueues.map((taskQueue) => ({
    value: 1,
    constraints: { taskQueueName: fintectureReadsQueue(taskQueue) },
  }));
  if (onePartition.length === 0) return {};
  return {
    // Write partitions never above read ones: a task written to a partition nobody reads would wait forever.
    'matching.numTaskqueueReadPartitions': onePartition,
    'matching.numTaskqueueWritePartitions': onePartition,
  };
}

export function dynamicConfigYaml(config: DynamicConfig): string {
  // No anchors: each key spelled out, as an operator reading the file expects.
  return dump(config, { lineWidth: 120, noRefs: true });
}
