import { type Logger } from '@temporalio/common';
import { type z } from 'zod';
import { type SessionStatus, type TransferState, type UnrecognisedStates } from '../../domain/session-states';
import { type PayoutSnapshot } from '../../domain/payout-session';
import { SESSION_ID_PATTERN } from '../../domain/identifiers';
import { type FintectureCallMetrics, noFintectureMetrics } from './call-metrics';
import { type Clock, systemClock } from './clock';
import { type FintectureConfig } from './config';
import {
  FintectureAmbiguousOutcomeError,
  FintectureError,
  FintectureMalformedResponseError,
  FintectureValidationError,
  type FintectureOperation,
} from './errors';
import { FintectureHttp, type HttpExchange, type HttpResult } from './http';
import { errorFromResponse, isInvalidToken } from './response-errors';
import {
  CancelResponseSchema,
  CreatePayoutResponseSchema,
  type PaymentAttributes,
  PaymentListItemSchema,
  PaymentListResponseSchema,
  PaymentResponseSchema,
  TokenResponseSchema,
} from './schemas';
import { classifyStates } from './statuses';
import { Secret } from '../../common/secret';
import { type AccessToken, TokenProvider } from './token-provider';

/** The JSON body of `POST /pis/v2/request-for-payout` (fintecture-api.md §4). */
export interface CreatePayoutBody {
  meta: {
    psu_name: string;
    psu_email?: string;
    psu_phone?: string;
    psu_phone_prefix?: string;
    /** Seconds the payee link stays valid (scenario 1). */
    expiry?: number;
    method?: 'link' | 'email' | 'sms';
  };
  data: {
    type: 'payments';
    attributes: {
      amount: string;
      currency: string;
      communication: string;
      end_to_end_id: string;
      beneficiary?: { name: string; iban: string; swift_bic: string };
    };
  };
}

export interface CreatePayoutCall {
  redirectUri: string;
  state: string;
  language?: string;
  country?: string;
  body: CreatePayoutBody;
}

export interface CreatedSession {
  sessionId: string;
  /** Null when the answer carries no status: the guide's scenario-1 answer has none (§4). */
  sessionStatus: SessionStatus | null;
  connectUrl: string | null;
  transferState: TransferState | null;
  endToEndId: string | null;
  unrecognised: UnrecognisedStates | null;
}

/** A payment as read back, with the `state` when Fintecture includes it. */
export interface PaymentRecord extends PayoutSnapshot {
  state: string | null;
  /** Scenario 1 payee link, when the read includes it. */
  connectUrl: string | null;
  /** `meta.type`: `RequestForPayout` for payouts; lists also hold pay-ins (§5). */
  type: string | null;
  unrecognised: UnrecognisedStates | null;
}

export interface ListPaymentsQuery {
  pageNumber: number;
  pageSize: number;
  state?: string;
  endToEndId?: string;
}

export interface PaymentPage {
  items: PaymentRecord[];
  /**
   * Entries that could not be read, skipped (never fatal), as their raw JSON text: a search can still tell
   * whether a skipped entry might be the one it looks for.
   */
  unreadable: { text: string }[];
  /** `meta.totalPages` when Fintecture sends it (a hint: nothing documents it). */
  totalPages: number | null;
}

export type CancelResult =
  { accepted: true; sessionStatus: SessionStatus | null } | { accepted: false; fintectureCodes: string[] };

/** What the activities need from Fintecture; `FintectureClient` is the real one. */
export interface FintectureApi {
  ensureAccessToken(signal?: AbortSignal): Promise<{ expiresAt: number }>;
  createPayout(call: CreatePayoutCall, signal?: AbortSignal): Promise<CreatedSession>;
  getPayment(sessionId: string, signal?: AbortSignal): Promise<PaymentRecord>;
  listPayments(query: ListPaymentsQuery, signal?: AbortSignal): Promise<PaymentPage>;
  cancelPayment(sessionId: string, signal?: AbortSignal): Promise<CancelResult>;
}

export interface FintectureClientOptions {
  config: FintectureConfig;
  logger: Logger;
  /** Call latency and failures by type (the worker's Prometheus endpoint); none by default. */
  metrics?: FintectureCallMetrics;
  clock?: Clock;
  /** Injected in tests to observe traffic; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** Fintecture's PIS API as our domain sees it: typed inputs, typed results, typed failures. */
export class FintectureClient implements FintectureApi {
  readonly #config: FintectureConfig;
  readonly #clock: Clock;
  readonly #http: FintectureHttp;
  readonly #tokens: TokenProvider;
  readonly #metrics: FintectureCallMetrics;

  constructor(options: FintectureClientOptions) {
    this.#config = options.config;
    this.#metrics = options.metrics ?? noFintectureMetrics;
    this.#clock = options.clock ?? systemClock;
    this.#http = new FintectureHttp({ ...options, clock: this.#clock });
    this.#tokens = new TokenProvider({
      fetchToken: () => this.#requestToken(),
      clock: this.#clock,
      refreshMarginMs: options.config.tokenRefreshMarginMs,
      logger: options.logger,
    });
  }

  async ensureAccessToken(signal?: AbortSignal): Promise<{ expiresAt: number }> {
    return this.#observed(async () => {
      const token = await this.#tokens.getToken(signal);
      return { expiresAt: token.expiresAt };
    });
  }

  async createPayout(call: CreatePayoutCall, signal?: AbortSignal): Promise<CreatedSession> {
    return this.#observed(async () => {
      const result = await this.#signedCall(
        {
          operation: 'create',
          method: 'POST',
          path: '/pis/v2/request-for-payout',
          query: [
            ['redirect_uri', call.redirectUri],
            ['state', call.state],
          ],
          body: { json: call.body },
          headers: {
            'x-language': call.language ?? this.#config.language,
            'x-country': call.country ?? this.#config.country,
          },
          mutating: true,
        },
        signal,
      );
      const body = this.#parse(
        CreatePayoutResponseSchema,
        result,
        'create',
        (problems) =>
          // The session was probably created: the next attempt must reconcile, not treat this as a clean failure.
          new FintectureAmbiguousOutcomeError(`unreadable ${result.status} answer (${problems.join('; ')})`, {
            operation: 'create',
            httpStatus: result.status,
            requestId: result.requestId,
          }),
      );
      const attributes = body.data?.attributes;
      const states = this.#classified('create', body.meta.status, attributes?.transfer_state);
      return {
        sessionId: body.meta.session_id,
        sessionStatus: states.sessionStatus,
        connectUrl: body.meta.url ?? null,
        transferState: states.transferState,
        endToEndId: attributes?.end_to_end_id ?? null,
        unrecognised: states.unrecognised,
      };
    });
  }

  async getPayment(sessionId: string, signal?: AbortSignal): Promise<PaymentRecord> {
    return this.#observed(async () => {
      const result = await this.#signedCall(
        {
          operation: 'fetch',
          method: 'GET',
          path: `/pis/v2/payments/${pathSegment(sessionId, 'fetch')}`,
          mutating: false,
        },
        signal,
      );
      const body = this.#parse(PaymentResponseSchema, result, 'fetch');
      return this.#record(
        'fetch',
        body.meta.session_id ?? body.data?.id ?? sessionId,
        body.meta,
        body.data?.attributes,
      );
    });
  }

  async listPayments(query: ListPaymentsQuery, signal?: AbortSignal): Promise<PaymentPage> {
    return this.#observed(async () => {
      // `page[size]` and the filters are hints (§5): the caller's search must be right when they are ignored.
      const params: [string, string][] = [];
      if (query.state !== undefined) params.push(['filter[state]', query.state]);
      if (query.endToEndId !== undefined) params.push(['filter[end_to_end_id]', query.endToEndId]);
      params.push(['page[number]', String(query.pageNumber)], ['page[size]', String(query.pageSize)]);
      const result = await this.#signedCall(
        { operation: 'list', method: 'GET', path: '/pis/v2/payments', query: params, mutating: false },
        signal,
      );
      const body = this.#parse(PaymentListResponseSchema, result, 'list');
      const items: PaymentRecord[] = [];
      const unreadable: PaymentPage['unreadable'] = [];
      for (const entry of body.data) {
        const parsed = PaymentListItemSchema.safeParse(entry);
        if (parsed.success) {
          const item = parsed.data;
          items.push(
            this.#record('list', item.meta?.session_id ?? item.id ?? '', item.meta, item.attributes),
          );
          continue;
        }
        // Another application's session, a pay-in, a shape from a newer API version: skipped and counted.
        this.#metrics.skippedListEntry();
        unreadable.push({ text: JSON.stringify(entry) ?? '' });
      }
      return { items, unreadable, totalPages: body.meta?.totalPages ?? null };
    });
  }

  async cancelPayment(sessionId: string, signal?: AbortSignal): Promise<CancelResult> {
    return this.#observed(async () => {
      let result: HttpResult;
      try {
        result = await this.#signedCall(
          {
            operation: 'cancel',
            method: 'PATCH',
            path: `/pis/v2/payments/${pathSegment(sessionId, 'cancel')}`,
            body: { json: { meta: { status: 'payment_cancelled' } } },
            mutating: true,
          },
          signal,
        );
      } catch (error) {
        // Fintecture answers 400 when the session is past the point of cancelling (§6): a refusal, not a fault.
        if (error instanceof FintectureValidationError) {
          return { accepted: false, fintectureCodes: error.context.errorCodes ?? [] };
        }
        throw error;
      }
      // The PATCH was accepted whatever its (undocumented) body says: one we cannot read has no status.
      let status: string | null | undefined = null;
      try {
        status = CancelResponseSchema.parse(JSON.parse(result.bodyText))?.meta?.status;
      } catch {
        status = null;
      }
      return {
        accepted: true,
        sessionStatus: this.#classified('cancel', status, null).sessionStatus,
      };
    });
  }

  /** Splits known from unrecognised states, counting each unrecognised value by the field it was in. */
  #classified(
    operation: FintectureOperation,
    session: string | null | undefined,
    transfer: string | null | undefined,
  ) {
    const states = classifyStates(session, transfer);
    if (states.unrecognised?.sessionStatus)
      this.#metrics.unrecognisedState(operation, 'session_status', states.unrecognised.sessionStatus);
    if (states.unrecognised?.transferState)
      this.#metrics.unrecognisedState(operation, 'transfer_state', states.unrecognised.transferState);
    return states;
  }

  #record(
    operation: FintectureOperation,
    sessionId: string,
    meta:
      | { status?: string | null; url?: string | null; state?: string | null; type?: string | null }
      | null
      | undefined,
    attributes: PaymentAttributes | null | undefined,
  ): PaymentRecord {
    const states = this.#classified(operation, meta?.status, attributes?.transfer_state);
    return {
      sessionId,
      sessionStatus: states.sessionStatus,
      transferState: states.transferState,
      unrecognised: states.unrecognised,
      transferReason: attributes?.transfer_reason ?? null,
      amount: attributes?.amount ?? null,
      currency: attributes?.currency ?? null,
      communication: attributes?.communication ?? null,
      endToEndId: attributes?.end_to_end_id ?? null,
      executionDate: attributes?.execution_date ?? null,
      scheme: attributes?.scheme ?? attributes?.payment_scheme ?? null,
      state: attributes?.state ?? meta?.state ?? null,
      connectUrl: meta?.url ?? null,
      type: meta?.type ?? null,
    };
  }

  /** Counts a typed failure by the operation it happened in (a token failure during a create is `token`). */
  async #observed<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof FintectureError) this.#metrics.failed(error.context.operation, error.failureType);
      throw error;
    }
  }

  /** A signed call with a bearer token; one renewal and one re-send if Fintecture says `invalid_token`. */
  async #signedCall(
    exchange: Omit<HttpExchange, 'authorization' | 'signed' | 'timeoutMs' | 'signal'>,
    signal: AbortSignal | undefined,
  ): Promise<HttpResult> {
    const send = (token: AccessToken) =>
      this.#http.exchange({
        ...exchange,
        authorization: new Secret(`Bearer ${token.value.reveal()}`),
        signed: true,
        timeoutMs: this.#config.requestTimeoutMs,
        signal,
      });
    let token = await this.#tokens.getToken(signal);
    let result = await send(token);
    // A 401 proves nothing was applied, so re-sending even a create is safe.
    if (isInvalidToken(result)) {
      this.#tokens.invalidate(token);
      token = await this.#tokens.getToken(signal);
      result = await send(token);
    }
    if (result.status < 200 || result.status > 299) {
      throw errorFromResponse(result, {
        operation: exchange.operation,
        mutating: exchange.mutating,
        now: this.#clock.now(),
      });
    }
    return result;
  }

  async #requestToken(): Promise<{ accessToken: string; expiresInSeconds: number }> {
    const basic = Buffer.from(`${this.#config.appId}:${this.#config.appSecret.reveal()}`).toString('base64');
    const result = await this.#http.exchange({
      operation: 'token',
      method: 'POST',
      path: '/oauth/accesstoken',
      body: {
        form: { grant_type: 'client_credentials', app_id: this.#config.appId, scope: this.#config.scope },
      },
      authorization: new Secret(`Basic ${basic}`),
      signed: false,
      mutating: false,
      timeoutMs: this.#config.tokenTimeoutMs,
    });
    if (result.status < 200 || result.status > 299) {
      throw errorFromResponse(result, { operation: 'token', mutating: false, now: this.#clock.now() });
    }
    const body = this.#parse(TokenResponseSchema, result, 'token');
    return { accessToken: body.access_token, expiresInSeconds: body.expires_in };
  }

  #parse<S extends z.ZodType>(
    schema: S,
    result: HttpResult,
    operation: FintectureOperation,
    onFailure?: (problems: string[]) => Error,
  ): z.output<S> {
    let json: unknown;
    try {
      json = JSON.parse(result.bodyText);
    } catch {
      // Not the SyntaxError itself: its message quotes the body, which may hold personal data.
      const problems = ['body is not JSON'];
      throw onFailure?.(problems) ?? malformed(problems, operation, result);
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`,
    );
    throw onFailure?.(problems) ?? malformed(problems, operation, result);
  }
}

function malformed(problems: string[], operation: FintectureOperation, result: HttpResult) {
  return new FintectureMalformedResponseError(problems, {
    operation,
    httpStatus: result.status,
    requestId: result.requestId,
  });
}

/** Fintecture's session IDs are 32 hex characters; anything path-unsafe is refused before it reaches a URL. */
function pathSegment(sessionId: string, operation: FintectureOperation): string {
  if (!SESSION_ID_PATTERN.test(sessionId)) {
    throw new FintectureValidationError(['session_id'], { operation });
  }
  return sessionId;
}
