/**
 * The payout service on the production topology (issue 14): Temporal on PostgreSQL with 4 history shards and
 * its four services as separate processes, two workers and two ingresses (one API key), the sandbox in its
 * documented profile. Each test injects what production sees — a worker or the history service killed, the
 * database restarted — and checks G1/G2: every payout final (or NEEDS_REVIEW), exactly one payout per order at
 * the sandbox, nothing lost. Figures go to .data/chaos/cluster-*.json (summarised in docs/cluster-results.md).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { temporalBinary } from '../../scripts/temporal-dev-server';
import { activityRunning, expectExactlyOnePayoutEach, settle, settledFigures } from '../chaos/checks';
import { writeFigures } from '../chaos/figures';
import { CREATE_FAULT_KINDS, runFaultStorm, STORM_SANDBOX_ENV, STORM_WORKER_ENV } from '../chaos/storm';
import { payeeFillsTheLink } from '../support/payee';
import { TEST_BIC, TEST_IBAN } from '../support/payout-bodies';
import { startProcessStack, stackOrder, type ProcessStack } from '../support/process-stack';
import { eventually } from '../support/wait';
import { type TemporalCluster } from '../../scripts/cluster/temporal-cluster';
import { startTestCluster } from './cluster-temporal';
import { fintectureReadsQueue, fintectureWritesQueue } from '../../domain/identifiers';
import { uniqueId } from '../support/temporal';
import {
  activityQueuePartitions,
  type ReadDispatch,
  serverReadRate,
  TEMPORAL_DEFAULT_PARTITIONS,
} from '../../workers/read-budget';

const execFileAsync = promisify(execFile);
const STORM_PAYOUTS = Number(process.env.CLUSTER_STORM_PAYOUTS ?? 200);
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);

let cluster: TemporalCluster;
let stack: ProcessStack;

// Known before the cluster starts: its dynamic config gives this queue's read queue one partition.
const taskQueue = uniqueId('cluster');

beforeAll(async () => {
  const started = await startTestCluster('payouts', { payoutTaskQueues: [taskQueue] });
  cluster = started.cluster;
  stack = await startProcessStack({
    name: 'cluster',
    temporal: started.temporal,
    taskQueue,
    workers: 2,
    ingresses: 2,
    sandboxEnv: STORM_SANDBOX_ENV,
    workerEnv: STORM_WORKER_ENV,
  });
}, 240_000);
afterAll(async () => {
  await stack?.stop();
  await stack?.temporal.close();
}, 120_000);

it('runs on PostgreSQL with 4 history shards, the services as separate processes, the payout search attributes', async () => {
  // What the running server says of itself, not what we asked for.
  const info = await stack.client.connection.workflowService.getClusterInfo({});
  expect(info.historyShardCount).toBe(4);
  expect(info.persistenceStore).toBe('postgres12');
  expect(info.visibilityStore).toContain('postgres12');
  const pids = (['frontend', 'history', 'matching', 'worker'] as const).map(
    (name) => cluster.service(name)?.pid,
  );
  expect(pids.every((pid) => typeof pid === 'number')).toBe(true);
  expect(new Set(pids).size).toBe(4);
  const { stdout } = await execFileAsync(temporalBinary('temporal'), [
    'operator',
    'search-attribute',
    'list',
    '--address',
    stack.temporal.address,
    '--namespace',
    stack.temporal.namespace,
    '--output',
    'json',
  ]);
  for (const name of [
    'PayoutOrderId',
    'PayoutSessionId',
    'PayoutStatus',
    'PayoutTransferState',
    'PayoutScenario',
  ]) {
    expect(stdout).toContain(name);
  }
});

it('gives the read queue one partition, and the workers ask for the read rate of one partition', async () => {
  const partitions = (queue: string) =>
    activityQueuePartitions(stack.client.connection, cluster.namespace, queue);
  expect(await partitions(fintectureReadsQueue(taskQueue))).toBe(1);
  // Only the read queue: the writes queue keeps Temporal's default.
  expect(await partitions(fintectureWritesQueue(taskQueue))).toBe(TEMPORAL_DEFAULT_PARTITIONS);
  for (const worker of stack.workers) {
    const started = worker.lines().find((line) => line.includes('"fintectureReads"'));
    expect(started).toBeDefined();
    const reads = (JSON.parse(started!) as { fintectureReads: ReadDispatch }).fintectureReads;
    expect(reads).toMatchObject({ partitions: 1, partitionsFrom: 'server' });
    expect(reads.serverRatePerSecond).toBe(serverReadRate(reads.budgetPerSecond, 1));
  }
});

it('both scenarios through both ingresses: settled, one payout each, found by search attribute', async () => {
  const verified = [stackOrder(), stackOrder()];
  const links = [stackOrder({ beneficiary: undefined }), stackOrder({ beneficiary: undefined })];
  const orders = [...verified, ...links];
  const answers = await Promise.all(orders.map((order, index) => stack.startPayout(order, { via: index })));
  // 202: created, its session not confirmed within the ingress's wait; the link then comes from GET.
  for (const answer of answers) expect([201, 202]).toContain(answer.status);
  for (const [index, order] of links.entries()) {
    const started = answers[verified.length + index]!.body as { connectUrl?: string | null };
    const connectUrl =
      started.connectUrl ??
      (
        (await eventually(
          () => stack.payoutStatus(order.orderId),
          (status) => Boolean((status as { connectUrl?: string | null } | null)?.connectUrl),
          { timeoutMs: 60_000, intervalMs: 200, what: `the connect URL of ${order.orderId}` },
        )) as unknown as { connectUrl: string }
      ).connectUrl;
    const { returnPage, returnUrl } = await payeeFillsTheLink(connectUrl, {
      name: 'John Doe',
      iban: TEST_IBAN,
      bic: TEST_BIC,
    });
    // The payee comes back to the public base URL (the workers' PUBLIC_BASE_URL: ingress 1 here, a load
    // balancer in production), whichever ingress started the payout: every ingress reads the same cluster.
    expect(returnUrl.origin).toBe(stack.ingressUrls[0]);
    expect(returnPage.status).toBe(200);
  }
  const ids = orders.map((order) => order.orderId);
  const settled = await settle(stack, ids);
  expectExactlyOnePayoutEach(stack, ids, settled);
  // Visibility on PostgreSQL answers the operators' filter.
  const found = await eventually(
    async () => {
      const listed: string[] = [];
      for await (const execution of stack.client.workflow.list({
        query: `PayoutStatus = "SETTLED" AND PayoutScenario = "link"`,
      })) {
        listed.push(execution.workflowId);
      }
      return listed;
    },
    (listed) => links.every((order) => listed.includes(`payout-${order.orderId}`)),
    { timeoutMs: 30_000, intervalMs: 500, what: 'the link payouts listed by PayoutStatus' },
  );
  expect(found).toEqual(expect.arrayContaining(links.map((order) => `payout-${order.orderId}`)));
});

it('kill -9 of a worker in the middle of creates: the other worker and the restarted one finish them, once each', async () => {
  const started = Date.now();
  // Creates held at the sandbox: each is in flight in a worker when the kill comes.
  await stack.addFault({ route: 'create', mode: 'delay', delayMs: 4_000, times: 6 });
  const orders = Array.from({ length: 6 }, () => stackOrder());
  const ids = orders.map((order) => order.orderId);
  const starting = stack.startPayouts(orders);
  await activityRunning(stack, ids, 'createPayoutSession', 60_000);
  const victim = stack.workers[0]!;
  await victim.kill();
  const killedAt = Date.now();
  await victim.start();
  await starting;
  const settled = await settle(stack, ids, 180_000);
  writeFigures({
    test: 'cluster-worker-kill-during-create',
    injected: 'creates held 4 s at the sandbox; worker-1 kill -9 while createPayoutSession ran; restarted',
    faults: { workerKills: 1, sandboxDelayFaults: 6 },
    ...settledFigures(settled, ids, killedAt, started),
  });
  expectExactlyOnePayoutEach(stack, ids, settled);
}, 240_000);

it('kill -9 of the history service, restarted: payouts in flight finish, once each', async () => {
  const started = Date.now();
  const orders = Array.from({ length: 10 }, () => stackOrder());
  const ids = orders.map((order) => order.orderId);
  const answers = await stack.startPayouts(orders);
  expect(answers.every((answer) => [200, 201, 202].includes(answer.status))).toBe(true);
  const historyPid = cluster.service('history')?.pid;
  await cluster.killService('history');
  const killedAt = Date.now();
  cluster.startService('history');
  expect(cluster.service('history')?.pid).not.toBe(historyPid);
  await cluster.waitUntilServing();
  const settled = await settle(stack, ids, 180_000);
  writeFigures({
    test: 'cluster-history-kill',
    injected: '10 payouts started; history service kill -9 right after; restarted at once',
    faults: { historyKills: 1 },
    ...settledFigures(settled, ids, killedAt, started),
  });
  expectExactlyOnePayoutEach(stack, ids, settled);
}, 240_000);

it('PostgreSQL restarted with pg_ctl restart -m immediate: payouts in flight finish, once each', async () => {
  const started = Date.now();
  const orders = Array.from({ length: 10 }, () => stackOrder());
  const ids = orders.map((order) => order.orderId);
  const starting = stack.startPayouts(orders);
  // Payouts in flight: the sandbox has seen a create, others are still being started.
  await eventually(
    () => stack.requests(),
    (requests) => requests.some((request) => request.route === 'create'),
    { timeoutMs: 60_000, intervalMs: 50, what: 'a create at the sandbox' },
  );
  await cluster.postgres.restartImmediate();
  const restartedAt = Date.now();
  const answers = await starting;
  const settled = await settle(stack, ids, 180_000);
  writeFigures({
    test: 'cluster-postgres-restart',
    injected: '10 payouts starting; pg_ctl restart -m immediate (a crash: no checkpoint) while they ran',
    faults: { postgresImmediateRestarts: 1 },
    ...settledFigures(settled, ids, restartedAt, started),
    startAnswers: answers.map((answer) => answer.status),
  });
  expect(answers.every((answer) => [200, 201, 202].includes(answer.status))).toBe(true);
  expectExactlyOnePayoutEach(stack, ids, settled);
}, 240_000);

it(`${STORM_PAYOUTS} payouts through a storm of sandbox faults across two workers and two ingresses`, async () => {
  const storm = await runFaultStorm(stack, {
    test: 'cluster-fault-storm',
    payouts: STORM_PAYOUTS,
    seed: SEED,
    settleTimeoutMs: 420_000,
  });
  for (const answer of storm.answers) expect([200, 201, 202]).toContain(answer.status);
  expect(storm.createFaultKinds).toEqual(CREATE_FAULT_KINDS);
  expect(storm.settled.count.duplicateOrders).toEqual([]);
  expect(storm.settled.count.missingOrders).toEqual([]);
  expect(storm.settled.wait.pending).toEqual([]);
  expect(storm.acks.lost).toEqual([]);
  // Every payout final or parked for a person: nothing ends nowhere.
  expect(Object.keys(storm.settled.outcomes).filter((outcome) => outcome === 'none')).toEqual([]);
  // Both workers carried the load.
  for (const worker of stack.workers) {
    expect(worker.lines().filter((line) => line.includes('payout state changed')).length).toBeGreaterThan(0);
  }
}, 600_000);
