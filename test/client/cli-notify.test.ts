import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { runCli } from '../../client/cli/commands';
import { formatPayout } from '../../client/cli/format';
import { statusAnswer } from '../../client/payouts/payout-answers';
import { type PayoutService } from '../../client/payouts/payout-service';
import { webhookIdOf, type OrderEventType, type OrderNotification } from '../../domain/order-events';
import { initialPayoutView, type PayoutStatusView } from '../../workflows/messages';
import { TEST_CODEC_KEYS_FILE } from '../support/codec';
import { startOrderReceiver, type OrderReceiver } from '../support/order-receiver';
import { eventually } from '../support/wait';

/**
 * `payouts notify ORDER_ID`: re-sends a payout's outcome events from its status view, with the webhook-ids
 * the worker used, to a receiver process; exit 0 only when every event reached every receiver.
 */

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
let accepting: OrderReceiver;
let refusing: OrderReceiver;
beforeAll(async () => {
  [accepting, refusing] = await Promise.all([
    startOrderReceiver(),
    startOrderReceiver({ RECEIVER_REFUSE_ALL: '1' }),
  ]);
});
afterAll(() => Promise.all([accepting?.stop(), refusing?.stop()]));

function notification(view: PayoutStatusView, type: OrderEventType, status: OrderNotification['status']) {
  return {
    id: webhookIdOf(view.workflowId, type),
    type,
    status,
    ...(status === 'failed' ? { attempts: 79, lastError: '#1 orders.example: http_503' } : {}),
    event: {
      type,
      timestamp: '2026-11-30T10:00:00.000Z',
      data: {
        orderId: view.orderId,
        workflowId: view.workflowId,
        sessionId: 'a'.repeat(32),
        scenario: view.scenario,
        outcome: type === 'payout.created' ? null : ('SETTLED' as const),
        outcomeReason: type === 'payout.created' ? null : 'completed',
        transferState: 'completed' as const,
        amount: '26.99',
        currency: 'EUR',
        connectUrl: null,
      },
    },
  };
}

function settledView(orderId: string): PayoutStatusView {
  const view = initialPayoutView(orderId, `payout-${orderId}`, 2);
  return {
    ...view,
    phase: 'finished',
    outcome: 'SETTLED',
    notifications: [
      notification(view, 'payout.created', 'delivered'),
      notification(view, 'payout.settled', 'failed'),
    ],
  };
}

async function notify(args: string[], url: string | undefined, view: PayoutStatusView | null) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['notify', ...args], {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    env: {
      PAYLOAD_CODEC_KEYS_FILE: TEST_CODEC_KEYS_FILE,
      ...(url ? { NOTIFY_WEBHOOK_URL: url, NOTIFY_WEBHOOK_SECRET: SECRET } : {}),
    },
    openService: async () => ({
      payouts: { getPayout: async () => view } as unknown as PayoutService,
      close: async () => {},
    }),
  });
  return { code, out: out.join(''), err: err.join('') };
}

describe('payouts notify', () => {
  it('re-sends the undelivered event with its webhook-id, signed; exit 0 once delivered', async () => {
    const view = settledView('cli-1');
    const before = accepting.received.length;
    const answer = await notify(['cli-1'], accepting.url, view);
    expect(answer).toMatchObject({
      code: 0,
      out: expect.stringContaining('payout.settled (webhook-id payout-cli-1:payout.settled)'),
    });
    const [sent, ...more] = await eventually(
      () => accepting.received.slice(before),
      (events) => events.length >= 1,
    );
    expect(more).toEqual([]);
    expect(sent!.headers['webhook-id']).toBe('payout-cli-1:payout.settled');
    expect(new Webhook(SECRET).verify(sent!.body, sent!.headers)).toEqual(view.notifications![1]!.event);
  });

  it('--all re-sends every event, created first', async () => {
    const before = accepting.received.length;
    expect((await notify(['cli-2', '--all'], accepting.url, settledView('cli-2'))).code).toBe(0);
    const sent = await eventually(
      () => accepting.received.slice(before),
      (events) => events.length >= 2,
    );
    expect(sent.map((event) => event.headers['webhook-id'])).toEqual([
      'payout-cli-2:payout.created',
      'payout-cli-2:payout.settled',
    ]);
  });

  it('exit 1 when a receiver still refuses, naming it and the status', async () => {
    const answer = await notify(['cli-3'], refusing.url, settledView('cli-3'));
    expect(answer.code).toBe(1);
    expect(answer.out).toMatch(/payout\.settled .* not delivered \(http_503\)/);
  });

  it('exit 2 without NOTIFY_WEBHOOK_URL; exit 1 for an unknown order or a payout without events', async () => {
    expect(await notify(['cli-4'], undefined, settledView('cli-4'))).toMatchObject({
      code: 2,
      err: expect.stringContaining('NOTIFY_WEBHOOK_URL'),
    });
    expect((await notify(['cli-5'], accepting.url, null)).code).toBe(1);
    const old = initialPayoutView('cli-6', 'payout-cli-6', 2);
    expect((await notify(['cli-6'], accepting.url, old)).code).toBe(1);
    expect((await notify([], accepting.url, old)).code).toBe(2);
  });

  it('`payouts show` lists the events with their delivery status', () => {
    const text = formatPayout(settledView('cli-8'));
    expect(text).toContain('  events to the order system\n');
    expect(text).toMatch(/payout\.settled +failed, 79 attempt\(s\) \(#1 orders\.example: http_503\)/);
  });

  it('GET /payouts/:id shows each event with its delivery status, never the body', () => {
    const answer = statusAnswer(settledView('cli-7'));
    expect(answer.notifications).toEqual([
      { id: 'payout-cli-7:payout.created', type: 'payout.created', status: 'delivered' },
      {
        id: 'payout-cli-7:payout.settled',
        type: 'payout.settled',
        status: 'failed',
        attempts: 79,
        lastError: '#1 orders.example: http_503',
      },
    ]);
  });
});
