/**
 * A step run again and again until stopped, a failure logged and the loop kept going: the cluster bench's
 * samplers (history-service profile slices, PostgreSQL statistics snapshots).
 */
export class SamplingLoop {
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly step: () => Promise<void>,
    /** Names the step in the failure line, e.g. "history profile slice". */
    private readonly what: string,
    private readonly log: (line: string) => void,
    private readonly pauses: { afterStepMs: number; afterFailureMs: number },
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Waits for the step under way, then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let pauseMs = this.pauses.afterStepMs;
      try {
        await this.step();
      } catch (error) {
        this.log(`${this.what} failed: ${error instanceof Error ? error.message : String(error)}`);
        pauseMs = this.pauses.afterFailureMs;
      }
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}
