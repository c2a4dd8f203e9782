/**
 * G2/G3 across an ingress outage: the ingress is `kill -9`ed while the sandbox is delivering webhooks, and
 * restarted once the transfers are complete. Polls are 10 minutes apart, so within the test only a
 * webhook retried by the sandbox can settle a payout; every acknowledged webhook must be a signal the
 * workflow received.
 */
import { startProcessStack, stackOrder, type ProcessStack } from '../support/process-stack';
import { eventually } from '../support/wait';
import { checkAcknowledgedWebhooks, expectExactlyOnePayoutEach, settle } from './checks';
import { writeFigures } from './figures';

let stack: ProcessStack;

beforeAll(async () => {
  stack = await startProcessStack({
    name: 'ingress-outage',
    sandboxEnv: { SANDBOX_STEP_DELAY_MS: '1000', SANDBOX_WEBHOOK_RETRY_BASE_MS: '250' },
    ingressEnv: { PAYOUT_POLL_DELAYS_SECONDS: '600', PAYOUT_MAX_WAIT_SECONDS: '600' },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

it('ingress down while webhooks are delivered: the sandbox retries, payouts settle, no ack is lost', async () => {
  const started = Date.now();
  const orders = Array.from({ length: 10 }, () => stackOrder());
  const ids = orders.map((order) => order.orderId);
  const answers = await stack.startPayouts(orders);
  expect(answers.map((answer) => answer.status)).toEqual(ids.map(() => 201));

  await stack.ingress.kill();
  const killedAt = Date.now();
  // The transfers complete at the sandbox while nobody receives its webhooks.
  const atSandbox = await eventually(
    () => stack.countPayouts(ids),
    (count) => ids.every((id) => count.perOrder.get(id)?.[0]?.transferState === 'completed'),
    { timeoutMs: 30_000, intervalMs: 250, what: 'the transfers to complete at the sandbox' },
  );
  const sessions = new Set(ids.map((id) => atSandbox.perOrder.get(id)![0]!.sessionId));
  const failedWhileDown = await eventually(
    async () =>
      (await stack.deliveries()).filter((d) => d.outcome === 'failed' && Date.parse(d.at) > killedAt),
    (failed) => [...sessions].every((session) => failed.some((d) => d.sessionId === session)),
    { timeoutMs: 30_000, intervalMs: 250, what: 'a failed delivery for every payout' },
  );

  await stack.ingress.start();
  const restartedAt = Date.now();
  const settled = await settle(stack, ids, 120_000);
  const acks = await checkAcknowledgedWebhooks(stack, ids);
  const deliveredAfterRestart = (await stack.deliveries()).filter(
    (d) => d.outcome === 'delivered' && sessions.has(d.sessionId) && Date.parse(d.at) >= restartedAt,
  );
  const finalSources = ids.map((id) => settled.wait.outcomes.get(id)?.timeline.at(-1)?.source ?? null);
  writeFigures({
    test: 'ingress-outage',
    injected:
      'ingress kill -9 right after 10 payouts were created (sandbox steps 1 s, webhook retries from 250 ms); restarted after every transfer completed; polls 600 s apart',
    payouts: ids.length,
    faults: { ingressKills: 1 },
    duplicates: settled.count.duplicates,
    lost: settled.lost + acks.lost.length,
    timeToRecoverMs: settled.wait.doneAt - restartedAt,
    wallMs: Date.now() - started,
    outcomes: settled.outcomes,
    ingressDownMs: restartedAt - killedAt,
    failedDeliveriesWhileDown: failedWhileDown.length,
    deliveredAfterRestart: deliveredAfterRestart.length,
    webhooks: acks,
    finalSources,
  });

  expectExactlyOnePayoutEach(stack, ids, settled);
  // Settled by webhooks that were retried after the restart (polls are 10 minutes apart).
  expect(finalSources).toEqual(ids.map(() => 'webhook'));
  expect(deliveredAfterRestart.length).toBeGreaterThanOrEqual(ids.length);
  // G3: every acknowledged delivery is a signal the workflow holds (or came after it closed).
  expect(acks.lost).toEqual([]);
  expect(acks.gaveUp).toBe(0);
  expect(acks.signalled).toBeGreaterThanOrEqual(ids.length);
}, 180_000);
