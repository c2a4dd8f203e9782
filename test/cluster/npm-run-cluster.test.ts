/**
 * `npm run cluster` as a person runs it: the launcher (scripts/cluster.ts) in its own process group with
 * non-default ports and its own data folder. It must print every URL, serve the Web UI, pay out through
 * both ingresses, stop on Ctrl-C in order, and on the next run find the payouts of the first (resume).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { activityQueuePartitions } from '../../workers/read-budget';
import { fintectureReadsQueue } from '../../domain/identifiers';
import { freePortIn, isPortFree, PROJECT_ROOT, STABLE_PORT_BANDS } from '../../scripts/temporal-dev-server';
import { tsxNodeArgs } from '../../scripts/service-process';
import { TEST_BIC, TEST_IBAN } from '../support/payout-bodies';
import { uniqueId } from '../support/temporal';
import { eventually } from '../support/wait';

const RUNNING = 'Payout orchestrator is running on a Temporal cluster.';
/** Settings of the test run that would point the launcher elsewhere. */
const FOREIGN_ENV =
  /^(TEMPORAL_|FINTECTURE_|INGRESS_|SANDBOX_|PAYLOAD_CODEC|CODEC_SERVER_|WORKER_|START_DATA_DIR$|PUBLIC_BASE_URL$)/;

const dataDir = path.join(PROJECT_ROOT, '.data', 'cluster-test', `npm-run-cluster-${process.pid}`);
let ports: Record<string, number>;
const running: ChildProcess[] = [];

/**
 * Free ports for the launcher, none equal to another; the ingress and the worker metrics also use the next
 * port (the second ingress and worker), so those must be free too. They come from below the ephemeral range:
 * the launcher binds them only after starting PostgreSQL and Temporal, whose own ports and hundreds of
 * outgoing connections come from that range and could take a port chosen there meanwhile.
 */
async function launcherPorts(): Promise<Record<string, number>> {
  const taken = new Set<number>();
  const pick = async (withNext: boolean): Promise<number> => {
    for (;;) {
      const port = await freePortIn(STABLE_PORT_BANDS.launcher);
      const needs = withNext ? [port, port + 1] : [port];
      if (needs.some((p) => taken.has(p))) continue;
      if (withNext && !(await isPortFree(port + 1))) continue;
      for (const p of needs) taken.add(p);
      return port;
    }
  };
  return {
    INGRESS_PORT: await pick(true),
    WORKER_METRICS_PORT: await pick(true),
    SANDBOX_PORT: await pick(false),
    CLUSTER_TEMPORAL_PORT: await pick(false),
    TEMPORAL_UI_PORT: await pick(false),
    CODEC_SERVER_PORT: await pick(false),
  };
}

beforeAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  ports = await launcherPorts();
});
afterAll(async () => {
  for (const child of running) if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

interface Launch {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `tsx scripts/cluster.ts`; resolves once it printed that it runs. */
async function launch(): Promise<Launch> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !FOREIGN_ENV.test(key)));
  const child = spawn(process.execPath, tsxNodeArgs('scripts/cluster.ts'), {
    cwd: PROJECT_ROOT,
    env: {
      ...env,
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      START_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.push(child);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  // 'close', not 'exit': the last output lines ("stopped") may arrive after the exit.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  await Promise.race([
    eventually(
      () => text,
      (output) => output.includes(RUNNING),
      { timeoutMs: 240_000, intervalMs: 200, what: 'npm run cluster to run' },
    ),
    exited.then((code) => {
      throw new Error(`npm run cluster exited (${code}) before running:\n${text}`);
    }),
  ]);
  return { child, output: () => text, exited };
}

/** Ctrl-C in a terminal: SIGINT to the whole process group; resolves with the exit code. */
async function interrupt(run: Launch): Promise<number | null> {
  process.kill(-run.child.pid!, 'SIGINT');
  return run.exited;
}

it('starts the topology, pays out through both ingresses, stops on Ctrl-C and resumes on the next run', async () => {
  const first = await launch();
  const printed = first.output();
  expect(printed).toContain(`Temporal frontend  127.0.0.1:${ports.CLUSTER_TEMPORAL_PORT}`);
  expect(printed).toContain(`Temporal Web UI    http://127.0.0.1:${ports.TEMPORAL_UI_PORT}`);
  expect(printed).toContain(`ingress 1          http://127.0.0.1:${ports.INGRESS_PORT}`);
  expect(printed).toContain(`ingress 2          http://127.0.0.1:${ports.INGRESS_PORT! + 1}`);

  // The Web UI is the real one, talking to the cluster's frontend.
  const ui = await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/api/v1/namespaces/default`);
  expect(ui.status).toBe(200);
  expect(((await ui.json()) as { namespaceInfo?: { name?: string } }).namespaceInfo?.name).toBe('default');

  const apiKey = readFileSync(path.join(dataDir, 'cluster', 'ingress-api-key'), 'utf8').trim();
  const ingress = (index: number) => `http://127.0.0.1:${ports.INGRESS_PORT! + index}`;
  const orderIds = [uniqueId('cluster-npm'), uniqueId('cluster-npm')];
  for (const [index, orderId] of orderIds.entries()) {
    const answer = await fetch(`${ingress(index)}/payouts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        orderId,
        amount: '26.99',
        currency: 'EUR',
        communication: 'MyShop REFUND',
        payee: { name: 'John Doe', email: 'john@doe.example' },
        beneficiary: { name: 'John Doe', iban: TEST_IBAN, bic: TEST_BIC },
      }),
    });
    // 202: created, its Fintecture session not confirmed yet within the ingress's wait (a cold cluster).
    expect([201, 202]).toContain(answer.status);
  }
  const outcome = (index: number, orderId: string) =>
    fetch(`${ingress(index)}/payouts/${orderId}`, { headers: { authorization: `Bearer ${apiKey}` } })
      .then((response) => response.json() as Promise<{ outcome: string | null }>)
      .then((body) => body.outcome);
  // Each ingress reads the payout the other one started: one cluster behind both.
  for (const [index, orderId] of orderIds.entries()) {
    await eventually(
      () => outcome(1 - index, orderId),
      (value) => value === 'SETTLED',
      {
        timeoutMs: 90_000,
        intervalMs: 500,
        what: `${orderId} to settle`,
      },
    );
  }

  // The workers' read queue (the default queue, `payouts`) on one partition, as docker-compose gives it.
  const connection = await Connection.connect({ address: `127.0.0.1:${ports.CLUSTER_TEMPORAL_PORT}` });
  try {
    expect(await activityQueuePartitions(connection, 'default', fintectureReadsQueue('payouts'))).toBe(1);
  } finally {
    await connection.close();
  }

  expect(await interrupt(first)).toBe(0);
  expect(first.output()).toContain('stopped');

  // The next run finds its database: the payouts of the first run are still there.
  const second = await launch();
  expect(await outcome(0, orderIds[0]!)).toBe('SETTLED');
  expect(await interrupt(second)).toBe(0);
}, 600_000);
