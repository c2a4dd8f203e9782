import { UsageMeter, type MachineUsage, type ProcessUsage } from './proc';
import {
  scrapeServerMetrics,
  serverLoadBetween,
  type MetricsSnapshot,
  type ServerLoad,
} from './server-metrics';
import { type Stack } from './stack';

/** What a phase cost the machine: CPU and memory per process, and the Temporal server's own load. */
export interface PhaseCost {
  usage: Record<string, ProcessUsage>;
  machine: MachineUsage | null;
  /**
   * Cores busy outside the stack and the driver (machine busy minus their sum): above ~0.2 another job shared
   * the machine and the phase's figures are not clean.
   */
  otherCores: number | null;
  server: ServerLoad | null;
  /** When the phase ran (epoch ms): the cluster bench merges the history service's profile slices inside it. */
  window: { startedAt: number; stoppedAt: number };
}

/** CPU milliseconds per item (payout, webhook) for each process, and server persistence calls per item. */
export interface PerItemCost {
  cpuMs: Record<string, number>;
  persistenceOps: number | null;
  /** Persistence calls per item by operation (e.g. GetCurrentClusterMetadata, UpdateWorkflowExecution). */
  persistenceByOperation: Record<string, number>;
}

export function perItem(cost: PhaseCost, items: number, elapsedMs: number): PerItemCost {
  const n = Math.max(1, items);
  const cpuMs: Record<string, number> = {};
  for (const [name, usage] of Object.entries(cost.usage)) {
    if (usage.cpuSeconds >= 0.01) cpuMs[name] = Math.round((usage.cpuSeconds * 1000 * 10) / n) / 10;
  }
  const seconds = elapsedMs / 1000;
  const ops = cost.server ? (cost.server.persistenceOpsPerSecond * seconds) / n : null;
  const byOperation: Record<string, number> = {};
  for (const [operation, perSecond] of Object.entries(cost.server?.persistenceByOperation ?? {})) {
    const value = Math.round(((perSecond * seconds) / n) * 100) / 100;
    if (value >= 0.05) byOperation[operation] = value;
  }
  return {
    cpuMs,
    persistenceOps: ops === null ? null : Math.round(ops * 10) / 10,
    persistenceByOperation: byOperation,
  };
}

export class PhaseMeter {
  #usage: UsageMeter;
  #before: MetricsSnapshot | null = null;
  /** Set by `start()`, once the usage meter runs. */
  #startedAt = 0;

  private constructor(private readonly stack: Stack) {
    this.#usage = new UsageMeter(stack.pids);
  }

  static async start(stack: Stack): Promise<PhaseMeter> {
    const meter = new PhaseMeter(stack);
    meter.#before = await scrapeServerMetrics(stack.serverMetricsUrl).catch(() => null);
    meter.#usage.start();
    meter.#startedAt = Date.now();
    return meter;
  }

  async stop(): Promise<PhaseCost> {
    const window = { startedAt: this.#startedAt, stoppedAt: Date.now() };
    const machine = this.#usage.machine();
    const usage = this.#usage.stop();
    const after = await scrapeServerMetrics(this.stack.serverMetricsUrl).catch(() => null);
    const ours = Object.values(usage).reduce((sum, process) => sum + process.cores, 0);
    const otherCores = machine ? Math.max(0, Math.round((machine.busyCores - ours) * 100) / 100) : null;
    return {
      usage,
      machine,
      otherCores,
      server: this.#before && after ? serverLoadBetween(this.#before, after) : null,
      window,
    };
  }
}
