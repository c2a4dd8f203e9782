import { Context } from '@temporalio/activity';
import { ApplicationFailure, type Logger } from '@temporalio/common';
import { postOrderEvent, type OrderWebhookConfig, type ReceiverResult } from '../common/order-webhooks';
import type { OrderEvent } from '../domain/order-events';

/** What a delivery attempt remembers for the next one (heartbeat details): receivers already served. */
interface DeliveryProgress {
  delivered: number[];
}

export interface NotifyOrderSystemInput {
  /** The `webhook-id`: the same on every attempt. */
  id: string;
  event: OrderEvent;
}

export type NotifyOrderSystemResult =
  { configured: false } | { configured: true; attempts: number; receivers: ReceiverResult[] };

/** Failure type of an attempt some receiver refused (retried by the workflow's policy). */
export const ORDER_WEBHOOK_UNDELIVERED = 'OrderWebhookUndelivered';

/**
 * `notifyOrderSystem`: one event to every receiver. An attempt POSTs to the receivers that have not yet
 * answered 2xx (remembered across attempts in the heartbeat details, best effort: at least once), and
 * fails (retryable) when any still refuses, naming them. Without NOTIFY_WEBHOOK_URL it answers
 * `configured: false` at once: the workflow cannot know the worker's settings, so it always asks.
 */
export function createNotifyActivities({
  config,
  logger,
}: {
  config: OrderWebhookConfig | null;
  logger: Logger;
}) {
  return {
    async notifyOrderSystem(input: NotifyOrderSystemInput): Promise<NotifyOrderSystemResult> {
      if (!config) return { configured: false };
      const context = Context.current();
      const attempt = context.info.attempt;
      const previous = context.info.heartbeatDetails as DeliveryProgress | undefined;
      const delivered = new Set(previous?.delivered ?? []);
      const todo = new Set([...config.receivers.keys()].filter((index) => !delivered.has(index)));
      const results = await postOrderEvent(config, input.id, input.event, {
        only: todo,
        signal: context.cancellationSignal,
      });
      const indexes = [...todo];
      results.forEach((result, position) => {
        if (result.delivered) delivered.add(indexes[position]!);
      });
      context.heartbeat({ delivered: [...delivered].sort() } satisfies DeliveryProgress);
      const refused = results.filter((result) => !result.delivered);
      const facts = { webhookId: input.id, type: input.event.type, attempt };
      if (refused.length > 0) {
        const why = refused.map((result) => `${result.receiver}: ${result.error ?? 'refused'}`).join(', ');
        logger.warn('Order system event not delivered; will retry', { ...facts, refused: why });
        throw ApplicationFailure.retryable(`not delivered to ${why}`, ORDER_WEBHOOK_UNDELIVERED, {
          attempt,
          refused: why,
        });
      }
      logger.info('Order system event delivered', facts);
      return { configured: true, attempts: attempt, receivers: results };
    },
  };
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
