import { type PayoutRunResult } from '../benchmarks/e2e';

/** Per-phase deadline: a floor plus a generous allowance per item (about twice the slowest rate seen here). */
export const phaseMs = (items: number, perItemMs = 500) => 120_000 + items * perItemMs;

/** One console line per end-to-end or ceiling run. */
export function runLine(run: PayoutRunResult, what: string): string {
  const l = run.latency;
  return (
    `${what}: ${run.payouts} × ${run.concurrency} in flight → ${run.perSecond}/s, ` +
    `p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, p99 ${l.p99Ms} ms; machine ${run.cost.machine?.busyCores ?? '?'} ` +
    `cores busy (steal ${run.cost.machine?.stealPercent ?? '?'}%), CPU ms/payout ` +
    `${JSON.stringify(run.perPayout.cpuMs)}` +
    (run.failures ? `, ${run.failures} FAILED (${run.firstFailure})` : '') +
    contamination(run.cost.otherCores)
  );
}

/** A warning when something outside the bench used the machine during a phase. */
export function contamination(otherCores: number | null): string {
  return otherCores !== null && otherCores > 0.2
    ? ` [WARNING: ${otherCores} cores busy outside the bench: figures not clean]`
    : '';
}
