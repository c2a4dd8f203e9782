/**
 * G1/G2 under worker crashes: the worker process is `kill -9`ed at each step of a payout — before the
 * create, after Fintecture committed the create but before the worker recorded it, and during the wait —
 * then restarted. Every payout must complete, and the sandbox must hold exactly one payout per order.
 */
import { startProcessStack, stackOrder, type ProcessStack } from '../support/process-stack';
import { eventually } from '../support/wait';
import { activityRunning, checkAcknowledgedWebhooks, expectExactlyOnePayoutEach, settle } from './checks';
import { writeFigures } from './figures';

let stack: ProcessStack;

beforeAll(async () => {
  stack = await startProcessStack({ name: 'worker-crash' });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const workerLogMentions = (since: number, text: string, orderId: string) =>
  stack.workers[0]!.linesSince(since).filter((line) => line.includes(text) && line.includes(orderId)).length;

it('kill -9 before the create: the token request is held at the sandbox, nothing is created yet', async () => {
  const started = Date.now();
  // A fresh worker holds no token: every payout's first activity asks the sandbox for one.
  await stack.workers[0]!.restart();
  await stack.addFault({ route: 'token', mode: 'delay', delayMs: 20_000, times: 10 });
  const orders = [stackOrder(), stackOrder(), stackOrder()];
  const ids = orders.map((order) => order.orderId);
  const starting = stack.startPayouts(orders);

  await activityRunning(stack, ids, 'ensureAccessToken');
  await eventually(
    () => stack.requests(),
    (requests) => requests.some((request) => request.route === 'token' && request.fault === 'delay'),
    { what: 'a token request held by the delay fault' },
  );
  await stack.workers[0]!.kill();
  const killedAt = Date.now();
  await stack.sandbox.control('DELETE', '/faults');
  const createdBeforeRestart = await stack.countPayouts(ids);
  const createRequestsBeforeRestart = (await stack.requests()).filter((r) => r.route === 'create').length;

  const restartMark = stack.workers[0]!.mark();
  await stack.workers[0]!.start();
  const restartedAt = Date.now();
  const answers = await starting;
  const settled = await settle(stack, ids);
  writeFigures({
    test: 'worker-kill-before-create',
    injected:
      'token request held by a sandbox delay fault; worker kill -9 while ensureAccessToken ran; restart',
    payouts: ids.length,
    faults: { workerKills: 1, sandboxDelayFaults: 1 },
    duplicates: settled.count.duplicates,
    lost: settled.lost,
    timeToRecoverMs: settled.wait.doneAt - restartedAt,
    wallMs: Date.now() - started,
    outcomes: settled.outcomes,
    workerDownMs: restartedAt - killedAt,
    startAnswers: answers.map((answer) => answer.status),
  });

  // The kill really came before the create: the sandbox had nothing for these orders.
  expect(createdBeforeRestart.missingOrders).toEqual(ids);
  expect(createRequestsBeforeRestart).toBe(0);
  for (const answer of answers) expect([200, 201, 202]).toContain(answer.status);
  expectExactlyOnePayoutEach(stack, ids, settled);
  // Created by the restarted worker (none adopted: there was nothing to adopt).
  for (const id of ids) expect(workerLogMentions(restartMark, 'Fintecture payout created', id)).toBe(1);
}, 180_000);

it('kill -9 after the create was committed at the sandbox but before the worker recorded it', async () => {
  const started = Date.now();
  const orders = [stackOrder(), stackOrder(), stackOrder()];
  const ids = orders.map((order) => order.orderId);
  // The sandbox holds each create request for 4 s, then commits it and answers — a dead worker by then.
  const fault = await stack.addFault({ route: 'create', mode: 'delay', delayMs: 4_000, times: ids.length });
  const starting = stack.startPayouts(orders);

  await eventually(
    () => stack.pendingFaults(),
    (faults) => !faults.some((pending) => pending.id === fault.id),
    { timeoutMs: 30_000, intervalMs: 100, what: 'every create request to reach the sandbox' },
  );
  await stack.workers[0]!.kill();
  const killedAt = Date.now();

  // The sandbox commits the creates after the worker died: their answers go nowhere.
  const committed = await eventually(
    () => stack.countPayouts(ids),
    (count) => count.missingOrders.length === 0,
    { timeoutMs: 30_000, intervalMs: 200, what: 'the held creates to be committed' },
  );
  const createdAfterKill = ids.every((id) =>
    (committed.perOrder.get(id) ?? []).every((payout) => Date.parse(payout.createdAt) >= killedAt),
  );
  // Temporal never got the result: the create activity is still the one running.
  const stillCreating = await Promise.all(
    ids.map(async (id) => (await stack.pendingActivities(id)).some((a) => a.type === 'createPayoutSession')),
  );

  const restartMark = stack.workers[0]!.mark();
  await stack.workers[0]!.start();
  const restartedAt = Date.now();
  const answers = await starting;
  const settled = await settle(stack, ids);
  // Found again either by the retry's search or, sooner, through the webhook the commit sent.
  const adopted = ids.filter(
    (id) =>
      workerLogMentions(restartMark, 'Fintecture payout adopted', id) +
        workerLogMentions(restartMark, 'Fintecture payout identified from an event', id) >
      0,
  );
  const createRequests = (await stack.requests()).filter(
    (request) => request.route === 'create' && Date.parse(request.at) >= started,
  ).length;
  writeFigures({
    test: 'worker-kill-after-create-committed',
    injected:
      'create request held 4 s by a sandbox delay fault; worker kill -9 meanwhile; the sandbox commits after the kill; restart',
    payouts: ids.length,
    faults: { workerKills: 1, sandboxDelayFaults: ids.length },
    duplicates: settled.count.duplicates,
    lost: settled.lost,
    timeToRecoverMs: settled.wait.doneAt - restartedAt,
    wallMs: Date.now() - started,
    outcomes: settled.outcomes,
    adoptedByRetry: adopted.length,
    createRequests,
    startAnswers: answers.map((answer) => answer.status),
  });

  expect(createdAfterKill).toBe(true);
  expect(stillCreating).toEqual(ids.map(() => true));
  expectExactlyOnePayoutEach(stack, ids, settled);
  // The committed payout was adopted instead of sending a second create.
  expect(adopted).toEqual(ids);
  expect(createRequests).toBe(ids.length);
}, 180_000);

it('kill -9 during the wait: the sandbox settles and webhooks arrive while no worker runs', async () => {
  const started = Date.now();
  await stack.sandbox.control('PATCH', '/config', { stepDelayMs: 4_000 });
  try {
    const orders = [stackOrder(), stackOrder(), stackOrder()];
    const ids = orders.map((order) => order.orderId);
    const answers = await stack.startPayouts(orders);
    expect(answers.map((answer) => answer.status)).toEqual(ids.map(() => 201));
    const waiting = await Promise.all(ids.map((id) => stack.payoutStatus(id)));
    expect(waiting.map((status) => status?.phase)).toEqual(ids.map(() => 'waiting'));

    await stack.workers[0]!.kill();
    const killedAt = Date.now();
    const atKill = await stack.countPayouts(ids);
    const settledAtKill = ids.filter((id) =>
      (atKill.perOrder.get(id) ?? []).some((payout) => payout.transferState === 'completed'),
    );
    // While the worker is down the sandbox completes the transfers and the ingress signals the webhooks.
    await eventually(
      async () =>
        (await stack.deliveries()).filter((d) => d.outcome === 'delivered' && Date.parse(d.at) > killedAt),
      (delivered) =>
        ids.every((id) => {
          const sessionId = atKill.perOrder.get(id)?.[0]?.sessionId;
          return delivered.some((d) => d.sessionId === sessionId && d.fields.transfer_state === 'completed');
        }),
      { timeoutMs: 60_000, intervalMs: 250, what: 'the completed webhooks to be acknowledged' },
    );

    await stack.workers[0]!.start();
    const restartedAt = Date.now();
    const settled = await settle(stack, ids);
    const acks = await checkAcknowledgedWebhooks(stack, ids);
    writeFigures({
      test: 'worker-kill-during-wait',
      injected:
        'worker kill -9 while payouts waited (sandbox steps 4 s); the transfers complete and webhooks are acknowledged while no worker runs; restart',
      payouts: ids.length,
      faults: { workerKills: 1 },
      duplicates: settled.count.duplicates,
      lost: settled.lost + acks.lost.length,
      timeToRecoverMs: settled.wait.doneAt - restartedAt,
      wallMs: Date.now() - started,
      outcomes: settled.outcomes,
      workerDownMs: restartedAt - killedAt,
      webhooks: acks,
      finalSources: ids.map((id) => settled.wait.outcomes.get(id)?.timeline.at(-1)?.source ?? null),
    });

    expect(settledAtKill).toEqual([]);
    expectExactlyOnePayoutEach(stack, ids, settled);
    // Webhooks acknowledged while no worker ran were held by Temporal, not dropped.
    expect(acks.lost).toEqual([]);
  } finally {
    await stack.sandbox.control('PATCH', '/config', { stepDelayMs: 200 });
  }
}, 180_000);
