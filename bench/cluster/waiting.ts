import { runDecryptCeiling } from '../benchmarks/decrypt-ceiling';
import { runWaitingSeries } from '../benchmarks/waiting-series';
import { machineLine } from '../lib/machine';
import { ms, num, table } from '../lib/markdown';
import { type BenchOptions } from '../lib/options';
import { writeResultFiles } from '../lib/report';
import { growthRows } from '../lib/summary';
import { type GrowthRow, type WaitingLevel, type WebhookLevel } from '../lib/results';
import { type Stack } from '../lib/stack';
import { ratio } from '../lib/stats';
import { groupOf, type ClusterBenchResults } from './report';

/**
 * `BENCH_CLUSTER_WAITING_SIZES=100,1000,10000 npm run bench:cluster`: the waiting and webhook-wake series of
 * `npm run bench` (bench/benchmarks/waiting-series.ts, unchanged) on the PostgreSQL cluster + 1 worker, for
 * the acted-on goal of issue 15 measured on the production topology rather than on the dev server's SQLite.
 */

const GOAL_OPEN = 10_000;
const BASE_OPEN = 100;

/** Cores by process group (temporal = the four services, postgres = postmaster + backends) over a phase. */
export type GroupCores = Record<string, number>;

export interface ClusterWaitingResults {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  machine: ClusterBenchResults['machine'];
  options: {
    waitingSizes: number[];
    historyShards: number;
    workers: number;
    webhooksMax: number;
    pacedWebhooks: number;
    pacedWebhooksPerSecond: number;
    windowSeconds: number;
    readsPerSecond: number;
  };
  decryptsPerSecond: number;
  waiting: WaitingLevel[];
  webhooks: WebhookLevel[];
  /** Cores by group while the burst of each level was acted on. */
  burstCores: { openPayouts: number; cores: GroupCores }[];
  growth: GrowthRow[];
  /** Acted on/s at 10 000 open ÷ at 100 open (NaN when either level is missing). */
  actedOnRatio: number;
}

export function coresByGroup(usage: Record<string, { cores: number }>): GroupCores {
  const cores: GroupCores = {};
  for (const [name, process] of Object.entries(usage)) {
    const group = groupOf(name);
    cores[group] = Math.round(((cores[group] ?? 0) + process.cores) * 100) / 100;
  }
  return cores;
}

/** Runs the waiting series on `stack` (the cluster + its worker) with `options` (BENCH_* applied). */
export async function runClusterWaiting(
  stack: Stack,
  options: BenchOptions,
  tag: string,
): Promise<
  Pick<
    ClusterWaitingResults,
    'decryptsPerSecond' | 'waiting' | 'webhooks' | 'burstCores' | 'growth' | 'actedOnRatio'
  >
> {
  const decrypt = await runDecryptCeiling({
    privateKeyPem: stack.merchantPrivateKeyPem,
    appId: stack.sandbox.appId,
    durationMs: options.microMs,
  });
  const { waiting, webhooks } = await runWaitingSeries(stack, {
    ...options,
    // The profiled runs restart the worker, which the cluster stack does not offer.
    profilePayouts: 0,
    tag,
    decryptsPerSecond: decrypt.rawDecrypt.opsPerSecond,
  });
  const at = (open: number) => webhooks.find((level) => level.openPayouts === open);
  return {
    decryptsPerSecond: decrypt.rawDecrypt.opsPerSecond,
    waiting,
    webhooks,
    burstCores: webhooks.map((level) => ({
      openPayouts: level.openPayouts,
      cores: coresByGroup(level.run.cost.usage),
    })),
    // The rows of `npm run bench` that this series has (the e2e rows and the dev server's are empty here).
    growth: growthRows([], waiting, webhooks).filter((row) => row.values.some((point) => point.value > 0)),
    actedOnRatio: ratio(
      at(GOAL_OPEN)?.run.wokenPerSecond ?? Number.NaN,
      at(BASE_OPEN)?.run.wokenPerSecond ?? Number.NaN,
    ),
  };
}

const GROUPS = ['temporal', 'postgres', 'workers', 'ingress', 'sandbox', 'driver'];

export function renderClusterWaitingMarkdown(r: ClusterWaitingResults): string {
  const few = r.webhooks.find((level) => level.openPayouts === BASE_OPEN);
  const many = r.webhooks.find((level) => level.openPayouts === GOAL_OPEN);
  return [
    `# Waiting payouts on the cluster (${r.finishedAt})`,
    '',
    '`BENCH_CLUSTER_WAITING_SIZES=… npm run bench:cluster` (bench/README.md, "Waiting payouts on the cluster"):',
    'the waiting and webhook-wake series of `npm run bench`, unchanged, on the PostgreSQL cluster + 1 worker.',
    '',
    `Machine: ${machineLine(r.machine)}; Temporal server ${r.machine.temporalServer} (cluster, ` +
      `${r.options.historyShards} history shards), ${r.machine.postgres}. Whole run: ${r.wallSeconds} s. ` +
      `${r.options.workers} worker (production defaults); ${r.options.webhooksMax} webhooks per burst, then ` +
      `${r.options.pacedWebhooks} paced at ${r.options.pacedWebhooksPerSecond}/s; ${r.options.windowSeconds} s ` +
      `window per level.`,
    '',
    '## Acted-on goal on the cluster',
    '',
    few && many
      ? `Webhooks acted on at 10 000 open ÷ at 100 open: ${num(many.run.wokenPerSecond)}/s ÷ ` +
        `${num(few.run.wokenPerSecond)}/s = **${num(r.actedOnRatio)}** (goal ≥ 0.8).`
      : 'This run has no 100 and 10 000 open levels: the ratio is not measured.',
    '',
    '## By open payouts',
    '',
    table(
      [
        'open',
        'created/s',
        'worker RSS',
        'acknowledged/s',
        'acted on/s',
        'wake p50 / p99 (burst)',
        'wake p50 / p99 (paced)',
        'failures',
      ],
      r.webhooks.map((level) => {
        const waiting = r.waiting.find((w) => w.openPayouts === level.openPayouts);
        const failures =
          level.run.failures + (level.paced?.failures ?? 0) + (waiting?.creation.failures ?? 0);
        return [
          level.openPayouts,
          num(waiting?.creation.perSecond ?? Number.NaN),
          waiting ? `${waiting.window.workerRssMb} MB` : '–',
          num(level.run.perSecond),
          num(level.run.wokenPerSecond),
          `${ms(level.run.wakeLatency.p50Ms)} / ${ms(level.run.wakeLatency.p99Ms)}`,
          level.paced ? `${ms(level.paced.wakeLatency.p50Ms)} / ${ms(level.paced.wakeLatency.p99Ms)}` : '–',
          failures,
        ];
      }),
    ),
    '',
    '## Cores by group during each burst (/proc, utime + stime)',
    '',
    table(
      ['open', ...GROUPS, 'machine busy', 'outside the bench'],
      r.webhooks.map((level) => {
        const cores = r.burstCores.find((entry) => entry.openPayouts === level.openPayouts)?.cores ?? {};
        return [
          level.openPayouts,
          ...GROUPS.map((group) => (cores[group] === undefined ? '–' : cores[group])),
          num(level.run.cost.machine?.busyCores ?? Number.NaN),
          num(level.run.cost.otherCores ?? Number.NaN),
        ];
      }),
    ),
    '',
    '## Growth',
    '',
    table(
      ['figure', 'unit', 'points', 'verdict'],
      r.growth.map((row) => [
        row.figure,
        row.unit,
        row.values.map((point) => `${point.size}: ${num(point.value)}`).join(', '),
        row.verdict,
      ]),
    ),
    '',
  ].join('\n');
}

export function writeClusterWaitingReport(
  results: ClusterWaitingResults,
  outDir: string,
): { json: string; markdown: string } {
  return writeResultFiles(
    outDir,
    { json: 'cluster-waiting.json', markdown: 'CLUSTER-WAITING.md' },
    results,
    renderClusterWaitingMarkdown,
  );
}
