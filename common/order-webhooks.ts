import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { orderEventBody, type OrderEvent } from '../domain/order-events';
import { optionalString, parseEnv } from './env-schema';
import { Secret } from './secret';

/**
 * Outcome events to the order system, as Standard Webhooks (standardwebhooks.com): the settings, and one
 * signed POST of an event to each receiver. Used by the worker's `notifyOrderSystem` activity and by the
 * CLI's `payouts notify` (a re-send), so both send the same bytes under the same `webhook-id`.
 */

/** Each HTTP attempt gives up after this long (a timeout counts as a refusal: retried). */
export const ORDER_WEBHOOK_TIMEOUT_MS = 10_000;

export interface OrderWebhookConfig {
  /** Where events go: every event to every URL. */
  readonly receivers: readonly string[];
  /** `whsec_` + base64 (the Standard Webhooks secret format). */
  readonly secret: Secret<string>;
  readonly timeoutMs: number;
}

/** Standard Webhooks secrets: `whsec_` then 24 to 64 random bytes in base64. */
const WHSEC = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/** The NOTIFY_* settings, to merge into a process's env schema (then `checkNotifyPair` on the object). */
export const notifyEnvShape = {
  NOTIFY_WEBHOOK_URL: optionalString.transform((value, context) => {
    if (value === undefined) return undefined;
    const urls = value.split(',').map((item) => item.trim());
    for (const url of urls) {
      if (!z.url({ protocol: /^https?$/ }).safeParse(url).success) {
        context.addIssue({
          code: 'custom',
          message: 'must be an http(s) URL, or several separated by commas',
        });
        return z.NEVER;
      }
    }
    return urls;
  }),
  NOTIFY_WEBHOOK_SECRET: optionalString.transform((value, context) => {
    if (value === undefined) return undefined;
    const match = WHSEC.exec(value);
    const bytes = match ? Buffer.from(match[1]!, 'base64').length : 0;
    if (!match || bytes < 24 || bytes > 64) {
      context.addIssue({
        code: 'custom',
        message: 'must be whsec_ followed by 24 to 64 bytes in base64 (the Standard Webhooks format)',
      });
      return z.NEVER;
    }
    return new Secret(value);
  }),
};

type NotifyEnv = {
  NOTIFY_WEBHOOK_URL?: string[] | undefined;
  NOTIFY_WEBHOOK_SECRET?: Secret<string> | undefined;
};

/** A URL without a secret would send unsigned events: refused, naming the missing setting. */
export function checkNotifyPair(env: NotifyEnv, context: z.RefinementCtx): void {
  if (env.NOTIFY_WEBHOOK_URL && !env.NOTIFY_WEBHOOK_SECRET) {
    context.addIssue({
      code: 'custom',
      path: ['NOTIFY_WEBHOOK_SECRET'],
      message: 'is required when NOTIFY_WEBHOOK_URL is set (events are always signed)',
    });
  }
}

/** The parsed settings as the delivery code wants them; null when no URL is set (no events). */
export function orderWebhookConfigFrom(
  env: NotifyEnv,
  timeoutMs = ORDER_WEBHOOK_TIMEOUT_MS,
): OrderWebhookConfig | null {
  if (!env.NOTIFY_WEBHOOK_URL || !env.NOTIFY_WEBHOOK_SECRET) return null;
  return Object.freeze({
    receivers: Object.freeze([...env.NOTIFY_WEBHOOK_URL]),
    secret: env.NOTIFY_WEBHOOK_SECRET,
    timeoutMs,
  });
}

const NotifyEnvSchema = z.object(notifyEnvShape).superRefine(checkNotifyPair);

/** Parses only the NOTIFY_* settings (the CLI); throws `ConfigError` naming the bad variable. */
export function loadOrderWebhookConfig(env: Record<string, string | undefined>): OrderWebhookConfig | null {
  return orderWebhookConfigFrom(parseEnv(NotifyEnvSchema, env));
}

/** How a receiver is named in results, logs and the status view: its number and host, never its path. */
export function receiverLabel(url: string, index: number): string {
  return `#${index + 1} ${new URL(url).host}`;
}

export interface ReceiverResult {
  receiver: string;
  delivered: boolean;
  /** The HTTP status, when the receiver answered. */
  status?: number;
  /** `http_503`, `timeout`, `connection_failed`… */
  error?: string;
}

/**
 * POSTs `event` once to each receiver (all of them, or those in `only`), signed with the standardwebhooks
 * package: `webhook-id` = `id`, `webhook-timestamp` = now, `webhook-signature` = `v1,<HMAC-SHA256>`.
 * 2xx is delivered; anything else (another status, a redirect, a timeout, a refused connection) is not.
 */
export async function postOrderEvent(
  config: OrderWebhookConfig,
  id: string,
  event: OrderEvent,
  options: { only?: ReadonlySet<number>; now?: () => Date; signal?: AbortSignal } = {},
): Promise<ReceiverResult[]> {
  const body = orderEventBody(event);
  const webhook = new Webhook(config.secret.reveal());
  const targets = [...config.receivers.entries()].filter(
    ([index]) => !options.only || options.only.has(index),
  );
  // All receivers at once: one slow receiver does not hold up the others, and an attempt lasts one timeout.
  return Promise.all(
    targets.map(async ([index, url]): Promise<ReceiverResult> => {
      const receiver = receiverLabel(url, index);
      const timestamp = options.now?.() ?? new Date();
      const headers = {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': webhook.sign(id, timestamp, body),
      };
      const timeout = AbortSignal.timeout(config.timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      try {
        const response = await fetch(url, { method: 'POST', headers, body, signal, redirect: 'manual' });
        await response.body?.cancel().catch(() => {});
        return response.status >= 200 && response.status < 300
          ? { receiver, delivered: true, status: response.status }
          : { receiver, delivered: false, status: response.status, error: `http_${response.status}` };
      } catch (error) {
        if (options.signal?.aborted) throw error;
        return { receiver, delivered: false, error: timeout.aborted ? 'timeout' : 'connection_failed' };
      }
    }),
  );
}
