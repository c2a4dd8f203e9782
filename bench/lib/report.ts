import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machineLine } from './machine';
import { ms, num, table } from './markdown';
import { type BenchResults } from './results';
import { type LatencySummary } from './stats';

/** Writes results.json and RESULTS.md. */
export function writeReport(results: BenchResults, outDir: string): { json: string; markdown: string } {
  return writeResultFiles(outDir, { json: 'results.json', markdown: 'RESULTS.md' }, results, renderMarkdown);
}

/** Writes `results` as JSON and rendered as Markdown into `outDir`, under the given file names. */
export function writeResultFiles<T>(
  outDir: string,
  names: { json: string; markdown: string },
  results: T,
  render: (results: T) => string,
): { json: string; markdown: string } {
  mkdirSync(outDir, { recursive: true });
  const json = path.join(outDir, names.json);
  const markdown = path.join(outDir, names.markdown);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(markdown, render(results));
  return { json, markdown };
}

function readBudgetLines(r: BenchResults): string[] {
  const b = r.readBudget;
  if (!b) return ['Read budget: not run.', ''];
  const o = b.orders;
  return [
    `## Read budget (${b.workers} workers, FINTECTURE_MAX_READS_PER_SECOND = ${b.budgetReadsPerSecond})`,
    '',
    `${b.payouts} waiting scenario-1 payouts, one verified webhook each (${b.webhooks.signalled} signalled in ` +
      `${b.webhooks.sendSeconds} s, ${b.webhooks.perSecond}/s): each workflow reads its session at once, on the ` +
      `read queue. Reads = GET /pis/v2/payments/{id} in the sandbox's request log, per 1-second window from the ` +
      `first read after the first webhook to the last webhook read.`,
    '',
    table(
      [
        'reads',
        'busy',
        'max / 1-s window',
        'max / any 1-s interval',
        'mean /s',
        'budget /s',
        'max ÷ budget',
        'drained in',
      ],
      [
        [
          b.reads.total,
          `${b.reads.busySeconds} s`,
          b.reads.maxPerSecond,
          b.reads.maxSlidingPerSecond,
          b.reads.meanPerSecond,
          b.budgetReadsPerSecond,
          `${num(b.reads.ratioMaxToBudget)}${b.reads.withinBudget ? '' : ' (above!)'}`,
          `${b.drainSeconds} s`,
        ],
      ],
    ),
    '',
    `Reads per 1-s window: ${b.reads.perWindow.join(', ')}. Sustained ${b.reads.bucket.sustainedPerSecond}/s ` +
      `(reads − 1 over first → last read); a token bucket of ${b.reads.bucket.ratePerSecond}/s would need a burst ` +
      `of ${b.reads.bucket.burst} reads to allow what was seen. Requests in the busy period by route: ` +
      `${statusesOf(b.reads.byRoute)}.`,
    '',
    `Server side (each webhook read's \`fetchPayout\` dispatch, ACTIVITY_TASK_STARTED in its history): ` +
      `${b.dispatches.total} dispatches, max ${b.dispatches.maxPerSecond} per 1-s window (any 1-s interval: ` +
      `${b.dispatches.maxSlidingPerSecond}), sustained ${b.dispatches.bucket.sustainedPerSecond}/s, burst ` +
      `${b.dispatches.bucket.burst}; dispatch → arrival at the sandbox p50 ${ms(b.dispatches.arrivalLag.p50Ms)}, ` +
      `p99 ${ms(b.dispatches.arrivalLag.p99Ms)}.`,
    '',
    `Whole figure (idle orders, creation, webhooks, drain): ${b.wholeFigure.total} reads, max ` +
      `${b.wholeFigure.maxPerSecond} per 1-s window (any 1-s interval: ${b.wholeFigure.maxSlidingPerSecond}). ` +
      `It includes reads the write queue makes outside the budget (a scenario-1 create reads its new session ` +
      `once to learn its status), so only the busy period is held against the budget.`,
    '',
    table(
      [
        'scenario-2 orders (POST /payouts → answer)',
        'orders',
        'p50 / p95 / p99',
        'statuses',
        'reads pending',
      ],
      [
        ['no backlog', o.idle.orders, pcts(o.idle.answerLatency), statusesOf(o.idle.statuses), 0],
        [
          'during the read backlog',
          o.duringBacklog.orders,
          pcts(o.duringBacklog.answerLatency),
          statusesOf(o.duringBacklog.statuses),
          `${o.duringBacklog.readsPendingAtStart} → ${o.duringBacklog.readsPendingAtEnd}`,
        ],
      ],
    ),
    '',
    `During ÷ no backlog: p50 ${num(o.p50Ratio)}, p99 ${num(o.p99Ratio)}.`,
    '',
  ];
}

const statusesOf = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .map(([status, count]) => `${status} ×${count}`)
    .join(', ');

const pcts = (l: LatencySummary) => (l.count ? `${ms(l.p50Ms)} / ${ms(l.p95Ms)} / ${ms(l.p99Ms)}` : 'n/a');

export function renderMarkdown(r: BenchResults): string {
  const h = r.headline;
  const c = r.micro.clientOverhead;
  const d = r.micro.decrypt;
  const lines: string[] = [
    `# Benchmark results (${r.mode} run, ${r.finishedAt})`,
    '',
    `Machine: ${machineLine(r.machine)}. Whole run: ${Math.round(r.wallSeconds)} s.`,
    '',
    '## Goals (issue 15), from this run',
    '',
    table(
      ['goal', 'measured', 'target', 'status'],
      r.goals.map((goal) => [
        goal.goal,
        goal.measured,
        goal.target,
        goal.status === 'met' ? 'met' : `**${goal.status}**`,
      ]),
    ),
    '',
    '## Against the ceilings',
    '',
    table(
      ['figure', 'ours', 'ceiling (same machine, same run)', 'ratio'],
      [
        [
          `end-to-end scenario-2 payouts/s (best: ${h.e2eToCeiling.e2eConcurrency} in flight)`,
          h.e2eToCeiling.e2ePerSecond,
          `${h.e2eToCeiling.ceilingPerSecond} no-op workflows/s of the same shape (best: ${h.e2eToCeiling.ceilingConcurrency} in flight)`,
          h.e2eToCeiling.ratio,
        ],
        [
          `verified webhooks/s (${h.webhooksToDecrypt.openPayouts} open payouts)`,
          h.webhooksToDecrypt.webhooksPerSecond,
          `${h.webhooksToDecrypt.decryptsPerSecond} RSA-OAEP-${d.keyBits} decryptions/s (1 thread)`,
          h.webhooksToDecrypt.ratio,
        ],
        [
          'signed GET /payments/{id} per s, our client',
          c.fetchPayment.ours.opsPerSecond,
          `${c.fetchPayment.sdk.opsPerSecond} by fintecture-client ${r.machine.fintectureClientSdk}`,
          c.fetchPayment.ratio,
        ],
        [
          'signed POST /request-for-payout per s, our client',
          c.createPayout.ours.opsPerSecond,
          `${c.createPayout.sdk.opsPerSecond} by fintecture-client`,
          c.createPayout.ratio,
        ],
      ],
    ),
    '',
    `Ceiling workflow shape (counted from ${r.shape.sampled} real scenario-2 histories): ` +
      `${r.shape.ceilingInput.activitiesBefore} activities, ${r.shape.ceilingInput.signals} signal(s), ` +
      `${r.shape.ceilingInput.activitiesAfter} activity; history events ${r.shape.real.events} (payout) vs ` +
      `${r.shape.ceiling.events} (ceiling).`,
    '',
    '## End-to-end vs engine ceiling, by concurrency (latency p50 / p95 / p99)',
    '',
    table(
      ['in flight', 'payouts', 'e2e /s', 'e2e latency', 'ceiling /s', 'ceiling latency', 'ratio'],
      [...r.e2e.sweep, ...r.e2e.series].map((run) => [
        run.concurrency,
        run.payouts,
        run.e2e.perSecond,
        pcts(run.e2e.latency),
        run.ceiling.perSecond,
        pcts(run.ceiling.latency),
        num(run.ratio),
      ]),
    ),
    '',
    '## Where the CPU goes (milliseconds of CPU per finished payout; persistence = SQLite calls per payout)',
    '',
    table(
      [
        'in flight',
        'payouts',
        'run',
        'Temporal',
        'worker',
        'ingress',
        'sandbox',
        'driver',
        'persistence',
        'machine busy',
      ],
      [...r.e2e.sweep, ...r.e2e.series].flatMap((run) =>
        (['e2e', 'ceiling'] as const).map((kind) => {
          const cpu = run[kind].perPayout.cpuMs;
          return [
            run.concurrency,
            run.payouts,
            kind,
            cpu.temporal ?? 0,
            kind === 'e2e' ? (cpu.worker ?? 0) : (cpu.ceilingWorker ?? 0),
            kind === 'e2e' ? (cpu.ingress ?? 0) : '-',
            kind === 'e2e' ? (cpu.sandbox ?? 0) : '-',
            cpu.driver ?? 0,
            run[kind].perPayout.persistenceOps ?? 'n/a',
            `${run[kind].cost.machine?.busyCores ?? '?'} cores` +
              ((run[kind].cost.otherCores ?? 0) > 0.2 ? ` (${run[kind].cost.otherCores} outside!)` : ''),
          ];
        }),
      ),
    ),
    '',
    ...(r.diagnostics.ceilingWithUpserts
      ? [
          `Diagnostic: the ceiling with the payout's ${r.diagnostics.ceilingWithUpserts.upserts} search-attribute ` +
            `upserts added: ${r.diagnostics.ceilingWithUpserts.run.perSecond}/s, ` +
            `${r.diagnostics.ceilingWithUpserts.run.perPayout.persistenceOps} persistence calls per workflow ` +
            `(${r.diagnostics.ceilingWithUpserts.run.payouts} × ${r.diagnostics.ceilingWithUpserts.run.concurrency} in flight).`,
          '',
        ]
      : []),
    '## Webhook ingress (ack = 200 returned; wake = the workflow acted on it)',
    '',
    table(
      [
        'open payouts',
        'webhooks',
        'acked /s',
        'acted on /s',
        'ack p50 / p95 / p99',
        'wake p50 / p95 / p99',
        'ingress cores',
        'ratio to decrypt',
      ],
      r.webhooks.map((level) => [
        level.openPayouts,
        level.run.webhooks,
        level.run.perSecond,
        num(level.run.wokenPerSecond),
        pcts(level.run.ackLatency),
        pcts(level.run.wakeLatency),
        level.run.cost.usage.ingress?.cores ?? 'n/a',
        num(level.ratio),
      ]),
    ),
    '',
    'Then webhooks at a fixed offered rate (open loop, to payouts the burst mostly did not wake): the wake ' +
      'latency of a load the system carries. The burst offers more than it acts on, so its wake latency is ' +
      'mostly the backlog.',
    '',
    table(
      ['open payouts', 'webhooks', 'offered /s', 'acked /s', 'wake p50 / p95 / p99', 'sampled', 'failures'],
      r.webhooks.flatMap((level) =>
        level.paced
          ? [
              [
                level.openPayouts,
                level.paced.webhooks,
                level.paced.offeredPerSecond ?? 'n/a',
                level.paced.perSecond,
                pcts(level.paced.wakeLatency),
                level.paced.wakeSample,
                level.paced.failures,
              ],
            ]
          : [],
      ),
    ),
    '',
    '## Waiting (scenario 1, nobody pays)',
    '',
    table(
      [
        'open payouts',
        'created /s',
        'worker RSS',
        'server RSS',
        'server cores',
        'worker cores',
        'polls/s (window)',
        'quiet delay',
        'polls/s (steady)',
        'events/payout',
      ],
      r.waiting.map((level) => [
        level.openPayouts,
        level.creation.perSecond,
        `${level.window.workerRssMb} MB`,
        `${level.window.temporalRssMb} MB`,
        level.window.temporalCores,
        level.window.workerCores,
        level.window.pollsPerSecond,
        `${level.window.quietPollSeconds} s`,
        level.window.steadyStatePollsPerSecond,
        level.window.historyEventsPerPayout.mean,
      ]),
    ),
    '',
    'Polls/s (steady) = open payouts ÷ the quiet delay the ingress gives them (reads while the payee has not acted).',
    '',
    r.week
      ? `After a simulated week (time-skipping server, sample of ${r.week.sample}, quiet delay ` +
        `${r.week.quietPollSeconds} s): ${r.week.meanHistoryEvents} history events per payout ` +
        `(${r.week.historyEventsPerPayoutWeek} per payout-week), ${r.week.meanFintectureReads} Fintecture reads ` +
        `per payout (sandbox log; ${r.week.meanPolls} reads applied by the workflow), ` +
        `${r.week.readsPerSecondFor10000} reads/s for 10 000 such payouts ` +
        `(outcome ${r.week.payouts.map((p) => p.outcome).join(', ')}, ` +
        `${r.week.payouts[0]?.simulatedDays ?? '?'} simulated days, ${r.week.payouts[0]?.runs ?? '?'} run(s), ` +
        `${r.week.wallSeconds} s wall).`
      : 'Simulated week: not run.',
    '',
    ...readBudgetLines(r),
    '## Cost growth (elasticity: 0 flat, 1 linear)',
    '',
    table(
      ['figure', 'values', 'growth'],
      r.growth.map((row) => [
        `${row.figure} (${row.unit})`,
        row.values.map((v) => `${v.size}: ${num(v.value)}`).join(', '),
        row.verdict,
      ]),
    ),
    '',
  ];
  for (const run of r.profile) {
    const worker = run.worker[0];
    const ingress = run.ingress[0];
    lines.push(
      `Profile (${run.what}): worker busiest thread ${worker?.busyMs ?? 0} ms — ` +
        (worker?.byCategory
          .slice(0, 4)
          .map((s) => `${s.name} ${s.percent}%`)
          .join(', ') ?? 'no profile') +
        `; ingress busiest thread ${ingress?.busyMs ?? 0} ms — ` +
        (ingress?.byCategory
          .slice(0, 4)
          .map((s) => `${s.name} ${s.percent}%`)
          .join(', ') ?? 'no profile') +
        '.',
      '',
    );
  }
  return lines.join('\n');
}
