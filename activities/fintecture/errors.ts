/**
 * Typed failures of the Fintecture client. Each says whether a retry can help and, for a create, whether the
 * request may have been applied. Messages and details carry codes, statuses, field names and IDs only:
 * never a server message verbatim (it may quote personal data), never a header (the token).
 */

export type FintectureOperation = 'token' | 'create' | 'fetch' | 'list' | 'cancel';

/** Where a failed exchange got to; logged and attached to the failure's details. */
export interface FintectureErrorContext {
  operation: FintectureOperation;
  httpStatus?: number;
  /** Fintecture's general code, e.g. `bad_request`. */
  code?: string;
  /** `errors[].code`, e.g. `invalid_field`. */
  errorCodes?: string[];
  /** Fintecture's `log_id`, for their support. */
  logId?: string;
  /** Our `X-Request-ID`. */
  requestId?: string;
}

/** A failure an activity turns into an `ApplicationFailure` of a fixed `type` (see `activities/failures.ts`). */
export abstract class TypedActivityError extends Error {
  /** The `ApplicationFailure.type`. */
  abstract readonly failureType: string;
  abstract readonly retryable: boolean;
  /** Overrides the retry policy's next delay (`Retry-After`). */
  readonly retryDelayMs: number | undefined = undefined;
  /**
   * Whether the request may have been applied although it failed: a fact the workflow acts on (a create
   * that may have paid is never re-sent), carried in the failure's details as `mayHaveBeenApplied`.
   */
  readonly mayHaveBeenApplied: boolean = false;
  /**
   * An expected failure, part of how the activity works (a quiet wait's unchanged read): Temporal's BENIGN
   * category, which the SDK logs at DEBUG and leaves out of failure metrics.
   */
  readonly benign: boolean = false;
  /** Safe, structured facts for the failure's `details` (no secrets, no personal data). */
  abstract details(): Record<string, unknown>;
}

export abstract class FintectureError extends TypedActivityError {
  readonly context: FintectureErrorContext;

  constructor(message: string, context: FintectureErrorContext, options?: { cause?: unknown }) {
    super(`${message} [${describe(context)}]`, options);
    this.context = context;
  }

  details(): Record<string, unknown> {
    return { ...this.context };
  }
}

function describe(context: FintectureErrorContext): string {
  return [
    `operation=${context.operation}`,
    context.httpStatus === undefined ? undefined : `status=${context.httpStatus}`,
    context.code && `code=${context.code}`,
    context.errorCodes?.length ? `errors=${context.errorCodes.join(',')}` : undefined,
    context.logId && `log_id=${context.logId}`,
    context.requestId && `request_id=${context.requestId}`,
  ]
    .filter(Boolean)
    .join(' ');
}

/** 400/422: the request is wrong; resending it cannot help. */
export class FintectureValidationError extends FintectureError {
  override readonly name = 'FintectureValidationError';
  readonly failureType = 'FintectureValidationFailed';
  readonly retryable = false;

  constructor(
    /** Field names Fintecture complained about, e.g. `amount`, `beneficiary.iban`. */
    readonly fields: string[],
    context: FintectureErrorContext,
  ) {
    super(
      `Fintecture rejected the ${context.operation} request as invalid${fields.length ? `: fields ${fields.join(', ')}` : ''}`,
      context,
    );
  }

  override details(): Record<string, unknown> {
    return { ...super.details(), fields: this.fields };
  }
}

/**
 * 401 (after one token refresh) or 403. A 401 is retryable: a rotated secret, key or clock fix heals it
 * without re-driving every payout, and it proves nothing was applied. A 403 is a missing permission.
 */
export class FintectureAuthError extends FintectureError {
  override readonly name = 'FintectureAuthError';
  readonly failureType: 'FintectureUnauthorized' | 'FintectureForbidden';
  readonly retryable: boolean;

  constructor(context: FintectureErrorContext) {
    const forbidden = context.httpStatus === 403;
    super(
      forbidden ? 'Fintecture refused access' : 'Fintecture did not accept our credentials or signature',
      context,
    );
    this.failureType = forbidden ? 'FintectureForbidden' : 'FintectureUnauthorized';
    this.retryable = !forbidden;
  }
}

export class FintectureNotFoundError extends FintectureError {
  override readonly name = 'FintectureNotFoundError';
  readonly failureType = 'FintectureNotFound';
  readonly retryable = false;

  constructor(context: FintectureErrorContext) {
    super('Fintecture does not know this payment session', context);
  }
}

/** 429: nothing was applied; come back after `Retry-After`. */
export class FintectureRateLimitedError extends FintectureError {
  override readonly name = 'FintectureRateLimitedError';
  readonly failureType = 'FintectureRateLimited';
  readonly retryable = true;
  override readonly retryDelayMs: number | undefined;

  constructor(context: FintectureErrorContext, retryAfterMs: number | undefined) {
    super(
      `Fintecture is rate limiting us${retryAfterMs === undefined ? '' : `; retry after ${retryAfterMs} ms`}`,
      context,
    );
    this.retryDelayMs = retryAfterMs;
  }
}

/**
 * The call did not get an answer we can use, and either it did not change anything (a read, or a create
 * that provably never left: connection refused, DNS) or it is a read that is safe to repeat.
 */
export class FintectureUnavailableError extends FintectureError {
  override readonly name = 'FintectureUnavailableError';
  readonly failureType = 'FintectureUnavailable';
  readonly retryable = true;
  override readonly retryDelayMs: number | undefined;

  constructor(
    reason: string,
    context: FintectureErrorContext,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(`Fintecture is unavailable: ${reason}`, context, options);
    this.retryDelayMs = options?.retryAfterMs;
  }
}

/**
 * A create or cancel whose outcome is unknown: it may have been applied (timeout after sending, connection
 * dropped, 5xx, unreadable 2xx). Retryable only because every create attempt reconciles before sending.
 */
export class FintectureAmbiguousOutcomeError extends FintectureError {
  override readonly name = 'FintectureAmbiguousOutcomeError';
  readonly failureType = 'FintectureAmbiguousOutcome';
  readonly retryable = true;
  override readonly retryDelayMs: number | undefined;
  override readonly mayHaveBeenApplied = true;

  constructor(
    reason: string,
    context: FintectureErrorContext,
    options?: { cause?: unknown; retryDelayMs?: number },
  ) {
    super(`Fintecture may have applied the ${context.operation} request: ${reason}`, context, options);
    this.retryDelayMs = options?.retryDelayMs;
  }
}

/** A 2xx to a read that does not parse: retried, since a proxy or a partial body is the usual cause. */
export class FintectureMalformedResponseError extends FintectureError {
  override readonly name = 'FintectureMalformedResponseError';
  readonly failureType = 'FintectureMalformedResponse';
  readonly retryable = true;

  constructor(
    /** Where the parse failed (JSON syntax, or the paths zod rejected). */
    readonly problems: string[],
    context: FintectureErrorContext,
    options?: { cause?: unknown },
  ) {
    super(`Fintecture sent a response we cannot read (${problems.join('; ')})`, context, options);
  }

  override details(): Record<string, unknown> {
    return { ...super.details(), problems: this.problems };
  }
}

/** Any other 4xx (405, 409, 413, 415, …): a request Fintecture will not accept as sent. */
export class FintectureRequestRejectedError extends FintectureError {
  override readonly name = 'FintectureRequestRejectedError';
  readonly failureType = 'FintectureRequestRejected';
  readonly retryable = false;

  constructor(context: FintectureErrorContext) {
    super('Fintecture rejected the request', context);
  }
}
