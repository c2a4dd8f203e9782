import { performance } from 'node:perf_hooks';
import { type Deadline, mapLimit } from '../lib/deadline';
import { benchOrder, postOrder } from '../lib/orders';
import { PhaseMeter, perItem, type PerItemCost, type PhaseCost } from '../lib/phase-meter';
import { type Stack } from '../lib/stack';
import { perSecond, summarize, type LatencySummary } from '../lib/stats';
import { payoutWorkflowId } from '../../domain/identifiers';

/**
 * End-to-end payouts: scenario-2 orders posted to the ingress (`POST /payouts`, API key), each followed to
 * its final outcome (the workflow's result, long-polled from Temporal, so following adds no polling load).
 * `concurrency` payouts are in flight at any time (closed loop: a lane posts the next order once its
 * payout has finished).
 */

export interface PayoutRunResult {
  payouts: number;
  concurrency: number;
  elapsedMs: number;
  perSecond: number;
  /** Order API call → final outcome. */
  latency: LatencySummary;
  /** Order API call → its answer (the payout created at Fintecture). */
  answerLatency: LatencySummary;
  outcomes: Record<string, number>;
  failures: number;
  firstFailure?: string;
  cost: PhaseCost;
  /** The same, per finished payout. */
  perPayout: PerItemCost;
}

export async function runE2e(
  stack: Stack,
  options: { payouts: number; concurrency: number; tag: string; deadline: Deadline },
): Promise<PayoutRunResult> {
  const { payouts, concurrency, tag, deadline } = options;
  const ids = Array.from({ length: payouts }, (_, i) => `${tag}-${i}`);
  const latencies: number[] = [];
  const answers: number[] = [];
  const outcomes: Record<string, number> = {};
  let failures = 0;
  let firstFailure: string | undefined;
  const fail = (why: string) => {
    failures += 1;
    firstFailure ??= why;
  };

  const meter = await PhaseMeter.start(stack);
  const startedAt = performance.now();
  await mapLimit(ids, concurrency, deadline, async (orderId) => {
    const t0 = performance.now();
    const answer = await postOrder(stack.ingressUrl, stack.apiKey, benchOrder(orderId, 2), deadline.signal);
    if (answer.status !== 201 && answer.status !== 202) {
      fail(`POST /payouts → ${answer.status} ${answer.error ?? ''}`);
      return;
    }
    answers.push(performance.now() - t0);
    try {
      const result = (await stack.payoutClient.withAbortSignal(deadline.signal, () =>
        stack.payoutClient.workflow.getHandle(payoutWorkflowId(orderId)).result(),
      )) as { outcome: string };
      latencies.push(performance.now() - t0);
      outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
    } catch (error) {
      deadline.check();
      fail(
        `result of ${payoutWorkflowId(orderId)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });
  const elapsedMs = performance.now() - startedAt;
  const cost = await meter.stop();
  return {
    payouts,
    concurrency,
    elapsedMs: Math.round(elapsedMs),
    perSecond: perSecond(latencies.length, elapsedMs),
    latency: summarize(latencies),
    answerLatency: summarize(answers),
    outcomes,
    failures,
    ...(firstFailure ? { firstFailure } : {}),
    cost,
    perPayout: perItem(cost, latencies.length, elapsedMs),
  };
}
