import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Client } from '@temporalio/client';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { DEFAULT_PAYOUT_SETTINGS, DEFAULT_QUIET_POLL_SECONDS } from '../../domain/payout-settings';
import { type PayoutRequest } from '../../domain/payout-request';
import { fintectureEnvOf, type SandboxReady } from '../../scripts/service-process';
import { startTimeSkippingEnvironment } from '../../test/support/time-skipping';
import {
  awaitCreatedUpdate,
  PAYOUT_WORKFLOW_TYPE,
  payoutWorkflowId,
  type PayoutResult,
  type PayoutWorkflowInput,
} from '../../workflows/messages';
import { type Deadline, mapLimit } from '../lib/deadline';
import { historyEvents, historyShape } from '../lib/history';
import { benchOrder } from '../lib/orders';
import { readsPerSession, type SandboxRequest } from '../lib/sandbox-log';
import { BenchService } from '../lib/services';
import { CODEC_KEYS_FILE, sandboxControlOf } from '../lib/stack';
import { round } from '../lib/stats';

/**
 * History per payout after a simulated week: a small sample of scenario-1 payouts that nobody ever pays,
 * run on the time-skipping test server with the production settings (`DEFAULT_PAYOUT_SETTINGS`: the poll
 * schedule and the quiet delay), by a real worker process talking to a real sandbox process. Each ends
 * EXPIRED at link expiry (7 days) + grace (1 hour). While the payee has not acted, a payout waits quietly:
 * one `watchSession` activity whose retries (`nextRetryDelay`) are the reads, so the test server must skip
 * the retry delays as it skips timers — the simulated days and the outcome say whether it did. Fintecture
 * reads are counted per session in the sandbox's request log (GET /pis/v2/payments/{id}), not taken from the
 * workflow's `polls` (which counts only the reads the workflow saw).
 */

export interface WeekPayout {
  orderId: string;
  outcome: string;
  simulatedDays: number;
  /** The workflow's own count (`view.polls`): reads it applied, not the watch's unchanged reads. */
  polls: number;
  /** GET /pis/v2/payments/{its session} in the sandbox's request log: every read Fintecture saw. */
  fintectureReads: number;
  runs: number;
  historyEvents: number;
  byType: Record<string, number>;
}

export interface WeekResult {
  sample: number;
  wallSeconds: number;
  pollDelaysSeconds: number[];
  /** The settings' quiet delay (reads while the payee has not acted repeat at it). */
  quietPollSeconds: number;
  payouts: WeekPayout[];
  /** Events per payout over its whole life (7 days + 1 hour of grace, every run summed). */
  meanHistoryEvents: number;
  /** The same per 7 simulated days (× 7 ÷ simulated days): the goal's "per waiting payout-week". */
  historyEventsPerPayoutWeek: number;
  meanPolls: number;
  /** Mean Fintecture reads per payout (sandbox log), over its whole life. */
  meanFintectureReads: number;
  /**
   * What the mean reads per payout come to for 10 000 payouts waiting the same week: 10 000 × reads ÷ the
   * simulated seconds (includes the early reads of the schedule, so above the steady state).
   */
  readsPerSecondFor10000: number;
}

/** Events of every run of the workflow (continue-as-new starts a new history). */
async function allRunsEvents(client: Client, workflowId: string) {
  let events = await historyEvents(client, workflowId);
  let runs = 1;
  let all = [...events];
  for (
    let previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    previous;
    runs++
  ) {
    if (runs > 50) break; // bounded: a chain this long would be a bug worth its own report
    events = (await client.workflow.getHandle(workflowId, previous).fetchHistory()).events ?? [];
    all = [...events, ...all];
    previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
  }
  return { events: all, runs };
}

export async function runWeek(options: {
  sample: number;
  runDir: string;
  /** The worker's FINTECTURE_MAX_READS_PER_SECOND. */
  readsPerSecond: number;
  deadline: Deadline;
}): Promise<WeekResult> {
  const { sample, runDir, deadline } = options;
  const logDir = path.join(runDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const startedAt = performance.now();
  let env: TestWorkflowEnvironment | undefined;
  const services: BenchService[] = [];
  try {
    env = await deadline.race(startTimeSkippingEnvironment());
    const sandbox = new BenchService(
      'week-sandbox',
      'sandbox/main.ts',
      {
        PATH: process.env.PATH ?? '',
        SANDBOX_PORT: '0',
        SANDBOX_DATA_DIR: path.join(runDir, 'week-sandbox'),
      },
      path.join(logDir, 'week-sandbox.log'),
    );
    services.push(sandbox);
    const line = await sandbox.waitForOutput('SANDBOX_READY ', 60_000);
    const ready = JSON.parse(line.slice(line.indexOf('{'))) as SandboxReady;
    const taskQueue = 'bench-week';
    const worker = new BenchService(
      'week-worker',
      'workers/main.ts',
      {
        PATH: process.env.PATH ?? '',
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: env.namespace ?? 'default',
        TEMPORAL_TASK_QUEUE: taskQueue,
        PUBLIC_BASE_URL: 'http://127.0.0.1:4000',
        PAYLOAD_CODEC_KEYS_FILE: CODEC_KEYS_FILE,
        WORKFLOW_BUNDLE_PATH: path.join(runDir, 'payout-workflow-bundle.js'),
        WORKER_LOG_LEVEL: 'INFO',
        FINTECTURE_MAX_READS_PER_SECOND: String(options.readsPerSecond),
        ...fintectureEnvOf(ready),
      },
      path.join(logDir, 'week-worker.log'),
    );
    services.push(worker);
    await worker.waitForOutput('"payout worker started"', 90_000);

    const client = env.client;
    const orders = Array.from({ length: sample }, (_, i) => benchOrder(`week-${Date.now()}-${i}`, 1));
    for (const order of orders) {
      const input: PayoutWorkflowInput = { order: order as PayoutRequest, settings: DEFAULT_PAYOUT_SETTINGS };
      const handle = await deadline.race(
        client.workflow.start(PAYOUT_WORKFLOW_TYPE, {
          workflowId: payoutWorkflowId(order.orderId),
          taskQueue,
          args: [input],
        }),
      );
      await deadline.race(handle.executeUpdate(awaitCreatedUpdate, { args: [{}] }));
    }
    const simulatedStart = await env.currentTimeMs();
    // One at a time: each result() lets the server skip time; they all share the simulated clock.
    const results: PayoutResult[] = [];
    for (const order of orders) {
      results.push(
        (await deadline.race(
          client.workflow.getHandle(payoutWorkflowId(order.orderId)).result(),
        )) as PayoutResult,
      );
    }
    // Until the last payout closed: the test server's clock may run on afterwards (it still fires the
    // timeouts of activities that completed, such as an outcome event's 3-day delivery window).
    const closedAt = await Promise.all(
      orders.map(async (order) =>
        (await client.workflow.getHandle(payoutWorkflowId(order.orderId)).describe()).closeTime!.getTime(),
      ),
    );
    const simulatedDays = (Math.max(...closedAt) - simulatedStart) / 86_400_000;
    const requests = await deadline.race(
      sandboxControlOf(ready.baseUrl)<SandboxRequest[]>('GET', '/requests'),
    );
    const reads = readsPerSession(requests);
    const payouts = await mapLimit(orders, 4, deadline, async (order, index) => {
      const { events, runs } = await allRunsEvents(client, payoutWorkflowId(order.orderId));
      const shape = historyShape(events);
      return {
        orderId: order.orderId,
        outcome: results[index]!.outcome,
        simulatedDays: round(simulatedDays, 3),
        polls: results[index]!.polls,
        fintectureReads: reads.get(results[index]!.sessionId ?? '') ?? 0,
        runs,
        historyEvents: events.length,
        byType: shape.byType,
      };
    });
    const mean = (values: number[]) => round(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length));
    const meanHistoryEvents = mean(payouts.map((p) => p.historyEvents));
    const meanFintectureReads = mean(payouts.map((p) => p.fintectureReads));
    return {
      sample,
      wallSeconds: round((performance.now() - startedAt) / 1000),
      pollDelaysSeconds: DEFAULT_PAYOUT_SETTINGS.pollDelaysSeconds,
      quietPollSeconds: DEFAULT_PAYOUT_SETTINGS.quietPollSeconds ?? DEFAULT_QUIET_POLL_SECONDS,
      payouts,
      meanHistoryEvents,
      historyEventsPerPayoutWeek: simulatedDays > 0 ? round((meanHistoryEvents * 7) / simulatedDays) : 0,
      meanPolls: mean(payouts.map((p) => p.polls)),
      meanFintectureReads,
      readsPerSecondFor10000:
        simulatedDays > 0 ? round((10_000 * meanFintectureReads) / (simulatedDays * 86_400), 3) : 0,
    };
  } finally {
    for (const service of services.reverse()) await service.stop().catch(() => {});
    await env?.teardown().catch(() => {});
  }
}
