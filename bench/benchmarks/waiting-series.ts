import { withDeadline } from '../lib/deadline';
import { type BenchOptions } from '../lib/options';
import { contamination, phaseMs } from '../lib/phase';
import { type ProfileRun, type WaitingLevel, type WebhookLevel } from '../lib/results';
import { type Stack } from '../lib/stack';
import { ratio } from '../lib/stats';
import { runProfiles } from './profile';
import { createWaitingPayouts, measureWaitingWindow, type WaitingPayout } from './waiting';
import { runWebhooks, type WebhookRunResult } from './webhooks';

/**
 * The waiting series: open scenario-1 payouts grow level by level (100 → 1 000 → 10 000 by default); at
 * each level the bench watches a window, then sends webhooks to an even spread of the open payouts. The
 * profiled runs happen after the first level, while few payouts are open.
 */
export async function runWaitingSeries(
  stack: Stack,
  options: BenchOptions & { tag: string; decryptsPerSecond: number },
): Promise<{ waiting: WaitingLevel[]; webhooks: WebhookLevel[]; profile: ProfileRun[] }> {
  const { tag, log } = options;
  const waiting: WaitingLevel[] = [];
  const webhooks: WebhookLevel[] = [];
  let profile: ProfileRun[] = [];
  const open: WaitingPayout[] = [];

  for (const [levelIndex, size] of options.waitingSizes.entries()) {
    const { created, run: creation } = await withDeadline(
      `creating ${size - open.length} waiting payouts`,
      phaseMs(size - open.length),
      (deadline) =>
        createWaitingPayouts(stack, {
          from: open.length,
          to: size,
          concurrency: options.seriesConcurrency,
          tag: `${tag}-wait`,
          deadline,
        }),
    );
    open.push(...created);
    if (open.length === 0)
      throw new Error(`no waiting payout could be created: ${creation.firstFailure ?? '?'}`);
    log(
      `  ${open.length} open: created ${creation.payouts} at ${creation.perSecond}/s` +
        (creation.failures ? `, ${creation.failures} FAILED (${creation.firstFailure})` : '') +
        contamination(creation.cost.otherCores),
    );
    const window = await withDeadline(
      `watching ${open.length} waiting payouts`,
      options.windowMs + 120_000,
      (deadline) => measureWaitingWindow(stack, { open, windowMs: options.windowMs, deadline }),
    );
    log(
      `  ${open.length} open, ${window.windowSeconds} s window: worker RSS ${window.workerRssMb} MB, ` +
        `server RSS ${window.temporalRssMb} MB, server ${window.temporalCores} cores, ` +
        `${window.pollsPerSecond} polls/s (steady state ${window.openPayouts} ÷ ${window.quietPollSeconds} s = ` +
        `${window.steadyStatePollsPerSecond}/s)` +
        contamination(window.cost.otherCores),
    );
    waiting.push({ openPayouts: open.length, creation, window });

    const count = Math.min(open.length, options.webhooksMax);
    const step = open.length / Math.max(1, count);
    const targets = Array.from({ length: count }, (_, i) => open[Math.floor(i * step)]!);
    const run = await withDeadline(`${count} webhooks`, phaseMs(count + options.wakeSample), (deadline) =>
      runWebhooks(stack, {
        targets,
        openPayouts: open.length,
        concurrency: options.webhookConcurrency,
        wakeSample: options.wakeSample,
        deadline,
      }),
    );
    const paced = await runPacedWebhooks(stack, options, open, step);
    const level: WebhookLevel = {
      openPayouts: open.length,
      run,
      paced,
      ceilingPerSecond: options.decryptsPerSecond,
      ratio: ratio(run.perSecond, options.decryptsPerSecond),
    };
    webhooks.push(level);
    log(
      `  ${count} webhooks: ${run.perSecond}/s acknowledged (ratio to decryption ${level.ratio}), ` +
        `${run.wokenPerSecond}/s acted on; ack p50 ${run.ackLatency.p50Ms} ms p99 ${run.ackLatency.p99Ms} ms, ` +
        `wake p50 ${run.wakeLatency.p50Ms} ms p99 ${run.wakeLatency.p99Ms} ms` +
        (run.failures ? `, ${run.failures} FAILED (${run.firstFailure})` : '') +
        contamination(run.cost.otherCores),
    );
    if (paced) {
      log(
        `  ${paced.webhooks} webhooks paced at ${paced.offeredPerSecond}/s: wake p50 ${paced.wakeLatency.p50Ms} ms ` +
          `p99 ${paced.wakeLatency.p99Ms} ms (${paced.wakeSample} sampled)` +
          (paced.failures ? `, ${paced.failures} FAILED (${paced.firstFailure})` : '') +
          contamination(paced.cost.otherCores),
      );
    }

    if (levelIndex === 0 && options.profilePayouts > 0) {
      log(`profiling the worker and the ingress (${options.profilePayouts} payouts, then webhooks)…`);
      profile = await withDeadline('profiled runs', phaseMs(options.profilePayouts * 2, 1000), (deadline) =>
        runProfiles(stack, {
          payouts: options.profilePayouts,
          concurrency: options.seriesConcurrency,
          webhookTargets: [...open],
          openPayouts: open.length,
          webhookConcurrency: options.webhookConcurrency,
          runDir: options.runDir,
          tag: `${tag}-profile`,
          deadline,
        }),
      );
      const top = (list: { name: string; percent: number }[] | undefined) =>
        list
          ?.slice(0, 5)
          .map((share) => `${share.name} ${share.percent}%`)
          .join(', ') ?? 'none';
      for (const profiled of profile) {
        log(
          `  ${profiled.what}: worker ${top(profiled.worker[0]?.byCategory)} | ` +
            `ingress ${top(profiled.ingress[0]?.byCategory)}`,
        );
      }
    }
  }
  return { waiting, webhooks, profile };
}

/**
 * After the burst (whose wakes the burst's sample waited for): webhooks at a fixed offered rate to another
 * even spread of the open payouts (half a burst step further on, so at 10 000 open mostly payouts the burst
 * did not just wake), every wake time read from history.
 */
async function runPacedWebhooks(
  stack: Stack,
  options: BenchOptions,
  open: readonly WaitingPayout[],
  burstStep: number,
): Promise<WebhookRunResult | null> {
  const count = Math.min(open.length, options.pacedWebhooks);
  if (count === 0) return null;
  const step = open.length / count;
  const offset = Math.floor(burstStep / 2);
  const targets = Array.from(
    { length: count },
    (_, i) => open[(Math.floor(i * step) + offset) % open.length]!,
  );
  const sendMs = (count * 1000) / options.pacedWebhooksPerSecond;
  return withDeadline(`${count} paced webhooks`, sendMs + phaseMs(count), (deadline) =>
    runWebhooks(stack, {
      targets,
      openPayouts: open.length,
      // Enough lanes that the pace, not the lanes, sets the rate (each request takes well under 1 s).
      concurrency: 64,
      wakeSample: count,
      offeredPerSecond: options.pacedWebhooksPerSecond,
      deadline,
    }),
  );
}
