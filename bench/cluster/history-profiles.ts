/**
 * CPU profiles of the cluster's history service (Go's pprof), taken back to back in slices for the whole
 * run (`BENCH_CLUSTER_PPROF=1`): slice files `history-<fromMs>-<toMs>.pb.gz`. A phase's profile is the
 * merge of the slices inside its window (`PhaseCost.window`), so the bursts at 1 000 and at 10 000 open can
 * be compared function by function: where the server's extra CPU per wake goes (bench/README.md).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SamplingLoop } from './sampling-loop';

const execFileAsync = promisify(execFile);

export interface ProfileWindow {
  startedAt: number;
  stoppedAt: number;
}

export class HistoryProfiles {
  private readonly sampling: SamplingLoop;

  constructor(
    /** The history service's pprof base URL, e.g. http://127.0.0.1:7936. */
    private readonly url: string,
    private readonly dir: string,
    log: (line: string) => void,
    private readonly sliceSeconds = 3,
  ) {
    mkdirSync(dir, { recursive: true });
    // Slices back to back; a second's pause after a failed one.
    this.sampling = new SamplingLoop(() => this.slice(), 'history profile slice', log, {
      afterStepMs: 0,
      afterFailureMs: 1000,
    });
  }

  start(): void {
    this.sampling.start();
  }

  async stop(): Promise<void> {
    await this.sampling.stop();
  }

  private async slice(): Promise<void> {
    const from = Date.now();
    const response = await fetch(`${this.url}/debug/pprof/profile?seconds=${this.sliceSeconds}`, {
      signal: AbortSignal.timeout((this.sliceSeconds + 30) * 1000),
    });
    if (!response.ok) throw new Error(`status ${response.status}`);
    const body = Buffer.from(await response.arrayBuffer());
    writeFileSync(path.join(this.dir, `history-${from}-${Date.now()}.pb.gz`), body);
  }

  /** The slices wholly inside `window`. */
  slicesIn(window: ProfileWindow): string[] {
    return readdirSync(this.dir)
      .map((name) => ({ name, match: /^history-(\d+)-(\d+)\.pb\.gz$/.exec(name) }))
      .filter(
        ({ match }) => match && Number(match[1]) >= window.startedAt && Number(match[2]) <= window.stoppedAt,
      )
      .map(({ name }) => path.join(this.dir, name));
  }

  /**
   * `go tool pprof -top` of the slices inside `window`, written to `file`: flat and cumulative CPU by
   * function. Null when no slice fits (a phase shorter than a slice).
   */
  async topOf(window: ProfileWindow, file: string): Promise<string | null> {
    const slices = this.slicesIn(window);
    if (slices.length === 0) return null;
    const top = async (...how: string[]) =>
      (
        await execFileAsync('go', ['tool', 'pprof', '-top', ...how, ...slices], {
          maxBuffer: 16 * 1024 * 1024,
        })
      ).stdout;
    const span = `${new Date(window.startedAt).toISOString()} → ${new Date(window.stoppedAt).toISOString()}`;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      `# ${slices.length} slices of ${this.sliceSeconds} s, ${span}\n\n## By cumulative CPU\n\n` +
        `${await top('-cum', '-nodecount=80')}\n## By own CPU\n\n${await top('-nodecount=40')}`,
    );
    return file;
  }
}
