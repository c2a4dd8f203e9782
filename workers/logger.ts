import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

/**
 * One JSON object per line on stdout (structured, greppable, shippable). Attributes are IDs and states
 * only: activities and workflows never log personal data or secrets, and this logger adds none.
 */
export function jsonLogger(level: LogLevel = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    const line = {
      at: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
      level: entry.level,
      msg: entry.message,
      ...entry.meta,
    };
    process.stdout.write(
      `${JSON.stringify(line, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))}\n`,
    );
  });
}
