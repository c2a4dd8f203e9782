import { randomUUID } from 'node:crypto';
import ky, { type KyInstance } from 'ky';
import { type Logger } from '@temporalio/common';
import { type FintectureCallMetrics, noFintectureMetrics } from './call-metrics';
import { type Clock } from './clock';
import { type FintectureConfig } from './config';
import {
  FintectureAmbiguousOutcomeError,
  FintectureUnavailableError,
  type FintectureOperation,
} from './errors';
import { type Secret } from '../../common/secret';
import { buildSignatureHeader, digestHeaderFor, httpDate } from './signing';

/** One HTTP exchange with Fintecture, described independently of ky. */
export interface HttpExchange {
  operation: FintectureOperation;
  method: 'GET' | 'POST' | 'PATCH';
  /** Path under the API base URL, e.g. `/pis/v2/payments/abc`. */
  path: string;
  query?: ReadonlyArray<readonly [string, string]>;
  body?: { json: unknown } | { form: Readonly<Record<string, string>> };
  headers?: Readonly<Record<string, string | undefined>>;
  /** Full `Authorization` value (`Bearer …` / `Basic …`). */
  authorization: Secret<string>;
  /** Signed per fintecture-api.md §3 (every call except the token call). */
  signed: boolean;
  /**
   * The request changes something at Fintecture: when its outcome is unknown (timeout or dropped
   * connection after sending) that is an ambiguous outcome, not just unavailability.
   */
  mutating: boolean;
  timeoutMs: number;
  /** The activity's cancellation signal: aborts the call in flight. */
  signal?: AbortSignal;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  bodyText: string;
  /** The `X-Request-ID` we sent (signed calls), for logs and error context. */
  requestId: string | undefined;
}

export interface FintectureHttpOptions {
  config: Pick<FintectureConfig, 'apiUrl' | 'appId' | 'privateKey'>;
  clock: Clock;
  logger: Logger;
  metrics?: FintectureCallMetrics;
  /** Injected in tests to observe traffic; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/**
 * The only place that talks HTTP to Fintecture. ky with retries OFF: Temporal owns retries, and a hidden
 * retry of a POST could pay twice. Transport failures come back as typed errors; HTTP statuses are returned
 * for the client to interpret.
 */
export class FintectureHttp {
  readonly #ky: KyInstance;
  readonly #config: FintectureHttpOptions['config'];
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: FintectureCallMetrics;

  constructor(options: FintectureHttpOptions) {
    this.#config = options.config;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#metrics = options.metrics ?? noFintectureMetrics;
    this.#ky = ky.create({
      retry: 0,
      // The deadline covers the whole exchange, body included (`exchange()`); ky's own timeout stops at the
      // response headers.
      timeout: false,
      throwHttpErrors: false,
      // A redirect is not part of the API; following one could re-send a POST elsewhere.
      redirect: 'manual',
      fetch: options.fetch,
      hooks: { beforeRequest: [(request, hookOptions) => this.#sign(request, hookOptions.context)] },
    });
  }

  async exchange(exchange: HttpExchange): Promise<HttpResult> {
    const url = new URL(this.#config.apiUrl + exchange.path);
    if (exchange.query?.length)
      url.search = new URLSearchParams(exchange.query.map(([k, v]): [string, string] => [k, v])).toString();
    const requestId = exchange.signed ? randomUUID() : undefined;
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [name, value] of Object.entries(exchange.headers ?? {}))
      if (value !== undefined) headers[name] = value;
    headers.authorization = exchange.authorization.reveal();
    if (requestId) headers['x-request-id'] = requestId;
    let body: string | URLSearchParams | undefined;
    if (exchange.body && 'json' in exchange.body) {
      body = JSON.stringify(exchange.body.json);
      headers['content-type'] = 'application/json';
    } else if (exchange.body) {
      body = new URLSearchParams(exchange.body.form);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }

    // One controller for the whole exchange (headers and body): aborted by the deadline or by the caller.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), exchange.timeoutMs);
    const onCallerAbort = () => controller.abort(exchange.signal?.reason);
    if (exchange.signal?.aborted) onCallerAbort();
    exchange.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const startedAt = this.#clock.now();
    const logMeta = { operation: exchange.operation, method: exchange.method, path: url.pathname, requestId };
    try {
      const response = await this.#ky(url, {
        method: exchange.method,
        headers,
        body,
        signal: controller.signal,
        context: { signed: exchange.signed },
      });
      const bodyText = await response.text();
      const ms = this.#clock.now() - startedAt;
      this.#metrics.exchanged(exchange.operation, String(response.status), ms);
      this.#logger.debug('Fintecture call', { ...logMeta, status: response.status, ms });
      return { status: response.status, headers: response.headers, bodyText, requestId };
    } catch (error) {
      // The activity was cancelled: let Temporal's reason through untouched.
      if (exchange.signal?.aborted) throw exchange.signal.reason;
      const timedOut = controller.signal.aborted;
      const failure = transportFailure(error, exchange, timedOut, requestId);
      const ms = this.#clock.now() - startedAt;
      this.#metrics.exchanged(exchange.operation, timedOut ? 'timeout' : 'transport', ms);
      this.#logger.warn('Fintecture call failed', { ...logMeta, failure: failure.failureType, ms });
      throw failure;
    } finally {
      clearTimeout(timer);
      exchange.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Signs the request ky is about to send, from its final URL and body bytes (not from our inputs). */
  async #sign(request: Request, context: Record<string, unknown>): Promise<void> {
    if (context.signed !== true) return;
    const url = new URL(request.url);
    const body = request.body ? new Uint8Array(await request.clone().arrayBuffer()) : undefined;
    const requestId = request.headers.get('x-request-id') ?? randomUUID();
    const input = {
      method: request.method,
      target: url.pathname + url.search,
      date: httpDate(this.#clock.now()),
      digest: body && body.byteLength > 0 ? digestHeaderFor(body) : undefined,
      requestId,
    };
    request.headers.set('date', input.date);
    request.headers.set('x-request-id', requestId);
    if (input.digest) request.headers.set('digest', input.digest);
    request.headers.set(
      'signature',
      buildSignatureHeader(input, this.#config.appId, this.#config.privateKey.reveal()),
    );
  }
}

// These mean the request never reached the server: safe to treat as "nothing happened".
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_INVALID_URL',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Error codes anywhere in a fetch failure's cause chain (undici nests them, sometimes in an AggregateError). */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!(error instanceof Error) || depth > 5) return [];
  const code: unknown = (error as { code?: unknown }).code;
  const own = typeof code === 'string' ? [code] : [];
  const nested = error instanceof AggregateError ? error.errors.flatMap((e) => errorCodes(e, depth + 1)) : [];
  return [...own, ...nested, ...errorCodes(error.cause, depth + 1)];
}

function transportFailure(
  error: unknown,
  exchange: HttpExchange,
  timedOut: boolean,
  requestId: string | undefined,
): FintectureAmbiguousOutcomeError | FintectureUnavailableError {
  const context = { operation: exchange.operation, requestId };
  // A timeout's error holds the Request (and so the Authorization header): never keep it as a cause.
  if (timedOut) {
    const reason = `no complete answer within ${exchange.timeoutMs} ms`;
    return exchange.mutating
      ? new FintectureAmbiguousOutcomeError(reason, context)
      : new FintectureUnavailableError(reason, context);
  }
  const codes = errorCodes(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  if (codes.some((code) => NOT_SENT_CODES.has(code))) {
    return new FintectureUnavailableError(`could not connect (${codes.join(', ')})`, context, { cause });
  }
  const reason = `connection failed after sending${codes.length ? ` (${codes.join(', ')})` : ''}`;
  return exchange.mutating
    ? new FintectureAmbiguousOutcomeError(reason, context, { cause })
    : new FintectureUnavailableError(reason, context, { cause });
}
