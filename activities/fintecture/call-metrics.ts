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
  /** A read showed a status or transfer state the status model does not rank (kept, never fatal). */
  unrecognisedState(
    operation: FintectureOperation,
    field: 'session_status' | 'transfer_state',
    value: string,
  ): void;
  /** A list entry could not be read and was skipped. */
  skippedListEntry(): void;
}

export const noFintectureMetrics: FintectureCallMetrics = {
  exchanged() {},
  failed() {},
  unrecognisedState() {},
  skippedListEntry() {},
};

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
  const unrecognised = meter.createCounter(
    'fintecture_unrecognised_states',
    '1',
    'Statuses or transfer states Fintecture reported that the status model does not rank, by field and value',
  );
  const skipped = meter.createCounter(
    'fintecture_unreadable_list_entries',
    '1',
    'Entries of a payment list that could not be read and were skipped',
  );
  return {
    unrecognisedState(operation, field, value) {
      // `value` is bounded to a short code by classifyStates, so the label set stays small.
      unrecognised.add(1, { operation, field, value });
    },
    skippedListEntry() {
      skipped.add(1, {});
    },
    exchanged(operation, result, durationMs) {
      duration.record(Math.max(0, Math.round(durationMs)), { operation, result });
    },
    failed(operation, failureType) {
      failures.add(1, { operation, type: failureType });
    },
  };
}
