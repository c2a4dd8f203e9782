import { readFileSync } from 'node:fs';

/**
 * CPU time and memory of processes, read from /proc (Linux): the bench attributes the machine's work to
 * each process of the stack (Temporal server, worker, ingress, sandbox, the driver itself).
 */

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux build Node supports

export interface ProcSample {
  /** User + system CPU seconds since the process started (all threads). */
  cpuSeconds: number;
  rssMb: number;
}

export function sampleProcess(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuSeconds: (utime + stime) / CLOCK_TICKS_PER_SECOND, rssMb: Math.round(rssKb / 1024) };
  } catch {
    return null; // the process is gone
  }
}

/** Machine-wide CPU counters (/proc/stat, all cores), in seconds. */
interface MachineTicks {
  busy: number;
  steal: number;
  total: number;
}

function machineTicks(): MachineTicks | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = cpu;
    const busy = user + nice + system + irq + softirq;
    return {
      busy: busy / CLOCK_TICKS_PER_SECOND,
      steal: steal / CLOCK_TICKS_PER_SECOND,
      total: (busy + idle + iowait + steal) / CLOCK_TICKS_PER_SECOND,
    };
  } catch {
    return null;
  }
}

/** How busy the whole machine was: a phase near `cores` busy is CPU-bound; steal is time the VM host took. */
export interface MachineUsage {
  /** Average cores busy (all processes, including ones outside the stack). */
  busyCores: number;
  /** Share of CPU time stolen by the hypervisor (a noisy neighbour makes figures vary between runs). */
  stealPercent: number;
}

export interface ProcessUsage {
  /** CPU seconds used during the span. */
  cpuSeconds: number;
  /** Average cores busy over the span (cpuSeconds / wall seconds). */
  cores: number;
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
}

/** Samples a set of named processes once a second between `start()` and `stop()`. */
export class UsageMeter {
  #startedAt = 0;
  readonly #first = new Map<string, ProcSample>();
  readonly #last = new Map<string, ProcSample>();
  readonly #peak = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #machineStart: MachineTicks | null = null;

  constructor(private readonly pids: () => Record<string, number | undefined>) {}

  #sample(): void {
    for (const [name, pid] of Object.entries(this.pids())) {
      if (!pid) continue;
      const sample = sampleProcess(pid);
      if (!sample) continue;
      if (!this.#first.has(name)) this.#first.set(name, sample);
      this.#last.set(name, sample);
      this.#peak.set(name, Math.max(this.#peak.get(name) ?? 0, sample.rssMb));
    }
  }

  start(): this {
    this.#startedAt = Date.now();
    this.#machineStart = machineTicks();
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), 1000);
    this.#timer.unref();
    return this;
  }

  /** Machine-wide figures since `start()`. */
  machine(): MachineUsage | null {
    const end = machineTicks();
    const start = this.#machineStart;
    if (!end || !start) return null;
    const wallSeconds = Math.max(0.001, (Date.now() - this.#startedAt) / 1000);
    const total = Math.max(0.001, end.total - start.total);
    return {
      busyCores: Math.round(((end.busy - start.busy) / wallSeconds) * 100) / 100,
      stealPercent: Math.round(((end.steal - start.steal) / total) * 1000) / 10,
    };
  }

  stop(): Record<string, ProcessUsage> {
    if (this.#timer) clearInterval(this.#timer);
    this.#sample();
    const wallSeconds = Math.max(0.001, (Date.now() - this.#startedAt) / 1000);
    const usage: Record<string, ProcessUsage> = {};
    for (const [name, first] of this.#first) {
      const last = this.#last.get(name) ?? first;
      const cpuSeconds = Math.round((last.cpuSeconds - first.cpuSeconds) * 100) / 100;
      usage[name] = {
        cpuSeconds,
        cores: Math.round((cpuSeconds / wallSeconds) * 100) / 100,
        rssStartMb: first.rssMb,
        rssPeakMb: this.#peak.get(name) ?? last.rssMb,
        rssEndMb: last.rssMb,
      };
    }
    return usage;
  }
}
