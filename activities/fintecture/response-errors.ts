import {
  FintectureAmbiguousOutcomeError,
  FintectureAuthError,
  type FintectureError,
  type FintectureErrorContext,
  FintectureNotFoundError,
  FintectureRateLimitedError,
  FintectureRequestRejectedError,
  FintectureUnavailableError,
  FintectureValidationError,
  type FintectureOperation,
} from './errors';
import { type HttpResult } from './http';
import { type ErrorBody, ErrorBodySchema } from './schemas';

/** Reads Fintecture's error body (§10) if it is one; anything else gives `{}`. */
export function parseErrorBody(bodyText: string): ErrorBody {
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(bodyText));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export function isInvalidToken(result: HttpResult): boolean {
  return (
    result.status === 401 &&
    (parseErrorBody(result.bodyText).errors ?? []).some((e) => e.code === 'invalid_token')
  );
}

// A field name as Fintecture writes it in `… field [beneficiary.iban] …`; nothing else is kept from messages.
const FIELD_IN_MESSAGE = /\[([A-Za-z0-9_.-]{1,100})\]/g;
const FIELD_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** The field names a validation error talks about, from `errors[].field` or `[name]` in its messages. */
export function fieldsOf(body: ErrorBody): string[] {
  const fields = new Set<string>();
  for (const entry of body.errors ?? []) {
    if (entry.field && FIELD_NAME.test(entry.field)) fields.add(entry.field);
    for (const text of [entry.message, entry.title]) {
      for (const match of (text ?? '').matchAll(FIELD_IN_MESSAGE)) if (match[1]) fields.add(match[1]);
    }
  }
  return [...fields];
}

const MAX_RETRY_AFTER_MS = 3600_000;

/** `Retry-After` as delta-seconds or an HTTP date, in ms from `now`. */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const delayMs = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(delayMs) ? Math.min(Math.max(delayMs, 0), MAX_RETRY_AFTER_MS) : undefined;
}

export interface ResponseErrorOptions {
  operation: FintectureOperation;
  /** Whether an unknown outcome means the request may have been applied (create, cancel). */
  mutating: boolean;
  now: number;
}

/** Maps a non-2xx answer to our taxonomy (`errors.ts`). */
export function errorFromResponse(result: HttpResult, options: ResponseErrorOptions): FintectureError {
  const body = parseErrorBody(result.bodyText);
  const context: FintectureErrorContext = {
    operation: options.operation,
    httpStatus: result.status,
    code: body.code,
    errorCodes: (body.errors ?? []).flatMap((e) => (e.code ? [e.code] : [])),
    logId: body.log_id,
    requestId: result.requestId,
  };
  const status = result.status;
  const retryAfter = retryAfterMs(result.headers, options.now);
  if (status === 400 || status === 422) return new FintectureValidationError(fieldsOf(body), context);
  if (status === 401 || status === 403) return new FintectureAuthError(context);
  if (status === 404) return new FintectureNotFoundError(context);
  // 429 proves the request was not processed, even for a create.
  if (status === 429) return new FintectureRateLimitedError(context, retryAfter);
  // 408 and 5xx (and anything unexpected) say nothing reliable about whether a write happened.
  const unknownOutcome = status === 408 || status >= 500 || status < 400;
  if (unknownOutcome && options.mutating) {
    return new FintectureAmbiguousOutcomeError(`answered ${status}`, context, {
      // The wait for a late commit happens in the next attempt itself (`createPayoutSession`): a
      // `Retry-After` only ever adds to it.
      retryDelayMs: retryAfter,
    });
  }
  if (unknownOutcome)
    return new FintectureUnavailableError(`answered ${status}`, context, { retryAfterMs: retryAfter });
  return new FintectureRequestRejectedError(context);
}
