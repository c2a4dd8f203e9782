import { performance } from 'node:perf_hooks';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { type Deadline, mapLimit } from '../lib/deadline';
import { PhaseMeter, perItem } from '../lib/phase-meter';
import { CEILING_TASK_QUEUE, type Stack } from '../lib/stack';
import { perSecond, summarize } from '../lib/stats';
import { ceilingCreatedUpdate, ceilingEventSignal, type CeilingInput } from '../engine-ceiling/workflows';
import { type PayoutRunResult } from './e2e';

/**
 * The engine ceiling: the same number of workflows as the end-to-end run, of the same shape (as counted in
 * a real scenario-2 history), driven the same way (update-with-start that waits for the first activities,
 * then the signals, then the result) — but with activities that do nothing, no HTTP, no Fintecture, no
 * payload encryption. What the Temporal server and one SDK worker can do on this machine.
 */
export async function runCeiling(
  stack: Stack,
  options: { payouts: number; concurrency: number; tag: string; shape: CeilingInput; deadline: Deadline },
): Promise<PayoutRunResult> {
  const { payouts, concurrency, tag, shape, deadline } = options;
  const client = stack.ceilingClient;
  const ids = Array.from({ length: payouts }, (_, i) => `${tag}-${i}`);
  const latencies: number[] = [];
  const answers: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;

  const meter = await PhaseMeter.start(stack);
  const startedAt = performance.now();
  await mapLimit(ids, concurrency, deadline, async (workflowId) => {
    const t0 = performance.now();
    try {
      await client.withAbortSignal(deadline.signal, async () => {
        const start = new WithStartWorkflowOperation('CeilingWorkflow', {
          workflowId,
          taskQueue: CEILING_TASK_QUEUE,
          args: [shape],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        await client.workflow.executeUpdateWithStart(ceilingCreatedUpdate, { startWorkflowOperation: start });
        answers.push(performance.now() - t0);
        const handle = await start.workflowHandle();
        // Together, as webhooks arrive: the workflow may take several in one workflow task, as a payout does.
        await Promise.all(
          Array.from({ length: shape.signals }, (_, i) => handle.signal(ceilingEventSignal, `event-${i}`)),
        );
        await handle.result();
      });
      latencies.push(performance.now() - t0);
    } catch (error) {
      deadline.check();
      failures += 1;
      firstFailure ??= `${workflowId}: ${error instanceof Error ? error.message : String(error)}`;
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
    outcomes: { COMPLETED: latencies.length },
    failures,
    ...(firstFailure ? { firstFailure } : {}),
    cost,
    perPayout: perItem(cost, latencies.length, elapsedMs),
  };
}
