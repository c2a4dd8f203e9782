import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { runCli } from '../../client/cli/commands';
import { type PayoutService } from '../../client/payouts/payout-service';
import { orderWebhookConfigFrom } from '../../common/order-webhooks';
import { Secret } from '../../common/secret';
import { type OrderEvent } from '../../domain/order-events';
import { payoutWorkflowId, type PayoutResult } from '../../workflows/messages';
import { TEST_CODEC_KEYS_FILE } from '../support/codec';
import { eventually } from '../support/wait';
import { startOrderReceiver, type OrderReceiver, type ReceivedEvent } from '../support/order-receiver';
import { FAST_SETTINGS, startPayoutStack, testOrder, type PayoutStack } from '../support/payout-stack';

/**
 * Outcome events end to end: a real worker (real activities) against the sandbox, delivering to two real
 * receiver processes — one refuses the first two deliveries (503), the other accepts everything. The
 * standardwebhooks package's `Webhook.verify` is the oracle for every signature.
 */

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
let stack: PayoutStack;
let refusing: OrderReceiver;
let accepting: OrderReceiver;

beforeAll(async () => {
  [refusing, accepting] = await Promise.all([
    startOrderReceiver({ RECEIVER_REFUSE_FIRST: '2' }),
    startOrderReceiver(),
  ]);
  const notify = orderWebhookConfigFrom({
    NOTIFY_WEBHOOK_URL: [refusing.url, accepting.url],
    NOTIFY_WEBHOOK_SECRET: new Secret(SECRET),
  })!;
  stack = await startPayoutStack({ notify });
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([refusing?.stop(), accepting?.stop()]);
});

/** Verifies like a receiver would; throws on a bad signature. */
function verified(event: ReceivedEvent): OrderEvent {
  return new Webhook(SECRET).verify(event.body, event.headers) as OrderEvent;
}

const typesOf = (events: ReceivedEvent[]) =>
  events.map((event) => (JSON.parse(event.body) as OrderEvent).type);

describe('outcome events to the order system, Standard Webhooks', () => {
  let order: ReturnType<typeof testOrder>;
  let result: PayoutResult;

  beforeAll(async () => {
    order = testOrder();
    await stack.startPayout(order, {
      ...FAST_SETTINGS,
      notifyRetry: { initialIntervalSeconds: 0.2, maximumIntervalSeconds: 0.5, giveUpAfterSeconds: 60 },
    });
    result = await stack.result(order.orderId);
    // Each receiver logs a request before answering it, but its log line may reach us after the answer.
    const settledIn = (receiver: OrderReceiver) => typesOf(receiver.received).includes('payout.settled');
    await eventually(
      () => settledIn(refusing) && settledIn(accepting),
      (done) => done,
      { what: 'both receivers logging payout.settled' },
    );
  }, 90_000);

  it('the payout settles; both events are recorded delivered in its view', () => {
    expect(result.outcome).toBe('SETTLED');
    expect(result.notifications?.map((entry) => [entry.type, entry.status])).toEqual([
      ['payout.created', 'delivered'],
      ['payout.settled', 'delivered'],
    ]);
    // Refused twice by the first receiver: delivered on the third attempt.
    expect(result.notifications?.[0]?.attempts).toBe(3);
  });

  it('retries a refused event under the same webhook-id, then delivers created before settled', () => {
    const workflowId = payoutWorkflowId(order.orderId);
    expect(refusing.received.map((event) => [event.headers['webhook-id'], event.answeredWith])).toEqual([
      [`${workflowId}:payout.created`, 503],
      [`${workflowId}:payout.created`, 503],
      [`${workflowId}:payout.created`, 204],
      [`${workflowId}:payout.settled`, 204],
    ]);
    // The other receiver is served on its own: created (at least once), then settled.
    const other = accepting.received.filter((event) => event.headers['webhook-id']?.startsWith(workflowId));
    expect(new Set(typesOf(other).slice(0, -1))).toEqual(new Set(['payout.created']));
    expect(typesOf(other).at(-1)).toBe('payout.settled');
    // Settled reached nobody before created was accepted everywhere.
    const createdAccepted = Math.max(
      ...[...refusing.accepted(), ...other]
        .filter((event) => event.headers['webhook-id'].endsWith(':payout.created'))
        .map((event) => event.at),
    );
    for (const event of [...refusing.received, ...other].filter((e) =>
      e.headers['webhook-id'].endsWith('settled'),
    ))
      expect(event.at).toBeGreaterThanOrEqual(createdAccepted);
  });

  it('signs every request as Standard Webhooks (verified with the standardwebhooks package)', () => {
    const all = [...refusing.received, ...accepting.received];
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const event of all) {
      expect(event.method).toBe('POST');
      expect(event.headers['content-type']).toBe('application/json');
      expect(event.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(verified(event)).toEqual(JSON.parse(event.body));
    }
    // A tampered body or another secret fails verification: the oracle is not vacuous.
    const [first] = all;
    expect(() => new Webhook(SECRET).verify(`${first!.body} `, first!.headers)).toThrow();
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => new Webhook(other).verify(first!.body, first!.headers)).toThrow();
  });

  it('sends the documented body, with no personal data', () => {
    const [created, settled] = refusing.accepted().map(verified);
    expect(created).toEqual({
      type: 'payout.created',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: {
        orderId: order.orderId,
        workflowId: payoutWorkflowId(order.orderId),
        sessionId: result.sessionId,
        scenario: 2,
        outcome: null,
        outcomeReason: null,
        transferState: 'initiated',
        amount: '26.99',
        currency: 'EUR',
        connectUrl: null,
      },
    });
    expect(settled).toMatchObject({
      type: 'payout.settled',
      data: { outcome: 'SETTLED', outcomeReason: 'completed', transferState: 'completed' },
    });
    for (const event of [...refusing.received, ...accepting.received]) {
      for (const personal of [
        order.payee.name,
        order.payee.email!,
        order.beneficiary!.iban,
        order.beneficiary!.name,
        order.communication,
      ])
        expect(event.body).not.toContain(personal);
    }
  });

  it('`payouts notify ORDER_ID --all` re-sends the events with the same webhook-ids', async () => {
    const before = accepting.received.length;
    const out: string[] = [];
    const getPayout = async () =>
      (await stack.client.workflow.getHandle(payoutWorkflowId(order.orderId)).result()) as PayoutResult;
    const code = await runCli(['notify', order.orderId, '--all'], {
      stdout: (text) => void out.push(text),
      stderr: (text) => void out.push(text),
      env: {
        NOTIFY_WEBHOOK_URL: accepting.url,
        NOTIFY_WEBHOOK_SECRET: SECRET,
        PAYLOAD_CODEC_KEYS_FILE: TEST_CODEC_KEYS_FILE,
      },
      openService: async () => ({
        payouts: { getPayout } as unknown as PayoutService,
        close: async () => {},
      }),
    });
    expect([code, out.join('')]).toEqual([0, expect.stringContaining('delivered (204)')]);
    // The receiver's log line may reach us just after its answer did.
    const resent = await eventually(
      () => accepting.received.slice(before),
      (events) => events.length >= 2,
      { what: 'the re-sent events' },
    );
    expect(resent.map((event) => event.headers['webhook-id'])).toEqual(
      result.notifications!.map((entry) => entry.id),
    );
    expect(resent.map(verified)).toEqual(result.notifications!.map((entry) => entry.event));
  });
});
