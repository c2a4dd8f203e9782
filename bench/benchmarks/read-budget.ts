import { performance } from 'node:perf_hooks';
import { type Deadline, mapLimit, pollUntil } from '../lib/deadline';
import { eventTimeMs, historyEvents } from '../lib/history';
import { benchOrder, postOrder } from '../lib/orders';
import { coversSince, fetchedSession, type SandboxRequest } from '../lib/sandbox-log';
import { type Stack } from '../lib/stack';
import { ratio, round, summarize, type LatencySummary } from '../lib/stats';
import { createWaitingPayouts, type CreationRun, type WaitingPayout } from './waiting';
import { runWebhooks } from './webhooks';
import { payoutWorkflowId } from '../../domain/identifiers';
import { serverReadRate, TEMPORAL_DEFAULT_PARTITIONS } from '../../workers/read-budget';

/**
 * The read budget: two worker processes share the task queues, both with FINTECTURE_MAX_READS_PER_SECOND = B;
 * the Temporal server holds the read queue's dispatch rate (`maxTaskQueueActivitiesPerSecond`) across them.
 * W scenario-1 payouts wait for their payee; then one verified webhook per payout is posted as fast as the
 * bench can, so every workflow cancels its quiet watch and reads at once (`fetchPayout`, read queue): W reads
 * queued together. Fintecture's side of it is the sandbox's request log (arrival times to the millisecond):
 * GET /pis/v2/payments/{id} per 1-second window must stay ≤ B. While that backlog is queued, K scenario-2
 * orders are posted (their token and create run on the write queue) and their order-API latency is compared
 * with the same K posted before, with no backlog: creates must not wait behind reads.
 */

/**
 * How long `reads` queued at once may take to drain under `budget`: three times what the server rate the
 * workers ask for needs on Temporal's default partitions (the server keeps to less than its rate).
 */
export function readDrainAllowanceMs(reads: number, budget: number): number {
  const serverRate = serverReadRate(budget, TEMPORAL_DEFAULT_PARTITIONS) ?? budget;
  return (reads / serverRate) * 3000;
}

export interface OrderLatencyRun {
  orders: number;
  /** POST /payouts → answer (the ingress answers once the create is done, or 202 after its wait). */
  answerLatency: LatencySummary;
  statuses: Record<string, number>;
  failures: number;
  firstFailure?: string;
}

export interface ReadWindows {
  /** Reads (GET /pis/v2/payments/{id}) counted. */
  total: number;
  /** First read → last read, seconds. */
  busySeconds: number;
  /** Reads per 1-second window, the first window starting at the first read. */
  perWindow: number[];
  maxPerSecond: number;
  /** Reads ÷ windows of the busy period. */
  meanPerSecond: number;
  /** The most reads in any 1-second interval (sliding): at least `maxPerSecond`. */
  maxSlidingPerSecond: number;
}

export interface BucketFit {
  /** Rate the burst is measured against (the budget). */
  ratePerSecond: number;
  /**
   * The smallest burst b such that every interval [t_i, t_j] held at most b + rate × (t_j − t_i) reads: what a
   * token bucket of that rate would need to allow what was seen. A limiter of rate B with a burst of B tokens
   * can put up to 2B reads in one 1-second window (a full bucket, then a second of refill).
   */
  burst: number;
  /** (reads − 1) ÷ (last − first read): the rate once the backlog flowed. */
  sustainedPerSecond: number;
}

export interface ReadBudgetResult {
  budgetReadsPerSecond: number;
  workers: number;
  payouts: number;
  creation: CreationRun;
  webhooks: {
    sent: number;
    signalled: number;
    perSecond: number;
    sendSeconds: number;
    failures: number;
    firstFailure?: string;
  };
  /** From the first read after the first webhook to the last waiting session's webhook read: every read. */
  reads: ReadWindows & {
    /** Waiting sessions read after their webhook (should be all the signalled ones). */
    sessionsRead: number;
    /** maxPerSecond ÷ budget. */
    ratioMaxToBudget: number;
    /** maxPerSecond ≤ budget. */
    withinBudget: boolean;
    /** Every request Fintecture received in the busy period, by route. */
    byRoute: Record<string, number>;
    /** The token bucket (rate = budget) that would allow what was seen. */
    bucket: BucketFit;
  };
  /**
   * The server's side of the same reads: when Temporal dispatched each webhook's `fetchPayout` to a worker (its
   * ACTIVITY_TASK_STARTED time in history), per 1-second window; and dispatch → arrival at the sandbox. Reads
   * that arrive bunched although their dispatches kept to the rate were bunched in the worker, not the server.
   */
  dispatches: ReadWindows & { bucket: BucketFit; arrivalLag: LatencySummary };
  /** The same windows over the whole figure (idle orders, creation, webhooks, drain). */
  wholeFigure: ReadWindows;
  /** First webhook sent → the last waiting session read after its webhook. */
  drainSeconds: number;
  orders: {
    idle: OrderLatencyRun;
    duringBacklog: OrderLatencyRun & {
      /** Webhook reads not done yet when the first of these orders was posted, and when the last answered. */
      readsPendingAtStart: number;
      readsPendingAtEnd: number;
    };
    /** During backlog ÷ idle. */
    p50Ratio: number;
    p99Ratio: number;
  };
}

/** Reads per 1-second window from the first of `times` (epoch ms, any order). */
export function readWindows(times: readonly number[]): ReadWindows {
  const sorted = [...times].sort((a, b) => a - b);
  if (sorted.length === 0) {
    return {
      total: 0,
      busySeconds: 0,
      perWindow: [],
      maxPerSecond: 0,
      meanPerSecond: 0,
      maxSlidingPerSecond: 0,
    };
  }
  const first = sorted[0]!;
  const perWindow = new Array<number>(Math.floor((sorted.at(-1)! - first) / 1000) + 1).fill(0);
  for (const at of sorted) perWindow[Math.floor((at - first) / 1000)]! += 1;
  let maxSliding = 0;
  for (let start = 0, end = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + 1000) end++;
    maxSliding = Math.max(maxSliding, end - start);
  }
  return {
    total: sorted.length,
    busySeconds: round((sorted.at(-1)! - first) / 1000, 2),
    perWindow,
    maxPerSecond: Math.max(...perWindow),
    meanPerSecond: round(sorted.length / perWindow.length, 2),
    maxSlidingPerSecond: maxSliding,
  };
}

/** How big a burst a token bucket of `ratePerSecond` needs to explain `times` (epoch ms). */
export function bucketFit(times: readonly number[], ratePerSecond: number): BucketFit {
  const sorted = [...times].sort((a, b) => a - b);
  // max over i ≤ j of (j − i + 1) − rate·(t_j − t_i) = max_j (j + 1 − rate·t_j) − min_{i ≤ j} (i − rate·t_i).
  let burst = 0;
  let lowest = Number.POSITIVE_INFINITY;
  const perMs = ratePerSecond / 1000;
  const t0 = sorted[0] ?? 0;
  sorted.forEach((at, j) => {
    lowest = Math.min(lowest, j - perMs * (at - t0));
    burst = Math.max(burst, j + 1 - perMs * (at - t0) - lowest);
  });
  const span = (sorted.at(-1)! - t0) / 1000;
  return {
    ratePerSecond,
    burst: round(burst, 2),
    sustainedPerSecond: sorted.length > 1 && span > 0 ? round((sorted.length - 1) / span, 2) : 0,
  };
}

/** K scenario-2 orders, one after the other, each timed from POST to answer. */
async function postOrders(stack: Stack, orders: number, tag: string, deadline: Deadline) {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let failures = 0;
  let firstFailure: string | undefined;
  for (let i = 0; i < orders; i++) {
    deadline.check();
    const t0 = performance.now();
    const answer = await postOrder(
      stack.ingressUrl,
      stack.apiKey,
      benchOrder(`${tag}-${i}`, 2),
      deadline.signal,
    );
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    if (answer.status === 201 || answer.status === 202) latencies.push(performance.now() - t0);
    else {
      failures += 1;
      firstFailure ??= `POST /payouts → ${answer.status} ${answer.error ?? ''}`;
    }
  }
  const run: OrderLatencyRun = {
    orders,
    answerLatency: summarize(latencies),
    statuses,
    failures,
    ...(firstFailure ? { firstFailure } : {}),
  };
  return run;
}

export async function runReadBudget(
  stack: Stack,
  options: {
    payouts: number;
    orders: number;
    creationConcurrency: number;
    webhookConcurrency: number;
    tag: string;
    deadline: Deadline;
    log: (line: string) => void;
  },
): Promise<ReadBudgetResult> {
  const { payouts, orders, tag, deadline, log } = options;
  const budget = stack.readsPerSecond;
  const figureStart = Date.now();
  const requestLog = () => deadline.race(stack.sandboxControl<SandboxRequest[]>('GET', '/requests'));

  const idle = await postOrders(stack, orders, `${tag}-idle`, deadline);
  log(
    `  ${orders} orders, no backlog: answer p50 ${idle.answerLatency.p50Ms} ms, p99 ${idle.answerLatency.p99Ms} ms`,
  );

  const { created, run: creation } = await createWaitingPayouts(stack, {
    from: 0,
    to: payouts,
    concurrency: options.creationConcurrency,
    tag: `${tag}-wait`,
    deadline,
  });
  log(
    `  ${created.length} waiting payouts created at ${creation.perSecond}/s` +
      (creation.failures ? `, ${creation.failures} FAILED (${creation.firstFailure})` : ''),
  );

  // One webhook each, as fast as the bench sends them; each signalled one makes its workflow read at once.
  const sentAt = new Map<string, number>();
  const webhookStart = Date.now();
  const webhookRun = await runWebhooks(stack, {
    targets: created,
    openPayouts: created.length,
    concurrency: options.webhookConcurrency,
    wakeSample: 0,
    deadline,
    onSignalled: (target: WaitingPayout, at: number) => sentAt.set(target.sessionId, at),
  });

  /** Waiting sessions read after their webhook, as of `log`, with the time of that first read. */
  const webhookReads = (log: SandboxRequest[]) => {
    const readAt = new Map<string, number>();
    for (const entry of log) {
      const session = fetchedSession(entry);
      const sent = session === null ? undefined : sentAt.get(session);
      const at = Date.parse(entry.at);
      if (session !== null && sent !== undefined && at >= sent && !readAt.has(session))
        readAt.set(session, at);
    }
    return readAt;
  };
  const pendingAtStart = sentAt.size - webhookReads(await requestLog()).size;
  const during = await postOrders(stack, orders, `${tag}-backlog`, deadline);
  const pendingAtEnd = sentAt.size - webhookReads(await requestLog()).size;
  log(
    `  ${orders} orders during the read backlog (${pendingAtStart} → ${pendingAtEnd} reads pending): answer ` +
      `p50 ${during.answerLatency.p50Ms} ms, p99 ${during.answerLatency.p99Ms} ms`,
  );

  // Until every signalled session was read (bounded by the drain's allowance, plus a minute).
  const finalLog = await pollUntil(
    deadline,
    { intervalMs: 500, attempts: Math.ceil((readDrainAllowanceMs(sentAt.size, budget) / 1000 + 60) * 2) },
    requestLog,
    (log) => webhookReads(log).size >= sentAt.size,
  );
  if (!coversSince(finalLog, figureStart)) {
    throw new Error('the sandbox request log overflowed during the read-budget figure: use fewer payouts');
  }
  const readAt = webhookReads(finalLog);
  const lastWebhookRead = Math.max(0, ...readAt.values());
  // Reads of the waiting payouts' sessions: what goes through the read queue. The K orders' own reads (the
  // create's, `identifySession`) run on the write queue, outside the budget, and are not counted here.
  const waitingSessions = new Set(created.map((payout) => payout.sessionId));
  const reads = finalLog
    .filter((entry) => entry.route === 'fetch' && waitingSessions.has(fetchedSession(entry) ?? ''))
    .map((entry) => Date.parse(entry.at))
    .filter((at) => at >= figureStart);
  const busyReads = reads.filter((at) => at >= webhookStart && at <= lastWebhookRead);
  const firstBusy = Math.min(...busyReads);
  const byRoute: Record<string, number> = {};
  for (const entry of finalLog) {
    const at = Date.parse(entry.at);
    if (at >= firstBusy && at <= lastWebhookRead) byRoute[entry.route] = (byRoute[entry.route] ?? 0) + 1;
  }
  const windows = readWindows(busyReads);

  // Server side: each webhook read's dispatch time, from its payout's history (read after the run).
  const arrivals = new Map<string, number[]>();
  for (const entry of finalLog) {
    const session = fetchedSession(entry);
    if (session !== null) arrivals.set(session, [...(arrivals.get(session) ?? []), Date.parse(entry.at)]);
  }
  const dispatched = await mapLimit(created, 8, deadline, async (payout) => {
    const sent = sentAt.get(payout.sessionId);
    if (sent === undefined) return null;
    const events = await historyEvents(stack.payoutClient, payoutWorkflowId(payout.orderId));
    const scheduled = events.find(
      (event) =>
        event.activityTaskScheduledEventAttributes?.activityType?.name === 'fetchPayout' &&
        eventTimeMs(event) >= sent,
    );
    const started = events.find(
      (event) =>
        scheduled?.eventId != null &&
        Number(event.activityTaskStartedEventAttributes?.scheduledEventId ?? -1) ===
          Number(scheduled.eventId),
    );
    if (!started) return null;
    const at = eventTimeMs(started);
    // Its GET: the session's first arrival at or after the dispatch (an earlier one was a quiet read).
    const arrived = arrivals.get(payout.sessionId)?.find((time) => time >= at);
    return { at, lag: arrived === undefined ? null : arrived - at };
  });
  const dispatchTimes = dispatched.flatMap((entry) => (entry ? [entry.at] : []));
  const lags = dispatched.flatMap((entry) => (entry && entry.lag !== null ? [entry.lag] : []));
  return {
    budgetReadsPerSecond: budget,
    workers: Object.keys(stack.pids()).filter((name) => /^worker(-\d+)?$/.test(name)).length,
    payouts,
    creation,
    webhooks: {
      sent: webhookRun.webhooks,
      signalled: sentAt.size,
      perSecond: webhookRun.perSecond,
      sendSeconds: round(webhookRun.elapsedMs / 1000, 2),
      failures: webhookRun.failures,
      ...(webhookRun.firstFailure ? { firstFailure: webhookRun.firstFailure } : {}),
    },
    reads: {
      ...windows,
      sessionsRead: readAt.size,
      ratioMaxToBudget: ratio(windows.maxPerSecond, budget),
      withinBudget: windows.maxPerSecond <= budget,
      byRoute,
      bucket: bucketFit(busyReads, budget),
    },
    dispatches: {
      ...readWindows(dispatchTimes),
      bucket: bucketFit(dispatchTimes, budget),
      arrivalLag: summarize(lags),
    },
    wholeFigure: readWindows(reads),
    drainSeconds: round((lastWebhookRead - webhookStart) / 1000, 2),
    orders: {
      idle,
      duringBacklog: { ...during, readsPendingAtStart: pendingAtStart, readsPendingAtEnd: pendingAtEnd },
      p50Ratio: ratio(during.answerLatency.p50Ms, idle.answerLatency.p50Ms),
      p99Ratio: ratio(during.answerLatency.p99Ms, idle.answerLatency.p99Ms),
    },
  };
}
