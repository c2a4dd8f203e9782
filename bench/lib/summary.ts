import { growthRow } from './growth';
import { num } from './markdown';
import {
  type BenchResults,
  type ComparedRun,
  type GoalRow,
  type GrowthRow,
  type WaitingLevel,
  type WebhookLevel,
} from './results';
import { ratio, round } from './stats';

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
    growthRow(
      'webhook wake p99, paced',
      'ms',
      byOpen(
        webhooks.filter((l) => l.paced && l.paced.wakeLatency.count > 0),
        (l) => l.paced!.wakeLatency.p99Ms,
      ),
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

const GOAL_OPEN = 10_000;
const BASE_OPEN = 100;
const RSS_LIMIT_MB = 1024;

/**
 * The goals of issue 15, each from this run: the measured value, the target, met / not met — or not measured
 * when the run had no such point (e.g. a quick run has no 16 in flight and no 10 000 open payouts).
 */
export function goalRows(
  r: Pick<BenchResults, 'e2e' | 'webhooks' | 'waiting' | 'week' | 'readBudget'>,
  quietPollSeconds: number,
): GoalRow[] {
  const rows: GoalRow[] = [];
  const status = (met: boolean): GoalRow['status'] => (met ? 'met' : 'not met');
  const notMeasured = (goal: string, target: string, why: string): GoalRow => ({
    goal,
    measured: why,
    value: null,
    target,
    status: 'not measured',
  });

  for (const concurrency of [16, 64]) {
    const goal = `end-to-end ≥ 0.8 × engine ceiling at ${concurrency} in flight`;
    const run =
      r.e2e.sweep.find((point) => point.concurrency === concurrency) ??
      r.e2e.series.find((point) => point.concurrency === concurrency);
    rows.push(
      run
        ? {
            goal,
            measured: `${run.e2e.perSecond}/s ÷ ${run.ceiling.perSecond}/s (${run.payouts} payouts) = ${run.ratio}`,
            value: run.ratio,
            target: '≥ 0.8',
            status: status(run.ratio >= 0.8),
          }
        : notMeasured(goal, '≥ 0.8', `no run at ${concurrency} in flight`),
    );
  }

  const at = (open: number) => r.webhooks.find((level) => level.openPayouts === open);
  const many = at(GOAL_OPEN);
  const few = at(BASE_OPEN);
  const actedGoal = 'webhooks acted on/s at 10 000 open ≥ 0.8 × at 100 open';
  if (many && few) {
    const value = ratio(many.run.wokenPerSecond, few.run.wokenPerSecond);
    rows.push({
      goal: actedGoal,
      measured: `${num(many.run.wokenPerSecond)}/s ÷ ${num(few.run.wokenPerSecond)}/s = ${num(value)}`,
      value: Number.isFinite(value) ? value : null,
      target: '≥ 0.8',
      status: Number.isFinite(value) ? status(value >= 0.8) : 'not measured',
    });
  } else rows.push(notMeasured(actedGoal, '≥ 0.8', 'no 100 and 10 000 open levels in this run'));

  // Judged on the paced webhooks: under the burst, which offers more than the system acts on, the p99 is
  // the backlog (webhooks ÷ acted-on rate) and grows with the burst's size, whatever a wake costs.
  const wakeGoal = 'webhook wake p99 at 10 000 open';
  const wake = many?.paced ?? many?.run;
  const burstP99 =
    many && many.run.wakeLatency.count > 0 ? round(many.run.wakeLatency.p99Ms / 1000, 2) : null;
  rows.push(
    many && wake && wake.wakeLatency.count > 0
      ? {
          goal: wakeGoal,
          measured: many.paced
            ? `paced at ${many.paced.offeredPerSecond}/s: p99 ${round(wake.wakeLatency.p99Ms / 1000, 2)} s ` +
              `(${wake.wakeLatency.count} sampled); the burst of ${many.run.webhooks} at ` +
              `${many.run.perSecond}/s: p99 ${burstP99 ?? 'n/a'} s`
            : `burst: p99 ${round(wake.wakeLatency.p99Ms / 1000, 2)} s (${wake.wakeLatency.count} sampled)`,
          value: round(wake.wakeLatency.p99Ms / 1000, 2),
          target: '≤ 10 s',
          status: status(wake.wakeLatency.p99Ms <= 10_000),
        }
      : notMeasured(wakeGoal, '≤ 10 s', 'no 10 000 open level in this run'),
  );

  // Computed from the schedule the payouts were given (the window sees only the first minute after creation);
  // the week's reads per payout say what a whole week averages, early reads included.
  const steady = round(GOAL_OPEN / quietPollSeconds, 3);
  const window = r.waiting.find((level) => level.openPayouts === GOAL_OPEN)?.window;
  rows.push({
    goal: 'steady Fintecture calls for 10 000 waiting payouts',
    measured:
      `10 000 ÷ quiet delay ${quietPollSeconds} s = ${steady}/s` +
      (r.week
        ? `; the week's ${r.week.meanFintectureReads} reads per payout average ${r.week.readsPerSecondFor10000}/s for 10 000`
        : '') +
      (window ? `; first ${window.windowSeconds} s after creating 10 000: ${window.pollsPerSecond}/s` : ''),
    value: steady,
    target: '≤ 1/s',
    status: status(steady <= 1),
  });

  const eventsGoal = 'history events per waiting payout-week';
  if (r.week && r.week.payouts.length > 0) {
    const max = Math.max(...r.week.payouts.map((payout) => payout.historyEvents));
    rows.push({
      goal: eventsGoal,
      measured:
        `${r.week.meanHistoryEvents} per payout (max ${max}) over ${r.week.payouts[0]!.simulatedDays} simulated ` +
        `days to ${[...new Set(r.week.payouts.map((payout) => payout.outcome))].join(', ')}`,
      value: r.week.meanHistoryEvents,
      target: '≤ 200',
      status: status(r.week.meanHistoryEvents <= 200),
    });
  } else rows.push(notMeasured(eventsGoal, '≤ 200', 'the simulated week did not run'));

  const rssGoal = 'worker RSS at 10 000 open';
  rows.push(
    window
      ? {
          goal: rssGoal,
          measured: `${window.workerRssMb} MB`,
          value: window.workerRssMb,
          target: `≤ ${RSS_LIMIT_MB} MB`,
          status: status(window.workerRssMb <= RSS_LIMIT_MB),
        }
      : notMeasured(rssGoal, `≤ ${RSS_LIMIT_MB} MB`, 'no 10 000 open level in this run'),
  );

  const budgetGoal = 'Fintecture reads never above the budget, 2 workers';
  const budget = r.readBudget;
  rows.push(
    budget && budget.reads.total > 0
      ? {
          goal: budgetGoal,
          measured:
            `max ${budget.reads.maxPerSecond} reads in a 1-s window (any 1-s interval: ` +
            `${budget.reads.maxSlidingPerSecond}) under budget ${budget.budgetReadsPerSecond}/s, ` +
            `${budget.workers} workers, ${budget.reads.total} reads; max/budget ${budget.reads.ratioMaxToBudget} ` +
            `(server dispatches: max ${budget.dispatches.maxPerSecond} per 1-s window)`,
          value: budget.reads.ratioMaxToBudget,
          target: 'max ÷ budget ≤ 1',
          status: status(budget.reads.withinBudget),
        }
      : notMeasured(budgetGoal, 'max ÷ budget ≤ 1', 'the read-budget figure did not run'),
  );
  return rows;
}
