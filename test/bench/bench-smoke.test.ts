/**
 * `npm run bench` stays runnable: the whole suite in its quick mode (tiny sizes, own Temporal dev server,
 * real processes) must finish and write results whose figures are real measurements — every payout of
 * every run finished, each ratio computed against a ceiling measured in the same run, the chart drawn.
 * Speed itself is not asserted here (that is what the benchmark reports).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { quickOptions, runBench, type BenchResults } from '../../bench/run';

let outDir: string;
let results: BenchResults;

beforeAll(async () => {
  outDir = mkdtempSync(path.join(tmpdir(), 'bench-smoke-'));
  results = await runBench({ ...quickOptions(), outDir, log: () => {} });
}, 600_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

it('writes results.json, RESULTS.md and a PNG chart of the latency percentiles', () => {
  const written = JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8')) as BenchResults;
  expect(written.schemaVersion).toBe(2);
  expect(written.mode).toBe('quick');
  const markdown = readFileSync(path.join(outDir, 'RESULTS.md'), 'utf8');
  expect(markdown).toContain(`${results.machine.cores} cores`);
  expect(markdown).toContain('ratio');
  expect(markdown).toContain('## Goals (issue 15), from this run');
  expect(markdown).toContain('## Read budget');
  const png = path.join(outDir, 'latency.png');
  expect(existsSync(png)).toBe(true);
  expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  expect(statSync(png).size).toBeGreaterThan(1000);
});

it('every end-to-end and ceiling run finished all its payouts, and each ratio divides the two', () => {
  const runs = [...results.e2e.sweep, ...results.e2e.series];
  expect(runs.length).toBeGreaterThan(0);
  for (const run of runs) {
    for (const side of [run.e2e, run.ceiling]) {
      expect(side.failures).toBe(0);
      expect(side.perSecond).toBeGreaterThan(0);
      expect(side.latency.p50Ms).toBeLessThanOrEqual(side.latency.p99Ms);
    }
    expect(run.ratio).toBeCloseTo(run.e2e.perSecond / run.ceiling.perSecond, 2);
  }
});

it('measured the webhook, client-overhead and waiting figures against their ceilings', () => {
  const { headline, webhooks, waiting } = results;
  expect(headline.webhooksToDecrypt.decryptsPerSecond).toBeGreaterThan(0);
  expect(headline.webhooksToDecrypt.webhooksPerSecond).toBeGreaterThan(0);
  expect(webhooks.every((level) => level.run.webhooks > 0 && level.run.failures === 0)).toBe(true);
  // The paced webhooks: sent at the offered rate (not faster), every one's wake read from history.
  for (const { paced } of webhooks) {
    expect(paced).not.toBeNull();
    expect(paced!.failures).toBe(0);
    expect(paced!.offeredPerSecond).toBe(quickOptions().pacedWebhooksPerSecond);
    expect(paced!.elapsedMs).toBeGreaterThanOrEqual(
      ((paced!.webhooks - 1) * 1000) / quickOptions().pacedWebhooksPerSecond,
    );
    expect(paced!.wakeSample).toBe(paced!.webhooks);
  }
  expect(results.growth.map((row) => row.figure)).toContain('webhook wake p99, paced');
  expect(readFileSync(path.join(outDir, 'RESULTS.md'), 'utf8')).toContain('offered /s');
  expect(headline.clientToSdk.fetchRatio).toBeGreaterThan(0);
  expect(headline.clientToSdk.createRatio).toBeGreaterThan(0);
  expect(waiting.map((level) => level.openPayouts)).toEqual(quickOptions().waitingSizes);
  expect(results.shape.real.signals).toBeGreaterThan(0);
});

it('held two workers to the read budget, read every webhooked session, and answered orders during the backlog', () => {
  const budget = results.readBudget!;
  expect(budget).not.toBeNull();
  expect(budget.workers).toBe(2);
  expect(budget.budgetReadsPerSecond).toBe(quickOptions().budgetReadsPerSecond);
  expect(budget.webhooks.failures).toBe(0);
  expect(budget.reads.sessionsRead).toBe(budget.webhooks.signalled);
  expect(budget.reads.total).toBeGreaterThanOrEqual(budget.reads.sessionsRead);
  expect(budget.reads.perWindow.reduce((a, b) => a + b, 0)).toBe(budget.reads.total);
  expect(budget.reads.maxSlidingPerSecond).toBeGreaterThanOrEqual(budget.reads.maxPerSecond);
  for (const run of [budget.orders.idle, budget.orders.duringBacklog]) {
    expect(run.failures).toBe(0);
    expect(run.answerLatency.count).toBe(quickOptions().budgetOrders);
  }
});

it('the simulated week skipped the quiet wait and counted reads from the sandbox log; every goal has a row', () => {
  const week = results.week!;
  expect(week.payouts.every((payout) => payout.outcome === 'EXPIRED')).toBe(true);
  expect(week.payouts[0]!.simulatedDays).toBeGreaterThan(7);
  expect(week.meanFintectureReads).toBeGreaterThan(0);
  expect(results.waiting[0]!.window.steadyStatePollsPerSecond).toBeCloseTo(
    results.waiting[0]!.openPayouts / results.waiting[0]!.window.quietPollSeconds,
    2,
  );
  expect(results.goals).toHaveLength(8);
  expect(results.goals.find((goal) => goal.goal.startsWith('Fintecture reads never'))?.status).not.toBe(
    'not measured',
  );
});
