import { ApplicationFailure } from '@temporalio/common';
import {
  FintectureAmbiguousOutcomeError,
  FintectureAuthError,
  FintectureNotFoundError,
  FintectureRateLimitedError,
  FintectureRequestRejectedError,
  FintectureUnavailableError,
  FintectureValidationError,
} from '../../activities/fintecture/errors';
import { type HttpResult } from '../../activities/fintecture/http';
import { errorFromResponse, fieldsOf, retryAfterMs } from '../../activities/fintecture/response-errors';
import { toActivityFailure } from '../../activities/failures';
import { PayoutReconciliationInconclusiveError } from '../../activities/payout-errors';

const NOW = Date.UTC(2026, 10, 24, 10, 0, 0);

function answer(status: number, body: unknown = {}, headers: Record<string, string> = {}): HttpResult {
  return {
    status,
    headers: new Headers(headers),
    bodyText: typeof body === 'string' ? body : JSON.stringify(body),
    requestId: 'rid-1',
  };
}

const fintectureError = (status: number, code: string, errors: { code: string; message?: string }[]) => ({
  status,
  code,
  log_id: 'log-9',
  errors: errors.map((e) => ({ title: 'Title', ...e })),
});

function failureOf(error: unknown): ApplicationFailure {
  const failure = toActivityFailure(error);
  if (!(failure instanceof ApplicationFailure)) throw new Error('expected an ApplicationFailure');
  return failure;
}

describe('mapping Fintecture answers to typed failures', () => {
  const read = { operation: 'fetch' as const, mutating: false, now: NOW };
  const create = { operation: 'create' as const, mutating: true, now: NOW };

  it.each([
    [400, read, FintectureValidationError, 'FintectureValidationFailed', false],
    [422, create, FintectureValidationError, 'FintectureValidationFailed', false],
    [401, create, FintectureAuthError, 'FintectureUnauthorized', true],
    [403, read, FintectureAuthError, 'FintectureForbidden', false],
    [404, read, FintectureNotFoundError, 'FintectureNotFound', false],
    [409, create, FintectureRequestRejectedError, 'FintectureRequestRejected', false],
    [429, create, FintectureRateLimitedError, 'FintectureRateLimited', true],
    [500, read, FintectureUnavailableError, 'FintectureUnavailable', true],
    [503, read, FintectureUnavailableError, 'FintectureUnavailable', true],
    [408, read, FintectureUnavailableError, 'FintectureUnavailable', true],
    [500, create, FintectureAmbiguousOutcomeError, 'FintectureAmbiguousOutcome', true],
    [502, create, FintectureAmbiguousOutcomeError, 'FintectureAmbiguousOutcome', true],
    [408, create, FintectureAmbiguousOutcomeError, 'FintectureAmbiguousOutcome', true],
  ] as const)('%i on a %o → %p (%s, retryable: %s)', (status, options, errorClass, type, retryable) => {
    const error = errorFromResponse(answer(status, fintectureError(status, 'x', [{ code: 'y' }])), options);
    expect(error).toBeInstanceOf(errorClass);
    const failure = failureOf(error);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(!retryable);
    expect(failure.details?.[0]).toMatchObject({ httpStatus: status, logId: 'log-9', requestId: 'rid-1' });
  });

  it('lists the fields of a validation error, from messages and from `field`', () => {
    const body = fintectureError(400, 'bad_request', [
      { code: 'invalid_field', message: 'The value or format of field [amount] is incorrect' },
      { code: 'mandatory_field_missing', message: 'The field [beneficiary.iban] is mandatory' },
    ]);
    const error = errorFromResponse(
      answer(400, { ...body, errors: [...body.errors, { code: 'invalid_field', field: 'currency' }] }),
      create,
    );
    expect(error).toBeInstanceOf(FintectureValidationError);
    expect((error as FintectureValidationError).fields).toEqual(['amount', 'beneficiary.iban', 'currency']);
    const failure = failureOf(error);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('amount, beneficiary.iban, currency');
    expect(failure.details?.[0]).toMatchObject({ fields: ['amount', 'beneficiary.iban', 'currency'] });
  });

  it('keeps server messages out of our messages: they may quote personal data', () => {
    const body = fintectureError(400, 'bad_request', [
      { code: 'invalid_field', message: 'IBAN FR7630006000011234567890189 of Jane Roe is invalid [iban]' },
    ]);
    const failure = failureOf(errorFromResponse(answer(400, body), create));
    const text = `${failure.message} ${JSON.stringify(failure.details)}`;
    expect(text).toContain('iban');
    expect(text).not.toContain('FR7630006000011234567890189');
    expect(text).not.toContain('Jane Roe');
  });

  it('honours Retry-After on 429 as the next retry delay (seconds or HTTP date)', () => {
    const seconds = failureOf(errorFromResponse(answer(429, {}, { 'retry-after': '7' }), create));
    expect(seconds.type).toBe('FintectureRateLimited');
    expect(seconds.nonRetryable).toBe(false);
    expect(seconds.nextRetryDelay).toBe(7000);
    const date = failureOf(
      errorFromResponse(answer(429, {}, { 'retry-after': new Date(NOW + 12_000).toUTCString() }), create),
    );
    expect(date.nextRetryDelay).toBe(12_000);
    expect(failureOf(errorFromResponse(answer(429), create)).nextRetryDelay).toBeUndefined();
  });

  it('leaves a zero Retry-After to the retry policy: Temporal would stop retrying on a zero delay', () => {
    for (const retryAfter of ['0', new Date(NOW - 5_000).toUTCString()]) {
      const failure = failureOf(errorFromResponse(answer(429, {}, { 'retry-after': retryAfter }), create));
      expect(failure.nonRetryable).toBe(false);
      expect(failure.nextRetryDelay).toBeUndefined();
    }
  });

  it('leaves the late-commit wait of an ambiguous create to the next attempt; Retry-After only adds to it', () => {
    expect(failureOf(errorFromResponse(answer(500), create)).nextRetryDelay).toBeUndefined();
    expect(failureOf(errorFromResponse(answer(503, {}, { 'retry-after': '2' }), create)).nextRetryDelay).toBe(
      2000,
    );
  });

  it('reads an answer that is not Fintecture’s error format (e.g. a proxy page)', () => {
    const error = errorFromResponse(answer(502, '<html>Bad gateway</html>'), read);
    expect(error).toBeInstanceOf(FintectureUnavailableError);
    expect(error.message).toContain('status=502');
  });

  it('turns reconciliation that cannot conclude into a non-retryable failure', () => {
    const failure = failureOf(new PayoutReconciliationInconclusiveError('order-1', 4));
    expect(failure.type).toBe('PayoutReconciliationInconclusive');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details?.[0]).toEqual({
      orderId: 'order-1',
      pagesRead: 4,
      sessionIds: [],
      mayHaveBeenApplied: true,
    });
    // Several sessions with the order's reference (legacy contract): named, not "0 pages read".
    const several = failureOf(new PayoutReconciliationInconclusiveError('order-1', 0, ['s1', 's2']));
    expect(several.message).toContain(
      'Several Fintecture sessions carry the reference of order order-1: s1, s2',
    );
    expect(several.nonRetryable).toBe(true);
  });

  it('lets anything else (a bug) through unchanged, for Temporal to retry per policy', () => {
    const bug = new TypeError('x is undefined');
    expect(toActivityFailure(bug)).toBe(bug);
  });

  it('parses helpers defensively', () => {
    expect(fieldsOf({ errors: [{ message: 'no brackets here' }, { field: 'bad field!' }] })).toEqual([]);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), NOW)).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'retry-after': '999999' }), NOW)).toBe(3600_000);
  });
});
