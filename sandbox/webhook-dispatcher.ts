import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GUIDE_HEADER_LIST, type SignedHeaderList } from './webhook-header-lists';
import { parseMerchantPublicKey, signWebhook } from './webhook-signature';

/**
 * Delivers webhooks as Fintecture documents it (fintecture-api.md §7): per configured URL, after an
 * offset, a signed form-urlencoded POST with a timeout; any non-2xx, network error or timeout is retried
 * with exponentially growing delays, then given up. Webhooks of one session reach one URL in order.
 */

export interface WebhookSettings {
  urls: string[];
  offsetMs: number;
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  /** Retry n waits `retryBaseMs × 2^(n-1)`. */
  retryBaseMs: number;
  /** Delivery n signs `signedHeaderLists[n mod length]`; default: the guide's list only. */
  signedHeaderLists?: readonly SignedHeaderList[];
  /**
   * `attempt` (default): each attempt carries a fresh `Date`. `event`: every attempt carries the time of the
   * event itself, however late the offset and the retries make it (nothing documents a re-stamp).
   */
  dateStamp?: 'attempt' | 'event';
}

export interface WebhookEvent {
  sessionId: string;
  event: string;
  /** The form body, in insertion order. */
  fields: Record<string, string>;
  /** When the status or state changed (epoch ms); defaults to when `send` is called. */
  occurredAt?: number;
}

export type WebhookDeliveryOutcome = 'delivered' | 'failed' | 'gave_up';

/** One attempt. `deliveryId` and `requestId` are shared by every attempt of one (event, url). */
export interface WebhookDelivery {
  deliveryId: string;
  url: string;
  sessionId: string;
  event: string;
  fields: Record<string, string>;
  requestId: string;
  /** The `headers="…"` list this delivery signs (the same on every attempt). */
  signedHeaders: string;
  /** The `Date` header sent, when the attempt could be signed. */
  date?: string;
  /** 1 for the first attempt. */
  attempt: number;
  outcome: WebhookDeliveryOutcome;
  status?: number;
  error?: string;
  /** When the attempt's outcome was known (ISO 8601). */
  at: string;
}

export interface WebhookDispatcherOptions {
  appId: string;
  merchantPublicKeyPem: string;
  /** Read on every send and attempt, so configuration changes apply at once. */
  settings: () => WebhookSettings;
  log?: (line: string) => void;
}

/** One (event, url) delivery waiting in, or at the head of, its (url, session) queue. */
interface PendingDelivery {
  deliveryId: string;
  url: string;
  event: WebhookEvent;
  body: string;
  requestId: string;
  signedHeaders: SignedHeaderList;
  /** The event time (epoch ms); the `Date` of every attempt when `fixedDate`. */
  occurredAt: number;
  fixedDate: boolean;
  /** Not sent before this (epoch ms): the event time plus the offset. */
  dueAt: number;
}

/** FIFO of one (url, sessionId): its runner delivers the head, then the next. */
interface DeliveryQueue {
  key: string;
  pending: PendingDelivery[];
}

interface AttemptResult {
  ok: boolean;
  date?: string;
  status?: number;
  error?: string;
}

/** Everything started before a reset/close shares one epoch; aborting it cancels all of it. */
interface Epoch {
  controller: AbortController;
  queues: Map<string, DeliveryQueue>;
}

export class WebhookDispatcher {
  private readonly appId: string;
  private readonly merchantPublicKeyPem: string;
  private readonly settings: () => WebhookSettings;
  private readonly log: (line: string) => void;
  private epoch: Epoch = newEpoch();
  private records: WebhookDelivery[] = [];
  /** Runners still going, including cancelled ones that are unwinding. */
  private readonly runners = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private nextDeliveryNumber = 1;
  /** Picks each delivery's header list; restarts on reset, so a test sees the same rotation each time. */
  private nextRotation = 0;
  private closed = false;

  constructor(options: WebhookDispatcherOptions) {
    parseMerchantPublicKey(options.merchantPublicKeyPem); // fail fast on a bad key, not on every attempt
    this.appId = options.appId;
    this.merchantPublicKeyPem = options.merchantPublicKeyPem;
    this.settings = options.settings;
    this.log = options.log ?? (() => {});
  }

  /** Fire-and-forget: queues one delivery per configured URL and returns at once. Never throws. */
  send(event: WebhookEvent): void {
    try {
      if (this.closed) {
        this.log(`webhook ${event.event} session=${event.sessionId}: dispatcher closed, not sent`);
        return;
      }
      const settings = this.settings();
      const fields = { ...event.fields }; // later changes by the caller must not alter what is sent
      const snapshot: WebhookEvent = { sessionId: event.sessionId, event: event.event, fields };
      const body = new URLSearchParams(fields).toString();
      const occurredAt = event.occurredAt ?? Date.now();
      const dueAt = occurredAt + Math.max(0, settings.offsetMs);
      const lists = settings.signedHeaderLists?.length ? settings.signedHeaderLists : [GUIDE_HEADER_LIST];
      for (const url of settings.urls) {
        this.enqueue({
          deliveryId: `dlv_${this.nextDeliveryNumber++}`,
          url,
          event: snapshot,
          body,
          // Once per (event, url): receivers spot duplicate deliveries by it.
          requestId: randomUUID(),
          signedHeaders: lists[this.nextRotation++ % lists.length]!,
          occurredAt,
          fixedDate: settings.dateStamp === 'event',
          dueAt,
        });
      }
    } catch (error) {
      this.log(`webhook ${event?.event} session=${event?.sessionId}: not queued: ${describeError(error)}`);
    }
  }

  /** One record per attempt, oldest first (copies: callers cannot alter the log). */
  deliveries(): WebhookDelivery[] {
    return this.records.map((record) => ({ ...record, fields: { ...record.fields } }));
  }

  /** Resolves when nothing is queued, waiting or in flight. */
  idle(): Promise<void> {
    if (this.runners.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels everything pending (timers and requests) and forgets the records. */
  reset(): void {
    this.epoch.controller.abort();
    this.epoch = newEpoch();
    this.records = [];
    this.nextRotation = 0;
  }

  /** Cancels timers and aborts in-flight requests; resolves once every runner has stopped. */
  async close(): Promise<void> {
    this.closed = true;
    this.epoch.controller.abort();
    await Promise.all([...this.runners]);
  }

  private enqueue(delivery: PendingDelivery): void {
    const epoch = this.epoch;
    const key = `${delivery.url}\u0000${delivery.event.sessionId}`;
    const existing = epoch.queues.get(key);
    if (existing) {
      existing.pending.push(delivery); // its runner will get to it after the earlier ones
      return;
    }
    const queue: DeliveryQueue = { key, pending: [delivery] };
    epoch.queues.set(key, queue);
    const runner = this.drain(queue, epoch).finally(() => {
      this.runners.delete(runner);
      if (this.runners.size === 0) this.notifyIdle();
    });
    this.runners.add(runner);
  }

  private async drain(queue: DeliveryQueue, epoch: Epoch): Promise<void> {
    const signal = epoch.controller.signal;
    try {
      for (let head = queue.pending[0]; head && !signal.aborted; head = queue.pending[0]) {
        await this.deliver(head, signal);
        queue.pending.shift();
      }
    } catch (error) {
      if (!signal.aborted) this.log(`webhook queue failed unexpectedly: ${describeError(error)}`);
    } finally {
      // The queue is removed synchronously with finding it empty, so `enqueue` never appends to a queue
      // whose runner has already finished.
      if (epoch.queues.get(queue.key) === queue) epoch.queues.delete(queue.key);
    }
  }

  /** All attempts of one (event, url); returns when delivered or given up. Throws only when cancelled. */
  private async deliver(delivery: PendingDelivery, signal: AbortSignal): Promise<void> {
    const wait = delivery.dueAt - Date.now();
    if (wait > 0) await sleep(wait, undefined, { signal });

    for (let attempt = 1; ; attempt++) {
      const settings = this.settings();
      const result = await this.attempt(delivery, settings.timeoutMs, signal);
      signal.throwIfAborted(); // a cancelled attempt is not recorded

      const retriesLeft = attempt <= settings.retries;
      const outcome: WebhookDeliveryOutcome = result.ok ? 'delivered' : retriesLeft ? 'failed' : 'gave_up';
      this.record(delivery, attempt, outcome, result);
      if (outcome !== 'failed') return;

      await sleep(settings.retryBaseMs * 2 ** (attempt - 1), undefined, { signal });
    }
  }

  private async attempt(
    delivery: PendingDelivery,
    timeoutMs: number,
    cancel: AbortSignal,
  ): Promise<AttemptResult> {
    let headers;
    try {
      // Re-encrypted on every attempt; the Date is fresh unless the event's own time is asked for.
      headers = signWebhook({
        appId: this.appId,
        merchantPublicKeyPem: this.merchantPublicKeyPem,
        body: delivery.body,
        requestId: delivery.requestId,
        signedHeaders: delivery.signedHeaders,
        requestTarget: requestTargetOf(delivery.url),
        ...(delivery.fixedDate ? { date: new Date(delivery.occurredAt) } : {}),
      });
    } catch (error) {
      return { ok: false, error: `signing failed: ${describeError(error)}` };
    }

    const controller = new AbortController();
    const onCancel = () => controller.abort();
    cancel.addEventListener('abort', onCancel, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: { ...headers },
        body: delivery.body,
        redirect: 'manual', // a redirect is not a 2xx: Fintecture retries it, it does not follow it
        signal: controller.signal,
      });
      await response.body?.cancel().catch(() => {}); // the answer's body is irrelevant; free the socket
      const date = headers.Date;
      return response.status >= 200 && response.status < 300
        ? { ok: true, date, status: response.status }
        : { ok: false, date, status: response.status };
    } catch (error) {
      const detail = timedOut ? `no answer within ${timeoutMs} ms` : describeError(error);
      return { ok: false, date: headers.Date, error: detail };
    } finally {
      clearTimeout(timer);
      cancel.removeEventListener('abort', onCancel);
    }
  }

  private record(
    delivery: PendingDelivery,
    attempt: number,
    outcome: WebhookDeliveryOutcome,
    result: AttemptResult,
  ): void {
    const { sessionId, event, fields } = delivery.event;
    this.records.push({
      deliveryId: delivery.deliveryId,
      url: delivery.url,
      sessionId,
      event,
      fields: { ...fields },
      requestId: delivery.requestId,
      signedHeaders: delivery.signedHeaders.join(' '),
      ...(result.date === undefined ? {} : { date: result.date }),
      attempt,
      outcome,
      ...(result.status === undefined ? {} : { status: result.status }),
      ...(result.error === undefined ? {} : { error: result.error }),
      at: new Date().toISOString(),
    });
    // Ids, event, status only: the body may hold personal data (names, IBANs).
    const detail = result.status === undefined ? (result.error ?? '') : `HTTP ${result.status}`;
    this.log(
      `webhook ${event} session=${sessionId} delivery=${delivery.deliveryId} request-id=${delivery.requestId} ` +
        `url=${redactUrl(delivery.url)} attempt=${attempt}: ${outcome} (${detail})`,
    );
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function newEpoch(): Epoch {
  return { controller: new AbortController(), queues: new Map() };
}

/** `(request-target)` of a POST to this URL, as the official JS SDK writes it: `post /path?query`. */
function requestTargetOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return `post ${parsed.pathname}${parsed.search}`;
  } catch {
    return undefined; // fetch will fail on this URL anyway, and the attempt is recorded as failed
  }
}

/** Origin and path only: a receiver URL may carry credentials or tokens. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.origin + parsed.pathname;
  } catch {
    return '<invalid url>';
  }
}

function describeError(error: unknown): string {
  // Duck-typed rather than `instanceof Error`: fetch's errors may come from another realm (e.g. Jest's vm).
  const message = (value: unknown) =>
    typeof value === 'object' && value !== null && 'message' in value ? String(value.message) : undefined;
  const cause =
    typeof error === 'object' && error !== null && 'cause' in error ? message(error.cause) : undefined;
  // fetch hides the network cause (ECONNREFUSED, …) behind a generic "fetch failed".
  return (message(error) ?? String(error)) + (cause ? `: ${cause}` : '');
}
