import { type PayoutRunResult } from '../benchmarks/e2e';
import { machineLine, type MachineInfo } from '../lib/machine';
import { ms as msOf, num, table } from '../lib/markdown';
import { writeResultFiles } from '../lib/report';
import { ratio } from '../lib/stats';

/** `npm run bench:cluster`: the three stacks, each at each concurrency, and the ratios within the run. */

export type StackId = 'dev' | 'cluster-1w' | 'cluster-2w';

export const STACK_LABELS: Record<StackId, string> = {
  dev: 'dev server (SQLite) + 1 worker',
  'cluster-1w': 'cluster (PostgreSQL, 4 shards, 4 services) + 1 worker',
  'cluster-2w': 'cluster (PostgreSQL, 4 shards, 4 services) + 2 workers',
};

/** CPU of a process group over one level: seconds, and milliseconds per finished payout. */
export interface GroupCpu {
  seconds: number;
  msPerPayout: number;
}

export interface ClusterLevel {
  concurrency: number;
  payouts: number;
  perSecond: number;
  /** CPU by group: temporal (all its processes), postgres (postmaster + backends), workers, ingress, sandbox, driver. */
  cpu: Record<string, GroupCpu>;
  /** Everything `runE2e` measured (latency, answer latency, outcomes, failures, per-process usage). */
  run: PayoutRunResult;
}

export interface ClusterStackResult {
  id: StackId;
  label: string;
  temporalAddress: string;
  workers: number;
  /** Spawn → ready of the stack (Temporal included) in seconds. */
  startupSeconds: number;
  /** Payouts run before the measured levels (not counted). */
  warmup: { payouts: number; concurrency: number; perSecond: number; failures: number };
  levels: ClusterLevel[];
}

export interface ClusterRatios {
  concurrency: number;
  /** cluster + 1 worker ÷ dev server + 1 worker (payouts/s). */
  clusterOverDev: number;
  /** cluster + 2 workers ÷ cluster + 1 worker: what the second worker adds. */
  twoWorkersOverOne: number;
  /** cluster + 2 workers ÷ dev server + 1 worker. */
  cluster2wOverDev: number;
}

export interface ClusterBenchResults {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  machine: MachineInfo & { temporalServer: string; postgres: string };
  options: {
    payouts: number;
    concurrency: number[];
    warmupPayouts: number;
    historyShards: number;
    sandboxStepDelayMs: 0;
    /** Every payout worker's FINTECTURE_MAX_READS_PER_SECOND. */
    readsPerSecond: number;
  };
  stacks: ClusterStackResult[];
  ratios: ClusterRatios[];
}

/** Process name (as `Stack.pids()` names it) → the group it is reported in. */
export function groupOf(name: string): string {
  if (name.startsWith('temporal')) return 'temporal';
  if (name.startsWith('postgres')) return 'postgres';
  if (name.startsWith('worker')) return 'workers';
  return name;
}

export function groupCpu(run: PayoutRunResult): Record<string, GroupCpu> {
  const seconds: Record<string, number> = {};
  for (const [name, usage] of Object.entries(run.cost.usage)) {
    const group = groupOf(name);
    seconds[group] = (seconds[group] ?? 0) + usage.cpuSeconds;
  }
  const finished = Math.max(1, run.latency.count);
  return Object.fromEntries(
    Object.entries(seconds).map(([group, s]) => [
      group,
      { seconds: Math.round(s * 100) / 100, msPerPayout: Math.round((s * 10_000) / finished) / 10 },
    ]),
  );
}

export function ratiosOf(stacks: ClusterStackResult[]): ClusterRatios[] {
  const byId = new Map(stacks.map((stack) => [stack.id, stack]));
  const rate = (id: StackId, concurrency: number) =>
    byId.get(id)?.levels.find((level) => level.concurrency === concurrency)?.perSecond ?? Number.NaN;
  const levels = [...new Set(stacks.flatMap((stack) => stack.levels.map((level) => level.concurrency)))];
  return levels.map((concurrency) => ({
    concurrency,
    clusterOverDev: ratio(rate('cluster-1w', concurrency), rate('dev', concurrency)),
    twoWorkersOverOne: ratio(rate('cluster-2w', concurrency), rate('cluster-1w', concurrency)),
    cluster2wOverDev: ratio(rate('cluster-2w', concurrency), rate('dev', concurrency)),
  }));
}

const ms = (value: number) => (Number.isFinite(value) ? msOf(value) : 'n/a');

const CPU_GROUPS = ['temporal', 'postgres', 'workers', 'ingress', 'sandbox', 'driver'];

export function renderClusterMarkdown(r: ClusterBenchResults): string {
  const levels = r.stacks.flatMap((stack) => stack.levels.map((level) => ({ stack, level })));
  const outcomes = (run: PayoutRunResult) =>
    Object.entries(run.outcomes)
      .map(([outcome, count]) => `${outcome} ${count}`)
      .join(', ') || '–';
  return [
    `# Cluster beside the dev server (${r.finishedAt})`,
    '',
    '`npm run bench:cluster` (bench/README.md, "Cluster beside the dev server"): the same closed-loop',
    'end-to-end scenario-2 workload against three stacks, one after the other, in one run on one machine.',
    '',
    `Machine: ${machineLine(r.machine)}; Temporal server ${r.machine.temporalServer} (cluster), ` +
      `${r.machine.postgres}. Whole run: ${r.wallSeconds} s. ${r.options.payouts} payouts per level after ` +
      `${r.options.warmupPayouts} warm-up payouts per stack; sandbox step delay ${r.options.sandboxStepDelayMs} ms; ` +
      `${r.options.historyShards} history shards.`,
    '',
    '## Payouts per second and latency (order API call → final outcome)',
    '',
    table(
      ['stack', 'in flight × payouts', 'payouts/s', 'p50', 'p95', 'p99', 'failures', 'outcomes'],
      levels.map(({ stack, level }) => [
        stack.label,
        `${level.concurrency} × ${level.payouts}`,
        num(level.perSecond),
        ms(level.run.latency.p50Ms),
        ms(level.run.latency.p95Ms),
        ms(level.run.latency.p99Ms),
        level.run.failures ? `${level.run.failures} (${level.run.firstFailure ?? ''})` : 0,
        outcomes(level.run),
      ]),
    ),
    '',
    '## Ratios within this run (payouts/s)',
    '',
    table(
      [
        'in flight',
        'cluster 1 worker ÷ dev',
        'cluster 2 workers ÷ cluster 1 worker',
        'cluster 2 workers ÷ dev',
      ],
      r.ratios.map((row) => [
        row.concurrency,
        num(row.clusterOverDev),
        `**${num(row.twoWorkersOverOne)}**`,
        num(row.cluster2wOverDev),
      ]),
    ),
    '',
    '## CPU milliseconds per finished payout (/proc, utime + stime)',
    '',
    'temporal: the dev server, or the four cluster services together; postgres: the postmaster and every',
    'backend; workers: all worker processes. Machine busy is all cores, including anything outside the bench.',
    '',
    table(
      ['stack', 'in flight', ...CPU_GROUPS, 'total', 'machine busy (cores)', 'outside the bench (cores)'],
      levels.map(({ stack, level }) => {
        const total = CPU_GROUPS.reduce((sum, group) => sum + (level.cpu[group]?.msPerPayout ?? 0), 0);
        return [
          stack.label,
          level.concurrency,
          ...CPU_GROUPS.map((group) => (level.cpu[group] ? level.cpu[group].msPerPayout : '–')),
          Math.round(total * 10) / 10,
          num(level.run.cost.machine?.busyCores ?? Number.NaN),
          num(level.run.cost.otherCores ?? Number.NaN),
        ];
      }),
    ),
    '',
    `Stack start-up (spawn → ready, Temporal included): ${r.stacks
      .map((stack) => `${stack.label} ${stack.startupSeconds} s`)
      .join('; ')}.`,
    '',
  ].join('\n');
}

export function writeClusterReport(
  results: ClusterBenchResults,
  outDir: string,
): { json: string; markdown: string } {
  return writeResultFiles(
    outDir,
    { json: 'cluster.json', markdown: 'CLUSTER.md' },
    results,
    renderClusterMarkdown,
  );
}
