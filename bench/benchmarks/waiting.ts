import { performance } from 'node:perf_hooks';
import { type Deadline, mapLimit, sleep } from '../lib/deadline';
import { historyEvents } from '../lib/history';
import { benchOrder, postOrder } from '../lib/orders';
import { PhaseMeter, type PhaseCost } from '../lib/phase-meter';
import { type SandboxRequest } from '../lib/sandbox-log';
import { type Stack } from '../lib/stack';
import { perSecond, round, summarize, type LatencySummary } from '../lib/stats';
import { payoutWorkflowId } from '../../domain/identifiers';

/**
 * The scale of waiting: scenario-1 payouts (no beneficiary) that wait for a payee who never comes. They are
 * created through the order API, then left alone for a window while the bench watches what waiting costs:
 * worker memory, Temporal server CPU/memory/persistence, and the polls the worker sends to Fintecture.
 */

export interface WaitingPayout {
  orderId: string;
  sessionId: string;
}

export interface CreationRun {
  payouts: number;
  concurrency: number;
  elapsedMs: number;
  perSecond: number;
  answerLatency: LatencySummary;
  failures: number;
  firstFailure?: string;
  cost: PhaseCost;
}

export async function createWaitingPayouts(
  stack: Stack,
  options: { from: number; to: number; concurrency: number; tag: string; deadline: Deadline },
): Promise<{ created: WaitingPayout[]; run: CreationRun }> {
  const { from, to, concurrency, tag, deadline } = options;
  const ids = Array.from({ length: Math.max(0, to - from) }, (_, i) => `${tag}-${from + i}`);
  const created: WaitingPayout[] = [];
  const answers: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const meter = await PhaseMeter.start(stack);
  const startedAt = performance.now();
  await mapLimit(ids, concurrency, deadline, async (orderId) => {
    const t0 = performance.now();
    const answer = await postOrder(stack.ingressUrl, stack.apiKey, benchOrder(orderId, 1), deadline.signal);
    if (answer.status === 201 && answer.sessionId) {
      answers.push(performance.now() - t0);
      created.push({ orderId, sessionId: answer.sessionId });
    } else {
      failures += 1;
      firstFailure ??= `POST /payouts → ${answer.status} ${answer.error ?? ''}`;
    }
  });
  const elapsedMs = performance.now() - startedAt;
  return {
    created,
    run: {
      payouts: ids.length,
      concurrency,
      elapsedMs: Math.round(elapsedMs),
      perSecond: perSecond(answers.length, elapsedMs),
      answerLatency: summarize(answers),
      failures,
      ...(firstFailure ? { firstFailure } : {}),
      cost: await meter.stop(),
    },
  };
}

export interface WaitingWindow {
  openPayouts: number;
  windowSeconds: number;
  workerRssMb: number;
  workerCores: number;
  temporalRssMb: number;
  temporalCores: number;
  /** Requests the worker sent to Fintecture (the sandbox's request log) per second, by route. */
  sandboxRequestsPerSecond: Record<string, number>;
  pollsPerSecond: number;
  /**
   * The quiet delay the ingress gave these payouts (its PAYOUT_QUIET_POLL_SECONDS): while the payee has not
   * acted, reads follow the poll schedule (30 s, 1 min, 5 min, 30 min, 1 h) capped at it, then repeat it.
   */
  quietPollSeconds: number;
  /**
   * What the quiet schedule gives once every payout reads at the quiet delay: open payouts ÷ quiet delay
   * (10 000 ÷ 14 400 s = 0.69/s with the default), reached about 1 h 37 min after creation with the defaults.
   */
  steadyStatePollsPerSecond: number;
  /** History length of a sample of the open payouts at the end of the window. */
  historyEventsPerPayout: { sample: number; mean: number; max: number };
  cost: PhaseCost;
}

export async function measureWaitingWindow(
  stack: Stack,
  options: { open: WaitingPayout[]; windowMs: number; deadline: Deadline },
): Promise<WaitingWindow> {
  const { open, windowMs, deadline } = options;
  const meter = await PhaseMeter.start(stack);
  const windowStart = Date.now();
  await deadline.race(sleep(windowMs));
  const windowEnd = Date.now();
  const cost = await meter.stop();
  const log = await deadline.race(stack.sandboxControl<SandboxRequest[]>('GET', '/requests'));
  const seconds = (windowEnd - windowStart) / 1000;
  const byRoute: Record<string, number> = {};
  for (const entry of log) {
    const at = Date.parse(entry.at);
    if (at >= windowStart && at < windowEnd) byRoute[entry.route] = (byRoute[entry.route] ?? 0) + 1;
  }
  const rates = Object.fromEntries(
    Object.entries(byRoute).map(([route, n]) => [route, round(n / seconds, 2)]),
  );
  const step = Math.max(1, Math.floor(open.length / 20));
  const sample = open.filter((_, index) => index % step === 0).slice(0, 20);
  const lengths = await mapLimit(
    sample,
    8,
    deadline,
    async (payout) => (await historyEvents(stack.payoutClient, payoutWorkflowId(payout.orderId))).length,
  );
  return {
    openPayouts: open.length,
    windowSeconds: round(seconds),
    workerRssMb: cost.usage.worker?.rssEndMb ?? 0,
    workerCores: cost.usage.worker?.cores ?? 0,
    temporalRssMb: cost.usage.temporal?.rssEndMb ?? 0,
    temporalCores: cost.usage.temporal?.cores ?? 0,
    sandboxRequestsPerSecond: rates,
    pollsPerSecond: rates.fetch ?? 0,
    quietPollSeconds: stack.quietPollSeconds,
    steadyStatePollsPerSecond: round(open.length / stack.quietPollSeconds, 4),
    historyEventsPerPayout: {
      sample: lengths.length,
      mean: round(lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length)),
      max: Math.max(0, ...lengths),
    },
    cost,
  };
}
