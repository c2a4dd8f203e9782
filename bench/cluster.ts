/**
 * `npm run bench:cluster`: the end-to-end scenario-2 figure on the Temporal cluster beside the dev server, in
 * one run on this machine (bench/README.md, "Cluster beside the dev server"). The same closed-loop workload
 * (bench/benchmarks/e2e.ts) against three stacks, one after the other:
 *   (a) the Temporal dev server (SQLite) + 1 worker — the stack of `npm run bench` (bench/lib/stack.ts);
 *   (b) the PostgreSQL cluster (4 history shards, 4 service processes) + 1 worker;
 *   (c) the same cluster + 2 workers: what the second worker adds.
 * Each with the sandbox (no step delays), one ingress, the test codec keys. Writes bench/results/cluster.json
 * and CLUSTER.md. With BENCH_CLUSTER_WAITING_SIZES (e.g. 100,1000,10000) it runs instead the waiting and
 * webhook-wake series of `npm run bench` on the cluster + 1 worker (bench/cluster/waiting.ts) and writes
 * cluster-waiting.json and CLUSTER-WAITING.md. Everything lives under .data/bench-cluster/<timestamp>/,
 * removed afterwards unless BENCH_KEEP_DATA=1 (a failed run keeps it for its logs).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runE2e, type PayoutRunResult } from './benchmarks/e2e';
import { startClusterStack, type ClusterStack } from './cluster/stack';
import { HistoryProfiles } from './cluster/history-profiles';
import { PostgresStatements, STATEMENT_PROFILE_SETTINGS } from './cluster/postgres-statements';
import { runClusterWaiting, writeClusterWaitingReport, type ClusterWaitingResults } from './cluster/waiting';
import {
  groupCpu,
  ratiosOf,
  STACK_LABELS,
  writeClusterReport,
  type ClusterBenchResults,
  type ClusterLevel,
  type ClusterStackResult,
  type StackId,
} from './cluster/report';
import { Deadline, withDeadline } from './lib/deadline';
import { machineInfo, machineLine } from './lib/machine';
import { benchReadsPerSecond, optionsFromEnv, type BenchOptions } from './lib/options';
import { phaseMs, runLine } from './lib/phase';
import { startStack, type Stack } from './lib/stack';
import { POSTGRES_SETTING, postgresBinDir } from '../scripts/cluster/postgres';
import {
  pinnedServerVersion,
  TemporalCluster,
  type TemporalClusterOptions,
} from '../scripts/cluster/temporal-cluster';
import { freePort, PROJECT_ROOT } from '../scripts/temporal-dev-server';

const HISTORY_SHARDS = 4;
const WARMUP_CONCURRENCY = 4;

const env = process.env;
const positiveInt = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isInteger(n) && n > 0 ? n : fallback;
};
const options = {
  payouts: positiveInt(env.BENCH_CLUSTER_PAYOUTS, 300),
  concurrency: (env.BENCH_CLUSTER_CONCURRENCY ?? '16,64')
    .split(',')
    .map((item) => Number(item.trim()))
    .filter((n) => Number.isInteger(n) && n > 0),
  warmupPayouts: Number(env.BENCH_CLUSTER_WARMUP ?? 20) || 0,
  timeLimitMs: positiveInt(env.BENCH_CLUSTER_TIME_LIMIT_MINUTES, 40) * 60_000,
  keepData: env.BENCH_KEEP_DATA === '1',
  // Every payout worker's FINTECTURE_MAX_READS_PER_SECOND: high, so the figures do not measure the budget.
  readsPerSecond: benchReadsPerSecond(env),
  // Set: the waiting series on the cluster instead of the end-to-end comparison (bench/cluster/waiting.ts);
  // its sizes are parsed as `npm run bench` parses BENCH_SIZES.
  waitingSizes: env.BENCH_CLUSTER_WAITING_SIZES?.trim() ?? '',
  // Waiting mode: profile the history service for the whole run, and write each burst's top functions
  // (bench/cluster/history-profiles.ts; needs `go`).
  pprof: env.BENCH_CLUSTER_PPROF === '1',
  // Waiting mode: PostgreSQL's statement counters for the whole run, and each burst's statements per wake
  // (bench/cluster/postgres-statements.ts).
  pgStatements: env.BENCH_CLUSTER_PG_STATEMENTS === '1',
  // A/B knobs: PostgreSQL server settings for the run, e.g. shared_buffers=1GB,work_mem=8MB.
  postgresSettings: (env.BENCH_CLUSTER_PG_SETTINGS ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
  outDir: path.resolve(env.BENCH_OUT_DIR ?? path.join(PROJECT_ROOT, 'bench', 'results')),
  // Under the project: PostgreSQL runs as the `postgres` user and must traverse the path to its data folder.
  runDir: path.join(PROJECT_ROOT, '.data', 'bench-cluster', new Date().toISOString().replace(/[:.]/g, '-')),
};
if (options.concurrency.length === 0) options.concurrency = [16, 64];
for (const setting of options.postgresSettings) {
  if (!POSTGRES_SETTING.test(setting)) {
    throw new Error(`BENCH_CLUSTER_PG_SETTINGS: "${setting}" is not name=value (e.g. shared_buffers=1GB)`);
  }
}
if (options.waitingSizes && !/^[1-9]\d*(\s*,\s*[1-9]\d*)*$/.test(options.waitingSizes)) {
  throw new Error(
    `BENCH_CLUSTER_WAITING_SIZES: "${options.waitingSizes}" is not a list of open-payout counts (e.g. 100,1000,10000)`,
  );
}

const log = (line: string) => process.stdout.write(`${line}\n`);

/** What must be stopped, in start order: stopped in reverse (the edge first, PostgreSQL last). */
const running: { name: string; stop: () => Promise<void> }[] = [];

async function release(name: string): Promise<void> {
  const index = running.findIndex((entry) => entry.name === name);
  if (index < 0) return;
  const [entry] = running.splice(index, 1);
  log(`stopping ${name}…`);
  await entry!.stop().catch((error: unknown) => log(`  stopping ${name} failed: ${String(error)}`));
}

async function stopEverything(): Promise<void> {
  while (running.length > 0) await release(running[running.length - 1]!.name);
}

/** Set by SIGINT/SIGTERM: nothing new starts once the stop has begun. */
let aborting = false;

/** Throws once the run's deadline has passed or a signal stops it. */
function check(whole: Deadline): void {
  if (aborting) throw new Error('stopped by a signal');
  whole.check();
}

/**
 * Registers what `starting` starts before it has started (a stop waits for the start to settle, then stops
 * it: a signal or the deadline mid-start leaves nothing behind), and waits for it within the deadline.
 */
function track<T extends { stop(): Promise<void> }>(
  name: string,
  starting: Promise<T>,
  whole: Deadline,
): Promise<T> {
  running.push({
    name,
    stop: () =>
      starting.then(
        (started) => started.stop(),
        () => {}, // a failed start stops what it started
      ),
  });
  return whole.race(starting);
}

/** The run with its CPU per payout by group (`temporal`, `postgres`, …), for the console line. */
function grouped(run: PayoutRunResult): PayoutRunResult {
  const cpuMs = Object.fromEntries(
    Object.entries(groupCpu(run)).map(([group, cpu]) => [group, cpu.msPerPayout]),
  );
  return { ...run, perPayout: { ...run.perPayout, cpuMs } };
}

/**
 * Warm-up, then each concurrency level, the sandbox reset before each (as bench/benchmarks/comparison.ts).
 * `spawnedAt` (performance.now()) is when the stack began starting: its start-up time is counted up to here.
 */
async function measureStack(
  stack: Stack,
  id: StackId,
  workers: number,
  spawnedAt: number,
  whole: Deadline,
): Promise<ClusterStackResult> {
  const meta = { workers, startupSeconds: Math.round((performance.now() - spawnedAt) / 100) / 10 };
  const tag = `bc${Date.now().toString(36)}-${id}`;
  const label = STACK_LABELS[id];
  log(`[${id}] ${label}`);
  let warmup: ClusterStackResult['warmup'] = {
    payouts: 0,
    concurrency: WARMUP_CONCURRENCY,
    perSecond: 0,
    failures: 0,
  };
  if (options.warmupPayouts > 0) {
    check(whole);
    const run = await withDeadline(`${id} warm-up`, phaseMs(options.warmupPayouts), (deadline) =>
      runE2e(stack, {
        payouts: options.warmupPayouts,
        concurrency: WARMUP_CONCURRENCY,
        tag: `${tag}-warm`,
        deadline,
      }),
    );
    log(runLine(grouped(run), '  warm-up'));
    warmup = {
      payouts: run.payouts,
      concurrency: run.concurrency,
      perSecond: run.perSecond,
      failures: run.failures,
    };
  }
  const levels: ClusterLevel[] = [];
  for (const concurrency of options.concurrency) {
    check(whole);
    // The emulator's own growth is not the system's: finished payouts are forgotten between levels.
    await stack.sandboxControl('POST', '/reset');
    const run = await withDeadline(
      `${id} end-to-end ${options.payouts} × ${concurrency}`,
      phaseMs(options.payouts),
      (deadline) =>
        runE2e(stack, { payouts: options.payouts, concurrency, tag: `${tag}-c${concurrency}`, deadline }),
    );
    log(runLine(grouped(run), `  ${id}`));
    levels.push({ concurrency, payouts: run.payouts, perSecond: run.perSecond, cpu: groupCpu(run), run });
  }
  return { id, label, temporalAddress: stack.temporalAddress, ...meta, warmup, levels };
}

/**
 * Starts PostgreSQL, the Temporal cluster and the payout services on it (1 worker), tracked for the stop;
 * `statements` (waiting mode) gets PostgreSQL's statement counters sampled from the start.
 */
async function startClusterWithServices(
  whole: Deadline,
  profiling: { pprofPorts?: TemporalClusterOptions['pprofPorts']; statements?: boolean } = {},
): Promise<{ stack: ClusterStack; statements: PostgresStatements | null }> {
  const cluster = await TemporalCluster.open({
    dir: path.join(options.runDir, 'cluster', 'temporal'),
    frontendPort: await freePort(),
    historyShards: HISTORY_SHARDS,
    pprofPorts: profiling.pprofPorts,
    postgresSettings: [
      ...(profiling.statements ? STATEMENT_PROFILE_SETTINGS : []),
      ...options.postgresSettings,
    ],
    onLine: (service, line) => {
      if (line.includes('"level":"fatal"')) log(`[${service}] ${line}`);
    },
  });
  // A stop waits for the step under way (PostgreSQL starting, the services spawning), then stops it all.
  let clusterStep: Promise<unknown> = Promise.resolve();
  const stopCluster = () => cluster.stop();
  running.push({
    name: 'the Temporal cluster and PostgreSQL',
    stop: () => clusterStep.then(stopCluster, stopCluster),
  });
  log(`starting PostgreSQL (${cluster.postgres.dataDir}) and migrating the Temporal schemas…`);
  clusterStep = cluster.prepare();
  await whole.race(clusterStep);
  check(whole);
  log(
    `starting Temporal: history, matching, frontend and worker services (${HISTORY_SHARDS} history shards)…`,
  );
  clusterStep = cluster.start();
  await whole.race(clusterStep);
  check(whole);
  const statements = profiling.statements ? new PostgresStatements(cluster.postgres, log) : null;
  if (statements) {
    await statements.start();
    running.push({ name: 'the PostgreSQL statistics', stop: () => statements.stop() });
  }
  const stack = await track(
    'the payout services on the cluster',
    startClusterStack(cluster, {
      runDir: path.join(options.runDir, 'cluster', 'services'),
      readsPerSecond: options.readsPerSecond,
      log,
    }),
    whole,
  );
  return { stack, statements };
}

/** The binaries the run needs, the machine line, the run folder. */
function prepare(): ClusterBenchResults['machine'] {
  const tools = path.join(PROJECT_ROOT, '.tools', 'bin');
  for (const binary of ['temporal', 'temporal-server', 'temporal-sql-tool']) {
    if (!existsSync(path.join(tools, binary))) {
      throw new Error(
        `${path.join(tools, binary)} is missing: run \`npm run setup\` and \`bash scripts/install-temporal-server.sh\``,
      );
    }
  }
  const machine = {
    ...machineInfo(),
    temporalServer: pinnedServerVersion(),
    postgres: execFileSync(path.join(postgresBinDir(), 'postgres'), ['--version'], {
      encoding: 'utf8',
    }).trim(),
  };
  log(
    `bench:cluster on ${machineLine(machine)}; ${machine.postgres}; Temporal server ${machine.temporalServer}`,
  );
  mkdirSync(options.runDir, { recursive: true });
  return machine;
}

/** What every results file of this bench starts with. */
function resultsHeader(startedAt: Date, t0: number, machine: ClusterBenchResults['machine']) {
  return {
    schemaVersion: 1 as const,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: Math.round((performance.now() - t0) / 1000),
    machine,
  };
}

/** BENCH_CLUSTER_WAITING_SIZES set: the waiting series of `npm run bench` on the cluster + 1 worker only. */
async function mainWaiting(whole: Deadline): Promise<ClusterWaitingResults> {
  const startedAt = new Date();
  const t0 = performance.now();
  const machine = prepare();
  const series = waitingOptions();
  log(
    `waiting series at ${series.waitingSizes.join(', ')} open on the cluster + 1 worker; data in ${options.runDir}`,
  );
  const pprofPort = options.pprof ? await freePort() : undefined;
  const { stack: onCluster, statements } = await startClusterWithServices(whole, {
    pprofPorts: pprofPort ? { history: pprofPort } : undefined,
    statements: options.pgStatements,
  });
  const profiles = pprofPort
    ? new HistoryProfiles(`http://127.0.0.1:${pprofPort}`, path.join(options.runDir, 'history-profiles'), log)
    : null;
  profiles?.start();
  const measured = await whole.race(runClusterWaiting(onCluster, series, `bw${Date.now().toString(36)}`));
  await profiles?.stop();
  await stopEverything();
  mkdirSync(options.outDir, { recursive: true });
  for (const level of measured.webhooks) {
    // From the first webhook sent to the last one acted on (the acknowledged phase ends long before).
    const { startedAt } = level.run.cost.window;
    const actedOnMs = (level.run.webhooks / Math.max(level.run.wokenPerSecond, 0.001)) * 1000;
    const burst = { startedAt, stoppedAt: startedAt + actedOnMs };
    const label = `the ${level.openPayouts}-open burst`;
    if (profiles) {
      const file = path.join(options.outDir, `cluster-profile-history-${level.openPayouts}-open.txt`);
      const written = await profiles.topOf(burst, file);
      log(written ? `history profile of ${label}: ${written}` : `no profile slice fits ${label}`);
    }
    if (statements) {
      const file = path.join(options.outDir, `cluster-profile-postgres-${level.openPayouts}-open.txt`);
      const written = statements.report(burst, level.run.webhooks, label, file);
      log(written ? `PostgreSQL statements of ${label}: ${written}` : `no snapshot pair brackets ${label}`);
    }
  }
  return {
    ...resultsHeader(startedAt, t0, machine),
    options: {
      waitingSizes: series.waitingSizes,
      historyShards: HISTORY_SHARDS,
      workers: 1,
      webhooksMax: series.webhooksMax,
      pacedWebhooks: series.pacedWebhooks,
      pacedWebhooksPerSecond: series.pacedWebhooksPerSecond,
      windowSeconds: series.windowMs / 1000,
      readsPerSecond: options.readsPerSecond,
    },
    ...measured,
  };
}

/**
 * The waiting series' options: `npm run bench`'s defaults and BENCH_* knobs (BENCH_WEBHOOKS_MAX,
 * BENCH_PACED_WEBHOOKS, BENCH_WINDOW_SECONDS…), the sizes from BENCH_CLUSTER_WAITING_SIZES, no profile.
 */
function waitingOptions(): BenchOptions {
  const series = optionsFromEnv({ ...env, BENCH_SIZES: options.waitingSizes });
  return { ...series, runDir: options.runDir, readsPerSecond: options.readsPerSecond, log };
}

async function main(whole: Deadline): Promise<ClusterBenchResults> {
  const startedAt = new Date();
  const t0 = performance.now();
  const machine = prepare();
  log(
    `${options.payouts} payouts per level at ${options.concurrency.join(', ')} in flight ` +
      `(warm-up ${options.warmupPayouts}); data in ${options.runDir}`,
  );
  const stacks: ClusterStackResult[] = [];

  // (a) The dev server, started exactly as `npm run bench` starts it.
  let spawnedAt = performance.now();
  check(whole);
  const dev = await track(
    'the dev-server stack',
    startStack({ runDir: path.join(options.runDir, 'dev'), readsPerSecond: options.readsPerSecond, log }),
    whole,
  );
  stacks.push(await measureStack(dev, 'dev', 1, spawnedAt, whole));
  await release('the dev-server stack');

  // (b) The cluster + 1 worker.
  check(whole);
  spawnedAt = performance.now();
  const { stack: onCluster } = await startClusterWithServices(whole);
  stacks.push(await measureStack(onCluster, 'cluster-1w', 1, spawnedAt, whole));

  // (c) The same cluster + a second worker.
  check(whole);
  log('starting a second worker…');
  spawnedAt = performance.now();
  await whole.race(onCluster.addWorker());
  stacks.push(await measureStack(onCluster, 'cluster-2w', onCluster.workerCount, spawnedAt, whole));
  await stopEverything();

  return {
    ...resultsHeader(startedAt, t0, machine),
    options: {
      payouts: options.payouts,
      concurrency: options.concurrency,
      warmupPayouts: options.warmupPayouts,
      historyShards: HISTORY_SHARDS,
      sandboxStepDelayMs: 0,
      readsPerSecond: options.readsPerSecond,
    },
    stacks,
    ratios: ratiosOf(stacks),
  };
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (aborting) return;
    aborting = true;
    process.stderr.write(`bench:cluster: ${signal}, stopping everything…\n`);
    void stopEverything().finally(() => {
      if (!options.keepData) rmSync(options.runDir, { recursive: true, force: true });
      process.exit(130);
    });
  });
}

const whole = new Deadline('the whole cluster bench', options.timeLimitMs);
/** Runs the mode asked for, writes its report, logs its headline; resolves the files written and the time. */
const run: Promise<{ json: string; markdown: string; wallSeconds: number }> = options.waitingSizes
  ? mainWaiting(whole).then((results) => {
      log(`acted on at 10 000 open ÷ at 100 open: ${results.actedOnRatio}`);
      return { ...writeClusterWaitingReport(results, options.outDir), wallSeconds: results.wallSeconds };
    })
  : main(whole).then((results) => {
      for (const row of results.ratios) {
        log(
          `${row.concurrency} in flight: cluster/dev ${row.clusterOverDev}, ` +
            `2 workers/1 worker ${row.twoWorkersOverOne}, cluster 2 workers/dev ${row.cluster2wOverDev}`,
        );
      }
      return { ...writeClusterReport(results, options.outDir), wallSeconds: results.wallSeconds };
    });
run.then(
  (written) => {
    whole.dispose();
    log(`results: ${written.json}, ${written.markdown} (${written.wallSeconds} s)`);
    if (!options.keepData) rmSync(options.runDir, { recursive: true, force: true });
    process.exit(0);
  },
  async (error: unknown) => {
    whole.dispose();
    if (aborting) return; // the signal handler stops everything and exits
    process.stderr.write(
      `bench:cluster failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await stopEverything();
    process.stderr.write(`bench:cluster: kept ${options.runDir} (logs) for a look\n`);
    process.exit(1);
  },
);
