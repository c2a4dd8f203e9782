/**
 * `npm run bench`: the payout system measured against its own ceilings, on this machine, in one run
 * (bench/README.md). Importable: `runBench(options)` returns the results and writes them to `outDir`.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runClientOverhead } from './benchmarks/client-overhead';
import { ceilingWithUpserts, compared, measureShape } from './benchmarks/comparison';
import { runDecryptCeiling } from './benchmarks/decrypt-ceiling';
import { readDrainAllowanceMs, runReadBudget } from './benchmarks/read-budget';
import { runWaitingSeries } from './benchmarks/waiting-series';
import { runWeek } from './benchmarks/week';
import { renderChart } from './lib/chart';
import { Deadline, withDeadline } from './lib/deadline';
import { phaseMs } from './lib/phase';
import { machineInfo, machineLine } from './lib/machine';
import { optionsFromEnv, type BenchOptions } from './lib/options';
import { writeReport } from './lib/report';
import { type BenchResults, type ComparedRun } from './lib/results';
import { startStack, type Stack } from './lib/stack';
import { goalRows, growthRows, headline } from './lib/summary';

export { optionsFromEnv, quickOptions, defaultOptions, type BenchOptions } from './lib/options';
export { type BenchResults } from './lib/results';

/** Stops the running stack: set while a run is in progress, so a signal does not leave its processes behind. */
let stopRunningStack: (() => Promise<void>) | undefined;

type Measured = Omit<
  BenchResults,
  | 'schemaVersion'
  | 'mode'
  | 'startedAt'
  | 'finishedAt'
  | 'wallSeconds'
  | 'machine'
  | 'options'
  | 'growth'
  | 'headline'
>;

/**
 * Every phase against one stack, then the read budget on a stack of its own (two workers, the budget), then
 * the simulated week on its own server.
 */
async function measure(options: BenchOptions, whole: Deadline): Promise<Measured> {
  const { log } = options;
  const tag = `b${Date.now().toString(36)}`;
  let stack: Stack | undefined;
  try {
    stack = await whole.race(
      startStack({
        runDir: options.runDir,
        readsPerSecond: options.readsPerSecond,
        log,
        ...(options.workerMaxCachedWorkflows
          ? { workerMaxCachedWorkflows: options.workerMaxCachedWorkflows }
          : {}),
        ...(options.workerHeapGrowingPercent === undefined
          ? {}
          : { workerHeapGrowingPercent: options.workerHeapGrowingPercent }),
        serverDynamicConfig: options.serverDynamicConfig,
      }),
    );
    const live = stack;
    stopRunningStack = () => live.stop();

    log('micro-benchmarks (one thread, the stack idle)…');
    const keys = {
      privateKeyPem: live.merchantPrivateKeyPem,
      appId: live.sandbox.appId,
      durationMs: options.microMs,
    };
    const decrypt = await runDecryptCeiling(keys);
    const clientOverhead = await runClientOverhead(keys);
    log(
      `  RSA-OAEP-${decrypt.keyBits} decryptions: ${decrypt.rawDecrypt.opsPerSecond}/s; our verify function: ` +
        `${decrypt.verifyFunction.opsPerSecond}/s`,
    );
    log(
      `  signed GET: ours ${clientOverhead.fetchPayment.ours.opsPerSecond}/s, ` +
        `SDK ${clientOverhead.fetchPayment.sdk.opsPerSecond}/s; signed POST: ours ` +
        `${clientOverhead.createPayout.ours.opsPerSecond}/s, SDK ${clientOverhead.createPayout.sdk.opsPerSecond}/s`,
    );

    log(`counting the shape of ${options.shapeSamples} real scenario-2 payouts…`);
    await live.startCeilingWorker();
    const { input, shape } = await measureShape(live, { samples: options.shapeSamples, tag, log });

    const sweep: ComparedRun[] = [];
    log('end-to-end vs engine ceiling, by concurrency…');
    for (const concurrency of options.concurrency) {
      whole.check();
      const payouts = Math.min(options.sweepMax, Math.max(options.sweepMin, concurrency * 15));
      sweep.push(
        await compared(live, { payouts, concurrency, tag: `${tag}-c${concurrency}`, shape: input, log }),
      );
    }
    const series: ComparedRun[] = [];
    log(`end-to-end vs engine ceiling, by size (${options.seriesConcurrency} in flight)…`);
    for (const size of options.e2eSizes) {
      whole.check();
      const point = { payouts: size, concurrency: options.seriesConcurrency, tag: `${tag}-n${size}` };
      series.push(await compared(live, { ...point, shape: input, log }));
    }
    whole.check();
    const withUpserts = await ceilingWithUpserts(live, {
      upserts: shape.real.byType.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES ?? 0,
      payouts: options.sweepMax,
      concurrency: options.seriesConcurrency,
      tag,
      shape: input,
      log,
    });
    await live.stopCeilingWorker();

    whole.check();
    log('waiting payouts (scenario 1) and webhooks, by number of open payouts…');
    await live.sandboxControl('POST', '/reset');
    const waitingSeries = await runWaitingSeries(live, {
      ...options,
      tag,
      decryptsPerSecond: decrypt.rawDecrypt.opsPerSecond,
    });
    const quietPollSeconds = live.quietPollSeconds;
    await live.stop();
    stack = undefined;

    let readBudget: BenchResults['readBudget'] = null;
    if (options.budgetPayouts > 0) {
      whole.check();
      const budget = options.budgetReadsPerSecond;
      log(
        `read budget: 2 workers at ${budget} reads/s, ${options.budgetPayouts} waiting payouts, one webhook ` +
          `each, ${options.budgetOrders} orders before and during the backlog…`,
      );
      const budgetMs =
        phaseMs(options.budgetPayouts + options.budgetOrders * 2) +
        readDrainAllowanceMs(options.budgetPayouts, budget);
      readBudget = await withDeadline('the read budget', budgetMs + 120_000, async (deadline) => {
        const budgetStack = await deadline.race(
          startStack({
            runDir: path.join(options.runDir, 'read-budget'),
            bundlesFrom: options.runDir,
            readsPerSecond: budget,
            workers: 2,
            serverDynamicConfig: options.serverDynamicConfig,
            log,
          }),
        );
        stack = budgetStack;
        stopRunningStack = () => budgetStack.stop();
        try {
          return await runReadBudget(budgetStack, {
            payouts: options.budgetPayouts,
            orders: options.budgetOrders,
            creationConcurrency: options.seriesConcurrency,
            webhookConcurrency: 32,
            tag: `${tag}-budget`,
            deadline,
            log,
          });
        } finally {
          await budgetStack.stop();
          stack = undefined;
        }
      });
      const reads = readBudget.reads;
      log(
        `  ${reads.total} reads in ${reads.busySeconds} s: max ${reads.maxPerSecond}/s in a 1-s window ` +
          `(any 1-s interval: ${reads.maxSlidingPerSecond}), mean ${reads.meanPerSecond}/s, budget ${budget}/s → ` +
          `max/budget ${reads.ratioMaxToBudget} (${reads.withinBudget ? 'within' : 'ABOVE'} the budget; ` +
          `sustained ${reads.bucket.sustainedPerSecond}/s, burst ${reads.bucket.burst}; server dispatches: max ` +
          `${readBudget.dispatches.maxPerSecond}/s, burst ${readBudget.dispatches.bucket.burst}); ` +
          `${reads.sessionsRead}/${readBudget.webhooks.signalled} sessions read, drained in ${readBudget.drainSeconds} s; ` +
          `order answer p50 ${readBudget.orders.duringBacklog.answerLatency.p50Ms} ms during the backlog vs ` +
          `${readBudget.orders.idle.answerLatency.p50Ms} ms idle (p99 ${readBudget.orders.duringBacklog.answerLatency.p99Ms} ` +
          `vs ${readBudget.orders.idle.answerLatency.p99Ms} ms)`,
      );
    }

    let week: BenchResults['week'] = null;
    if (options.weekSample > 0) {
      whole.check();
      log(`a simulated week for ${options.weekSample} scenario-1 payout(s) (time-skipping server)…`);
      week = await withDeadline('the simulated week', 600_000, (deadline) =>
        runWeek({
          sample: options.weekSample,
          runDir: options.runDir,
          readsPerSecond: options.readsPerSecond,
          deadline,
        }),
      );
      log(
        `  ${week.meanHistoryEvents} events (${week.historyEventsPerPayoutWeek} per payout-week), ` +
          `${week.meanFintectureReads} Fintecture reads (${week.meanPolls} polls seen by the workflow) per payout; ` +
          `${week.payouts.map((payout) => payout.outcome).join(', ')} after ` +
          `${week.payouts[0]?.simulatedDays} simulated days (${week.wallSeconds} s wall)`,
      );
    }
    const results = {
      e2e: { sweep, series },
      webhooks: waitingSeries.webhooks,
      waiting: waitingSeries.waiting,
      week,
      readBudget,
    };
    return {
      shape,
      micro: { decrypt, clientOverhead },
      e2e: { sweep, series },
      diagnostics: { ceilingWithUpserts: withUpserts },
      webhooks: waitingSeries.webhooks,
      waiting: waitingSeries.waiting,
      week,
      readBudget,
      profile: waitingSeries.profile,
      goals: goalRows(results, quietPollSeconds),
    };
  } finally {
    await stack?.stop();
    stopRunningStack = undefined;
  }
}

export async function runBench(options: BenchOptions = optionsFromEnv()): Promise<BenchResults> {
  const startedAt = new Date();
  const t0 = performance.now();
  const machine = machineInfo();
  options.log(`bench (${options.mode}) on ${machineLine(machine)}`);
  mkdirSync(options.runDir, { recursive: true });
  const whole = new Deadline('the whole bench', options.timeLimitMs);
  let measured: Measured;
  try {
    measured = await measure(options, whole);
  } finally {
    whole.dispose();
  }

  const results: BenchResults = {
    schemaVersion: 2,
    mode: options.mode,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: Math.round((performance.now() - t0) / 1000),
    machine,
    options: { ...options, log: undefined },
    ...measured,
    growth: growthRows(measured.e2e.series, measured.waiting, measured.webhooks),
    headline: headline([...measured.e2e.sweep, ...measured.e2e.series], measured.webhooks, measured.micro),
  };
  const written = writeReport(results, options.outDir);
  const png = await withDeadline('rendering the chart', 120_000, () => renderChart(results, options.outDir));
  options.log(`results: ${written.json}, ${written.markdown}, ${png} (${results.wallSeconds} s)`);
  if (!options.keepData) rmSync(options.runDir, { recursive: true, force: true });
  return results;
}

if (require.main === module) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, stopping the stack…\n`);
      const stopping = stopRunningStack?.() ?? Promise.resolve();
      void stopping.finally(() => process.exit(130));
    });
  }
  runBench().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
