import { randomUUID } from 'node:crypto';

export interface ApiErrorEntry {
  code: string;
  title: string;
  message: string;
  /** JSON:API-style pointer to the offending field, when there is one. */
  source?: { pointer: string };
}

const GENERAL_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  500: 'internal_server_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
};

/** An error answered in Fintecture's format (fintecture-api.md §10). */
export class ApiError extends Error {
  readonly status: number;
  readonly errors: ApiErrorEntry[];
  readonly headers: Record<string, string>;

  constructor(status: number, errors: ApiErrorEntry[], headers: Record<string, string> = {}) {
    super(errors.map((e) => e.message).join('; ') || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.errors = errors;
    this.headers = headers;
  }

  body(): Record<string, unknown> {
    return {
      status: this.status,
      code: GENERAL_CODES[this.status] ?? 'error',
      log_id: randomUUID(),
      errors: this.errors,
    };
  }
}

export const unauthorized = (code: string, message: string) =>
  new ApiError(401, [{ code, title: 'Unauthorized', message }]);

export const notFound = (message: string) =>
  new ApiError(404, [{ code: 'not_found', title: 'Not Found', message }]);

export const badRequest = (code: string, message: string, pointer?: string) =>
  new ApiError(400, [{ code, title: 'Bad Request', message, ...(pointer ? { source: { pointer } } : {}) }]);
