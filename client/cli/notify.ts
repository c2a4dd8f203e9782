import { parseArgs } from 'node:util';
import { loadOrderWebhookConfig, postOrderEvent } from '../../common/order-webhooks';
import type { PayoutStatusView } from '../../workflows/messages';

/**
 * `payouts notify ORDER_ID [--all]`: re-sends a payout's outcome events to the order system, as the worker
 * sent them: the same body and the same `webhook-id` (receivers dedupe on it), freshly signed with the
 * NOTIFY_WEBHOOK_* settings of the CLI's environment. By default only the events not yet delivered;
 * `--all` every one. Exit 0 when every event reached every receiver, 1 otherwise, 2 on a usage or
 * configuration error. The payout's status view keeps what the worker saw; this command's output is the
 * record of the re-send.
 */
export async function notifyCommand(
  args: string[],
  io: {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    env: Record<string, string | undefined>;
  },
  getPayout: (orderId: string) => Promise<PayoutStatusView | null>,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { all: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new NotifyUsageError('expected exactly one ORDER_ID');
  const orderId = positionals[0]!;
  // Parsed first: a missing or bad setting fails before Temporal is asked anything (ConfigError: exit 2).
  const config = loadOrderWebhookConfig(io.env);
  if (!config) {
    io.stderr('NOTIFY_WEBHOOK_URL is not set: there is no order system to send events to.\n');
    return 2;
  }
  const view = await getPayout(orderId);
  if (!view) {
    io.stderr(`No payout for order ${orderId}.\n`);
    return 1;
  }
  const notifications = view.notifications ?? [];
  if (notifications.length === 0) {
    io.stderr(
      `Payout for order ${orderId} has no outcome events (it started before they existed, or none is due yet).\n`,
    );
    return 1;
  }
  const chosen = values.all ? notifications : notifications.filter((entry) => entry.status !== 'delivered');
  if (chosen.length === 0) {
    io.stdout(`Every event of order ${orderId} was delivered already (use --all to send them again).\n`);
    return 0;
  }
  let allDelivered = true;
  // In the order the workflow sent them: payout.created before the final event.
  for (const entry of chosen) {
    const results = await postOrderEvent(config, entry.id, entry.event);
    for (const result of results) {
      allDelivered &&= result.delivered;
      io.stdout(
        `${entry.type} (webhook-id ${entry.id}) → ${result.receiver}: ` +
          `${result.delivered ? `delivered (${result.status})` : `not delivered (${result.error})`}\n`,
      );
    }
  }
  return allDelivered ? 0 : 1;
}

/** A usage mistake (exit 2 with the usage text). */
export class NotifyUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
