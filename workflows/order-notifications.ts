/**
 * Outcome events to the order system (NOTIFY_ORDER_SYSTEM_PATCH): each recorded once in the view with what
 * the payout says at that moment, and delivered one after the other in the background, so the final event
 * starts only once `payout.created` was delivered or given up, and the payout never waits for them.
 */
import { log, metricMeter } from '@temporalio/workflow';
import { webhookIdOf, type OrderEventType, type OrderNotification } from '../domain/order-events';
import type { PayoutRequest } from '../domain/payout-request';
import type { PayoutSettings } from '../domain/payout-settings';
import { orderSystemNotifier } from './activity-stubs';
import { failureType, refusalOf } from './activity-failures';
import type { PayoutStatusView } from './messages';

export class OrderNotifications {
  private deliveries: Promise<void> = Promise.resolve();
  private readonly notifyOrderSystem: ReturnType<typeof orderSystemNotifier>;

  constructor(
    private readonly view: PayoutStatusView,
    private readonly order: PayoutRequest,
    settings: PayoutSettings,
  ) {
    this.notifyOrderSystem = orderSystemNotifier(settings);
  }

  /** A continue-as-new run picks up the deliveries the previous run left pending (at least once). */
  resumePending(): void {
    for (const entry of this.view.notifications ?? []) if (entry.status === 'pending') this.deliver(entry);
  }

  /** Records the event (once per type) with what the payout says now, and queues its delivery. */
  send(type: OrderEventType): void {
    const view = this.view;
    const notifications = (view.notifications ??= []);
    if (notifications.some((entry) => entry.type === type)) return;
    const final = type !== 'payout.created';
    const entry: OrderNotification = {
      id: webhookIdOf(view.workflowId, type),
      type,
      status: 'pending',
      event: {
        type,
        timestamp: new Date(Date.now()).toISOString(),
        data: {
          orderId: view.orderId,
          workflowId: view.workflowId,
          sessionId: view.sessionId,
          scenario: view.scenario,
          outcome: final ? view.outcome : null,
          outcomeReason: final ? view.outcomeReason : null,
          transferState: view.transferState,
          amount: this.order.amount,
          currency: this.order.currency,
          connectUrl: view.connectUrl,
        },
      },
    };
    notifications.push(entry);
    this.deliver(entry);
  }

  /** Resolves once every queued event was delivered or given up. */
  settled(): Promise<void> {
    return this.deliveries;
  }

  private deliver(entry: OrderNotification): void {
    this.deliveries = this.deliveries.then(async () => {
      try {
        const result = await this.notifyOrderSystem({ id: entry.id, event: entry.event });
        if (result.configured) {
          entry.status = 'delivered';
          entry.attempts = result.attempts;
        } else entry.status = 'not_configured';
      } catch (error) {
        entry.status = 'failed';
        const refusal = refusalOf(error);
        if (refusal.attempt !== undefined) entry.attempts = refusal.attempt;
        entry.lastError = refusal.refused ?? failureType(error);
        log.warn('order system event not delivered: re-send it with `payouts notify`', {
          orderId: this.view.orderId,
          webhookId: entry.id,
          failure: failureType(error),
        });
      }
      // A sink call, skipped on replay (see PayoutState.countFinished).
      metricMeter
        .createCounter('payout_notifications', '1', 'Outcome events to the order system, by delivery status')
        .add(1, { type: entry.type, status: entry.status });
    });
  }
}
