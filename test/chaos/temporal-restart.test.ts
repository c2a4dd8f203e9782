/**
 * G1/G2/G3 across a Temporal outage: the dev server is `kill -9`ed mid-flight — some payouts waiting,
 * some with their create request in flight at the sandbox — and restarted on the same SQLite file. The
 * worker and the ingress are not restarted: they must reconnect by themselves, and every payout resume.
 */
import { startProcessStack, stackOrder, type ProcessStack } from '../support/process-stack';
import { eventually } from '../support/wait';
import { checkAcknowledgedWebhooks, expectExactlyOnePayoutEach, settle } from './checks';
import { writeFigures } from './figures';

let stack: ProcessStack;

beforeAll(async () => {
  stack = await startProcessStack({
    name: 'temporal-restart',
    ownTemporal: true,
    // Slow enough that the sandbox moves (and sends webhooks) while Temporal is down.
    sandboxEnv: { SANDBOX_STEP_DELAY_MS: '1500' },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

it('Temporal killed and restarted on the same database: every payout resumes and completes once', async () => {
  const started = Date.now();
  const waitingOrders = Array.from({ length: 10 }, () => stackOrder());
  const creatingOrders = Array.from({ length: 3 }, () => stackOrder());
  const ids = [...waitingOrders, ...creatingOrders].map((order) => order.orderId);

  const waitingAnswers = await stack.startPayouts(waitingOrders);
  // The next creates are held 4 s at the sandbox: Temporal dies while they are in flight.
  const fault = await stack.addFault({
    route: 'create',
    mode: 'delay',
    delayMs: 4_000,
    times: creatingOrders.length,
  });
  const creating = stack.startPayouts(creatingOrders);
  await eventually(
    () => stack.pendingFaults(),
    (faults) => !faults.some((pending) => pending.id === fault.id),
    { timeoutMs: 30_000, intervalMs: 100, what: 'the held creates to reach the sandbox' },
  );

  await stack.temporal.stop('SIGKILL');
  const killedAt = Date.now();
  // While Temporal is down: the held creates commit, and the ingress refuses webhooks (503, not acknowledged).
  await eventually(
    () => stack.countPayouts(creatingOrders.map((order) => order.orderId)),
    (count) => count.missingOrders.length === 0,
    { timeoutMs: 30_000, intervalMs: 200, what: 'the held creates to commit at the sandbox' },
  );
  const refused = await eventually(
    async () =>
      (await stack.deliveries()).filter(
        (d) => d.outcome === 'failed' && d.status === 503 && Date.parse(d.at) > killedAt,
      ),
    (failed) => failed.length >= creatingOrders.length,
    { timeoutMs: 30_000, intervalMs: 200, what: 'webhooks refused with 503 while Temporal is down' },
  );
  const acknowledgedWhileDown = (await stack.deliveries()).filter(
    (d) => d.outcome === 'delivered' && Date.parse(d.at) > killedAt,
  ).length;

  await stack.temporal.start();
  const restartedAt = Date.now();
  const creatingAnswers = await creating;
  const settled = await settle(stack, ids, 180_000);
  const acks = await checkAcknowledgedWebhooks(stack, ids);
  writeFigures({
    test: 'temporal-restart',
    injected:
      'Temporal dev server kill -9 with 10 payouts waiting and 3 creates in flight (held 4 s by the sandbox); restarted on the same SQLite file; worker and ingress left running',
    payouts: ids.length,
    faults: { temporalKills: 1, sandboxDelayFaults: creatingOrders.length },
    duplicates: settled.count.duplicates,
    lost: settled.lost + acks.lost.length,
    timeToRecoverMs: settled.wait.doneAt - restartedAt,
    wallMs: Date.now() - started,
    outcomes: settled.outcomes,
    temporalDownMs: restartedAt - killedAt,
    webhooksRefusedWhileDown: refused.length,
    webhooksAcknowledgedWhileDown: acknowledgedWhileDown,
    webhooks: acks,
    startAnswers: [...waitingAnswers, ...creatingAnswers].map((answer) => answer.status),
    startRetries: creatingAnswers.reduce((sum, answer) => sum + answer.retries, 0),
  });

  expect(waitingAnswers.map((answer) => answer.status)).toEqual(waitingOrders.map(() => 201));
  // An order system retries on 503 and ends with the payout's answer (created, existing or pending).
  for (const answer of creatingAnswers) expect([200, 201, 202]).toContain(answer.status);
  // G3: nothing was acknowledged while Temporal could not hold it.
  expect(acknowledgedWhileDown).toBe(0);
  expect(acks.lost).toEqual([]);
  expect(acks.gaveUp).toBe(0);
  expectExactlyOnePayoutEach(stack, ids, settled);
}, 300_000);
