/**
 * Structured JSON log lines. Callers pass IDs and codes only: never a request body, a name, an IBAN, an
 * email, a phone number, a token or a key (G5).
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export function createJsonLogger(
  options: { write?: (line: string) => void; clock?: () => Date; base?: LogFields } = {},
): Logger {
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const clock = options.clock ?? (() => new Date());
  const log =
    (level: string) =>
    (event: string, fields: LogFields = {}) =>
      write(JSON.stringify({ time: clock().toISOString(), level, event, ...options.base, ...fields }) + '\n');
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

/** What of an error may be logged: its class and message (ours carry no data), and its cause's class. */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: typeof error };
  const cause = error.cause instanceof Error ? error.cause.name : undefined;
  return { error: error.name, errorMessage: error.message, ...(cause ? { errorCause: cause } : {}) };
}
