import { withDeadline } from '../lib/deadline';
import { historyEvents, historyShape, type HistoryShape } from '../lib/history';
import { phaseMs, runLine } from '../lib/phase';
import { type BenchResults, type ComparedRun } from '../lib/results';
import { type Stack } from '../lib/stack';
import { ratio } from '../lib/stats';
import { type CeilingInput } from '../engine-ceiling/workflows';
import { runCeiling } from './ceiling';
import { runE2e } from './e2e';
import { payoutWorkflowId } from '../../domain/identifiers';

/**
 * End-to-end payouts against the engine ceiling: the ceiling's shape counted from real payouts, then each
 * (concurrency, size) point run twice — ceiling first, then end-to-end — in the same stack.
 */

/** The most common (activities before the first signal, signals, activities) among real histories. */
export function ceilingShapeOf(shapes: HistoryShape[]): { input: CeilingInput; real: HistoryShape } {
  const groups = new Map<string, HistoryShape[]>();
  for (const shape of shapes) {
    const key = `${shape.activitiesBeforeFirstSignal}/${shape.signals}/${shape.activities}`;
    groups.set(key, [...(groups.get(key) ?? []), shape]);
  }
  const common = [...groups.values()].sort((a, b) => b.length - a.length)[0]!;
  // The representative: the median history length of the most common shape (not a rare retried one).
  const real = [...common].sort((a, b) => a.events - b.events)[Math.floor(common.length / 2)]!;
  return {
    real,
    input: {
      activitiesBefore: real.activitiesBeforeFirstSignal,
      signals: real.signals,
      activitiesAfter: real.activities - real.activitiesBeforeFirstSignal,
    },
  };
}

/** Runs `samples` real scenario-2 payouts one at a time and counts their histories. */
export async function measureShape(
  stack: Stack,
  options: { samples: number; tag: string; log: (line: string) => void },
): Promise<{ input: CeilingInput; shape: BenchResults['shape'] }> {
  const { samples, tag, log } = options;
  const run = await withDeadline('shape payouts', phaseMs(samples), (deadline) =>
    runE2e(stack, { payouts: samples, concurrency: 1, tag: `${tag}-shape`, deadline }),
  );
  if (run.failures) throw new Error(`real payouts failed: ${run.firstFailure}`);
  const shapes = await Promise.all(
    Array.from({ length: samples }, async (_, i) =>
      historyShape(await historyEvents(stack.payoutClient, payoutWorkflowId(`${tag}-shape-${i}`))),
    ),
  );
  const { input, real } = ceilingShapeOf(shapes);
  const types = Object.entries(real.activityTypes)
    .map(([name, count]) => `${name} ×${count}`)
    .join(', ');
  log(
    `  ${real.activities} activities (${types}), ${real.signals} signals (webhooks), ${real.events} events; ` +
      `ceiling: ${JSON.stringify(input)}`,
  );
  await withDeadline('ceiling shape', phaseMs(1), (deadline) =>
    runCeiling(stack, { payouts: 1, concurrency: 1, tag: `${tag}-ceiling-shape`, shape: input, deadline }),
  );
  const ceiling = historyShape(await historyEvents(stack.ceilingClient, `${tag}-ceiling-shape-0`));
  return { input, shape: { sampled: shapes.length, real, ceilingInput: input, ceiling } };
}

export async function compared(
  stack: Stack,
  options: {
    payouts: number;
    concurrency: number;
    tag: string;
    shape: CeilingInput;
    log: (l: string) => void;
  },
): Promise<ComparedRun> {
  const { payouts, concurrency, tag, shape, log } = options;
  const ceiling = await withDeadline(`ceiling ${payouts} × ${concurrency}`, phaseMs(payouts), (deadline) =>
    runCeiling(stack, { payouts, concurrency, tag: `${tag}-ceiling`, shape, deadline }),
  );
  log(runLine(ceiling, '  engine ceiling'));
  // The emulator's own growth is not the system's: finished payouts are forgotten between runs.
  await stack.sandboxControl('POST', '/reset');
  const e2e = await withDeadline(`end-to-end ${payouts} × ${concurrency}`, phaseMs(payouts), (deadline) =>
    runE2e(stack, { payouts, concurrency, tag: `${tag}-e2e`, deadline }),
  );
  log(runLine(e2e, '  end-to-end    '));
  return { concurrency, payouts, e2e, ceiling, ratio: ratio(e2e.perSecond, ceiling.perSecond) };
}

/**
 * The ceiling again with as many search-attribute upserts as a real payout makes: how much of the gap the
 * upserts explain. `null` when the payout makes none.
 */
export async function ceilingWithUpserts(
  stack: Stack,
  options: {
    upserts: number;
    payouts: number;
    concurrency: number;
    tag: string;
    shape: CeilingInput;
    log: (l: string) => void;
  },
): Promise<BenchResults['diagnostics']['ceilingWithUpserts']> {
  const { upserts, payouts, concurrency, tag, shape, log } = options;
  if (upserts <= 0) return null;
  const run = await withDeadline('ceiling with upserts', phaseMs(payouts), (deadline) =>
    runCeiling(stack, {
      payouts,
      concurrency,
      tag: `${tag}-upserts`,
      shape: { ...shape, searchAttributeUpserts: upserts },
      deadline,
    }),
  );
  log(runLine(run, `  ceiling + ${upserts} upserts`));
  log(`    persistence calls per workflow: ${run.perPayout.persistenceOps}`);
  return { upserts, run };
}
