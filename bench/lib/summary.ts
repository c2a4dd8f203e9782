import { growthRow } from './growth';
import {
  type BenchResults,
  type ComparedRun,
  type GrowthRow,
  type WaitingLevel,
  type WebhookLevel,
} from './results';
import { ratio } from './stats';

/** The figures derived from the runs: growth per size, and the headline ratios. */

const bySize = (runs: ComparedRun[], pick: (run: ComparedRun) => number) =>
  runs.map((run) => ({ size: run.payouts, value: pick(run) }));
const byOpen = <T extends { openPayouts: number }>(levels: T[], pick: (level: T) => number) =>
  levels.map((level) => ({ size: level.openPayouts, value: pick(level) }));

export function growthRows(
  series: ComparedRun[],
  waiting: WaitingLevel[],
  webhooks: WebhookLevel[],
): GrowthRow[] {
  return [
    growthRow(
      'end-to-end payouts/s',
      '1/s',
      bySize(series, (r) => r.e2e.perSecond),
    ),
    growthRow(
      'end-to-end p99 latency',
      'ms',
      bySize(series, (r) => r.e2e.latency.p99Ms),
    ),
    growthRow(
      'ceiling workflows/s',
      '1/s',
      bySize(series, (r) => r.ceiling.perSecond),
    ),
    growthRow(
      'e2e / ceiling',
      'ratio',
      bySize(series, (r) => r.ratio),
    ),
    growthRow(
      'scenario-1 creations/s',
      '1/s',
      byOpen(waiting, (l) => l.creation.perSecond),
    ),
    growthRow(
      'worker RSS',
      'MB',
      byOpen(waiting, (l) => l.window.workerRssMb),
    ),
    growthRow(
      'Temporal server RSS',
      'MB',
      byOpen(waiting, (l) => l.window.temporalRssMb),
    ),
    growthRow(
      'Temporal server CPU while waiting',
      'cores',
      byOpen(waiting, (l) => l.window.temporalCores),
    ),
    growthRow(
      'polls/s to Fintecture (window)',
      '1/s',
      byOpen(waiting, (l) => l.window.pollsPerSecond),
    ),
    growthRow(
      'history events per waiting payout',
      'events',
      byOpen(waiting, (l) => l.window.historyEventsPerPayout.mean),
    ),
    growthRow(
      'webhooks acknowledged/s',
      '1/s',
      byOpen(webhooks, (l) => l.run.perSecond),
    ),
    growthRow(
      'webhooks acted on/s',
      '1/s',
      byOpen(webhooks, (l) => l.run.wokenPerSecond),
    ),
    growthRow(
      'webhook wake p99',
      'ms',
      byOpen(webhooks, (l) => l.run.wakeLatency.p99Ms),
    ),
  ];
}

const best = <T>(items: T[], value: (item: T) => number): T =>
  items.reduce((a, b) => (value(b) > value(a) ? b : a), items[0]!);

export function headline(
  runs: ComparedRun[],
  webhooks: WebhookLevel[],
  micro: BenchResults['micro'],
): BenchResults['headline'] {
  const bestE2e = best(runs, (run) => run.e2e.perSecond);
  const bestCeiling = best(runs, (run) => run.ceiling.perSecond);
  const bestWebhooks = best(webhooks, (level) => level.run.perSecond);
  return {
    e2eToCeiling: {
      ratio: ratio(bestE2e.e2e.perSecond, bestCeiling.ceiling.perSecond),
      e2ePerSecond: bestE2e.e2e.perSecond,
      e2eConcurrency: bestE2e.concurrency,
      ceilingPerSecond: bestCeiling.ceiling.perSecond,
      ceilingConcurrency: bestCeiling.concurrency,
    },
    webhooksToDecrypt: {
      ratio: bestWebhooks.ratio,
      webhooksPerSecond: bestWebhooks.run.perSecond,
      decryptsPerSecond: bestWebhooks.ceilingPerSecond,
      openPayouts: bestWebhooks.openPayouts,
    },
    clientToSdk: {
      fetchRatio: micro.clientOverhead.fetchPayment.ratio,
      createRatio: micro.clientOverhead.createPayout.ratio,
    },
  };
}
