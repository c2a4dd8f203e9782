import { performance } from 'node:perf_hooks';

/** Single-thread operation rates for the micro-benchmarks (one operation at a time, awaited). */

export interface Rate {
  opsPerSecond: number;
  meanMicros: number;
  ops: number;
}

/**
 * Runs `op` repeatedly for `durationMs` (after a warm-up of a fifth of it, so the JIT has settled), at most
 * `maxOps` times: always bounded in count and time.
 */
export async function measureRate(
  op: () => unknown,
  options: { durationMs: number; maxOps?: number },
): Promise<Rate> {
  const maxOps = options.maxOps ?? 1_000_000;
  const run = async (ms: number) => {
    const end = performance.now() + ms;
    let ops = 0;
    const started = performance.now();
    while (ops < maxOps && performance.now() < end) {
      await op();
      ops += 1;
    }
    return { ops, elapsed: performance.now() - started };
  };
  await run(options.durationMs / 5);
  const { ops, elapsed } = await run(options.durationMs);
  return {
    opsPerSecond: Math.round((ops * 1000) / elapsed),
    meanMicros: Math.round((elapsed * 1000) / Math.max(1, ops)),
    ops,
  };
}
