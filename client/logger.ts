import pino, { type DestinationStream, type Level } from 'pino';
import { LOG_REDACTION } from '../common/log-redaction';

/**
 * Structured JSON log lines, written by pino. Callers pass IDs and codes only: never a request body, a name,
 * an IBAN, an email, a phone number, a token or a key (G5); pino's redaction is the second line of defence.
 * A line reads `{"level":"info","time":"<ISO 8601>",…base,…fields,"event":"<event>"}`: the shape
 * scripts and tests parse, hence the level label, the ISO time and `event` as pino's message key.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export interface JsonLoggerOptions {
  /** Fields on every line, e.g. `{ service: 'ingress' }`. */
  base?: LogFields;
  /** Lowest level written (default `info`: every line these processes log). */
  level?: Extract<Level, 'info' | 'warn' | 'error'>;
  /** Where lines go (default: stdout, written synchronously so nothing is lost on exit). */
  destination?: DestinationStream;
}

export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      messageKey: 'event',
      base: options.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: LOG_REDACTION,
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return {
    info: (event, fields = {}) => logger.info(fields, event),
    warn: (event, fields = {}) => logger.warn(fields, event),
    error: (event, fields = {}) => logger.error(fields, event),
  };
}

/** What of an error may be logged: its class and message (ours carry no data), and its cause's class. */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: typeof error };
  const cause = error.cause instanceof Error ? error.cause.name : undefined;
  return { error: error.name, errorMessage: error.message, ...(cause ? { errorCause: cause } : {}) };
}
