/**
 * The Temporal dev server's own counters (its Prometheus endpoint): how many persistence (SQLite) operations
 * and RPCs a phase cost, and how long the persistence calls took. Read before and after a phase.
 */

export interface MetricsSnapshot {
  at: number;
  values: Map<string, number>;
}

export interface ServerLoad {
  persistenceOpsPerSecond: number;
  /** Mean latency of a persistence call (SQLite, including waiting for its lock). */
  persistenceMeanMs: number;
  /** Persistence busy time per wall second: above 1, calls wait for each other. */
  persistenceBusy: number;
  frontendRequestsPerSecond: number;
  topPersistenceOps: { operation: string; perSecond: number; meanMs: number }[];
  /** Every persistence operation (all services) per second: what a workflow shape costs the database. */
  persistenceByOperation: Record<string, number>;
}

const LINE = /^(\w+)(\{[^}]*\})?\s+(\S+)$/;

export async function scrapeServerMetrics(url: string): Promise<MetricsSnapshot> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const values = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const name = match[1]!;
    if (!/^(persistence_requests|persistence_latency_(sum|count)|service_requests)$/.test(name)) continue;
    values.set(`${name}${match[2] ?? ''}`, Number(match[3]));
  }
  return { at: Date.now(), values };
}

function label(key: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`).exec(key)?.[1];
}

export function serverLoadBetween(before: MetricsSnapshot, after: MetricsSnapshot): ServerLoad {
  const seconds = Math.max(0.001, (after.at - before.at) / 1000);
  const delta = (key: string) => (after.values.get(key) ?? 0) - (before.values.get(key) ?? 0);
  let ops = 0;
  let latencySum = 0;
  let latencyCount = 0;
  let frontend = 0;
  const perOp = new Map<string, { count: number; sum: number }>();
  const byOperation = new Map<string, number>();
  for (const key of after.values.keys()) {
    const value = delta(key);
    if (value <= 0) continue;
    if (key.startsWith('persistence_requests{')) {
      ops += value;
      const name = label(key, 'operation') ?? '?';
      byOperation.set(name, (byOperation.get(name) ?? 0) + value);
    }
    if (key.startsWith('service_requests{') && label(key, 'service_name') === 'frontend') frontend += value;
    const operation = label(key, 'operation') ?? '?';
    if (key.startsWith('persistence_latency_count{')) {
      latencyCount += value;
      const entry = perOp.get(operation) ?? { count: 0, sum: 0 };
      entry.count += value;
      perOp.set(operation, entry);
    }
    if (key.startsWith('persistence_latency_sum{')) {
      latencySum += value;
      const entry = perOp.get(operation) ?? { count: 0, sum: 0 };
      entry.sum += value;
      perOp.set(operation, entry);
    }
  }
  const r = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
  return {
    persistenceOpsPerSecond: r(ops / seconds),
    persistenceMeanMs: r(latencyCount ? (latencySum / latencyCount) * 1000 : 0, 2),
    persistenceBusy: r(latencySum / seconds, 2),
    frontendRequestsPerSecond: r(frontend / seconds),
    topPersistenceOps: [...perOp.entries()]
      .filter(([, entry]) => entry.count > 0)
      .sort((a, b) => b[1].sum - a[1].sum)
      .slice(0, 5)
      .map(([operation, entry]) => ({
        operation,
        perSecond: r(entry.count / seconds),
        meanMs: r((entry.sum / entry.count) * 1000, 2),
      })),
    persistenceByOperation: Object.fromEntries(
      [...byOperation.entries()].sort((a, b) => b[1] - a[1]).map(([name, n]) => [name, r(n / seconds, 2)]),
    ),
  };
}
