import { type Logger, type LogLevel } from '@temporalio/common';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import pino, { type DestinationStream, type Level } from 'pino';
import { LOG_REDACTION } from '../common/log-redaction';

/**
 * The worker's logger: Temporal's `Logger` interface over pino, for `Runtime.install({ logger })`, which
 * the SDK also uses for activity (`Context.log`) and workflow (`workflow.log`) lines. One JSON object per
 * line on stdout: `{"level":"INFO","at":"<ISO 8601>",…meta,"msg":"<message>"}`, the shape scripts and
 * tests grep. Attributes are IDs and states only: activities and workflows never log personal data or
 * secrets; pino's redaction is the second line of defence.
 */

const PINO_LEVELS: Readonly<Record<LogLevel, Level>> = Object.freeze({
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
});

export function jsonLogger(level: LogLevel = 'INFO', destination?: DestinationStream): Logger {
  const lines = pino(
    {
      level: PINO_LEVELS[level],
      base: null,
      // `at` comes with each entry: workflow lines reach the logger after their activation, stamped earlier.
      timestamp: false,
      // Temporal's level names, as before pino.
      formatters: { level: (label) => ({ level: label.toUpperCase() }), log: bigintsAsStrings },
      redact: LOG_REDACTION,
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  // Temporal's DefaultLogger filters by level and takes the SDK's own timestamp; pino writes the line.
  return new DefaultLogger(level, ({ level: entryLevel, message, meta, timestampNanos }: LogEntry) => {
    const at = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
    lines[PINO_LEVELS[levelOf(entryLevel, message, meta)]]({ at, ...meta }, message);
  });
}

/**
 * The SDK warns when a worker has no workflows; the Fintecture read and write queues' workers run activities
 * only, by design (workers/payout-worker.ts). A warning at every start would teach operators to ignore
 * warnings, so that one is DEBUG.
 */
const ACTIVITY_ONLY_WORKER_NOTICE = 'No workflows registered, not polling for workflow tasks';

function levelOf(level: LogLevel, message: string, meta: Record<string, unknown> | undefined): LogLevel {
  const activityOnlyWorker = message === ACTIVITY_ONLY_WORKER_NOTICE && meta?.sdkComponent === 'worker';
  return activityOnlyWorker && level === 'WARN' ? 'DEBUG' : level;
}

/** Bigints as decimal strings (pino would print a bare number, which JSON readers round past 2^53). */
function bigintsAsStrings(object: Record<string, unknown>): Record<string, unknown> {
  const convert = (value: unknown): unknown => {
    if (typeof value === 'bigint') return String(value);
    if (Array.isArray(value)) return value.map(convert);
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, convert(inner)]));
    }
    return value;
  };
  return convert(object) as Record<string, unknown>;
}
