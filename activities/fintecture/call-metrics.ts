import { type MetricMeter } from '@temporalio/common';
import { type FintectureOperation } from './errors';

/**
 * What the Fintecture client reports about its calls. Labels are operations, HTTP statuses and failure
 * types only: never a path with a session ID (unbounded cardinality), never anything from a body.
 */
export interface FintectureCallMetrics {
  /** One HTTP exchange ended: `result` is the HTTP status (`200`, `429`…), or `timeout` / `transport`. */
  exchanged(operation: FintectureOperation, result: string, durationMs: number): void;
  /** A call failed with a typed failure (the `ApplicationFailure.type` the activity raises). */
  failed(operation: FintectureOperation, failureType: string): void;
}

export const noFintectureMetrics: FintectureCallMetrics = { exchanged() {}, failed() {} };

/**
 * The metrics on a Temporal metric meter: in the worker that is the runtime's, so they are scraped from the
 * same Prometheus endpoint as the SDK's own (`WORKER_METRICS_ADDRESS`).
 */
export function fintectureMetricsOn(meter: MetricMeter): FintectureCallMetrics {
  const duration = meter.createHistogram(
    'fintecture_request_duration',
    'int',
    'ms',
    'Fintecture API call latency by operation and HTTP status (or timeout / transport)',
  );
  const failures = meter.createCounter(
    'fintecture_failures',
    '1',
    'Fintecture calls that failed, by operation and failure type',
  );
  return {
    exchanged(operation, result, durationMs) {
      duration.record(Math.max(0, Math.round(durationMs)), { operation, result });
    },
    failed(operation, failureType) {
      failures.add(1, { operation, type: failureType });
    },
  };
}
