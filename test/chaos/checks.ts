import { type PayoutCount, type ProcessStack, type WaitResult } from '../support/process-stack';
import { eventually } from '../support/wait';
import { tally } from './figures';

export interface Settled {
  wait: WaitResult;
  count: PayoutCount;
  /** Payouts without an outcome plus orders without a payout at the sandbox. */
  lost: number;
  outcomes: Record<string, number>;
}

/** Waits for every order's outcome, then counts the sandbox's payouts per order (G1, G2). */
export async function settle(stack: ProcessStack, orderIds: string[], timeoutMs = 120_000): Promise<Settled> {
  const wait = await stack.waitForOutcomes(orderIds, { timeoutMs });
  const count = await stack.countPayouts(orderIds);
  return {
    wait,
    count,
    lost: wait.pending.length + count.missingOrders.length,
    outcomes: tally(orderIds.map((id) => wait.outcomes.get(id)?.outcome ?? 'none')),
  };
}

/**
 * G1 and G2 for a batch: every payout reached an outcome (`expected`), the sandbox holds exactly one payout
 * per order and nothing else, and each workflow follows the very payout the sandbox holds for its order.
 */
export function expectExactlyOnePayoutEach(
  stack: ProcessStack,
  orderIds: string[],
  settled: Settled,
  expected = 'SETTLED',
): void {
  expect(settled.wait.pending).toEqual([]);
  expect(settled.count.duplicateOrders).toEqual([]);
  expect(settled.count.missingOrders).toEqual([]);
  expect(settled.count.strays).toBe(0);
  expect(settled.outcomes).toEqual({ [expected]: orderIds.length });
  for (const orderId of orderIds) {
    const [payout] = settled.count.perOrder.get(orderId) ?? [];
    const status = settled.wait.outcomes.get(orderId);
    expect({ orderId, sessionId: status?.sessionId }).toEqual({ orderId, sessionId: payout?.sessionId });
  }
  expect(stack.crashes()).toEqual([]);
}

export interface AckCheck {
  /** Delivery attempts the sandbox recorded, by outcome. */
  delivered: number;
  failed: number;
  gaveUp: number;
  /** Acknowledged deliveries whose event the workflow history holds as a `payoutEvent` signal. */
  signalled: number;
  /** Acknowledged after the workflow had closed (the ingress answers 200 "finished": nothing to signal). */
  afterClose: number;
  /** Acknowledged, yet neither in the history nor after the close: a lost webhook (G3). */
  lost: { orderId: string; requestId: string; at: string }[];
}

/**
 * G3: every delivery the sandbox recorded as `delivered` (2xx from the ingress) must be a signal that the
 * order's workflow received — unless the workflow had already closed when the ingress answered.
 */
export async function checkAcknowledgedWebhooks(stack: ProcessStack, orderIds: string[]): Promise<AckCheck> {
  const ours = new Set(orderIds.map((id) => `payout-${id}`));
  const deliveries = (await stack.deliveries()).filter((d) => ours.has(d.fields.state ?? ''));
  const check: AckCheck = {
    delivered: deliveries.filter((d) => d.outcome === 'delivered').length,
    failed: deliveries.filter((d) => d.outcome === 'failed').length,
    gaveUp: deliveries.filter((d) => d.outcome === 'gave_up').length,
    signalled: 0,
    afterClose: 0,
    lost: [],
  };
  const byOrder = new Map<string, typeof deliveries>();
  for (const delivery of deliveries) {
    if (delivery.outcome !== 'delivered') continue;
    const orderId = delivery.fields.state!.slice('payout-'.length);
    byOrder.set(orderId, [...(byOrder.get(orderId) ?? []), delivery]);
  }
  for (const [orderId, acknowledged] of byOrder) {
    const [signals, closedAt] = await Promise.all([stack.signalsReceived(orderId), stack.closedAt(orderId)]);
    const received = new Set(signals.map((signal) => signal.eventId));
    for (const delivery of acknowledged) {
      if (received.has(delivery.requestId)) check.signalled += 1;
      else if (closedAt !== null && closedAt <= Date.parse(delivery.at)) check.afterClose += 1;
      else check.lost.push({ orderId, requestId: delivery.requestId, at: delivery.at });
    }
  }
  return check;
}

/** Waits until each order's workflow runs activity `type` (a worker holds it: a kill now interrupts it). */
export async function activityRunning(
  stack: ProcessStack,
  orderIds: string[],
  type: string,
  timeoutMs = 30_000,
): Promise<void> {
  await eventually(
    async () =>
      Promise.all(
        orderIds.map(async (id) =>
          (await stack.pendingActivities(id).catch(() => [])).some(
            (activity) => activity.type === type && activity.state === 'STARTED',
          ),
        ),
      ),
    (running) => running.every(Boolean),
    { timeoutMs, intervalMs: 200, what: `${type} to run for every order` },
  );
}

/** The figures every crash test reports for a settled batch (`faultAt`: when the fault was injected). */
export function settledFigures(settled: Settled, orderIds: string[], faultAt: number, startedAt: number) {
  return {
    payouts: orderIds.length,
    duplicates: settled.count.duplicates,
    lost: settled.lost,
    timeToRecoverMs: settled.wait.doneAt - faultAt,
    wallMs: Date.now() - startedAt,
    outcomes: settled.outcomes,
  };
}
