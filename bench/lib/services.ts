import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { spawnService, tsxNodeArgs } from '../../scripts/service-process';

/**
 * One stack process (sandbox, worker, ingress, ceiling worker) started as `npm start` starts it
 * (`spawnService`: node + the tsx loader, no wrapper), its output kept in a log file. With `nodeArgs`
 * (e.g. `--cpu-prof`) it is spawned with the very same arguments plus those: `--cpu-prof` is refused in
 * NODE_OPTIONS, and spawnService takes no node arguments.
 */
export class BenchService {
  readonly child: ChildProcess;
  readonly #log: WriteStream;
  readonly #exited: Promise<void>;
  readonly #recent: string[] = [];
  #stopping = false;

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
    logFile: string,
    nodeArgs: string[] = [],
  ) {
    this.#log = createWriteStream(logFile, { flags: 'a' });
    this.#log.on('error', () => {}); // a log problem must not fail the run it documents
    const onLine = (line: string) => {
      if (!this.#log.writableEnded) this.#log.write(`${line}\n`);
      this.#recent.push(line);
      if (this.#recent.length > 200) this.#recent.shift();
    };
    this.child =
      nodeArgs.length === 0
        ? spawnService(script, env, onLine)
        : spawnWithNodeArgs(script, env, nodeArgs, onLine);
    this.#exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        onLine(`--- exited (${signal ?? code})${this.#stopping ? '' : ' UNEXPECTEDLY'}`);
        resolve();
      }),
    );
  }

  get pid(): number | undefined {
    return this.running ? this.child.pid : undefined;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines it printed (for error messages). */
  tail(lines = 30): string {
    return this.#recent.slice(-lines).join('\n');
  }

  /** Resolves once a line containing `text` is printed; rejects if the process exits or `ms` passes. */
  waitForOutput(text: string, ms: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name} did not print "${text}" within ${ms / 1000} s:\n${this.tail()}`));
      }, ms);
      let buffer = '';
      const onData = (chunk: Buffer) => {
        buffer = (buffer + chunk.toString()).slice(-65_536);
        const line = buffer.split('\n').find((l) => l.includes(text));
        if (line) {
          cleanup();
          resolve(line);
        }
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`${this.name} exited before printing "${text}":\n${this.tail()}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout?.off('data', onData);
        this.child.stderr?.off('data', onData);
        this.child.off('exit', onExit);
      };
      const existing = this.#recent.find((line) => line.includes(text));
      if (existing) {
        cleanup();
        resolve(existing);
        return;
      }
      this.child.stdout?.on('data', onData);
      this.child.stderr?.on('data', onData);
      this.child.once('exit', onExit);
    });
  }

  /** SIGTERM (a graceful stop writes --cpu-prof profiles), then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.#stopping = true;
    if (this.running) {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      this.child.kill('SIGTERM');
      await this.#exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.#log.end(resolve));
  }
}

function spawnWithNodeArgs(
  script: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: string[],
  onLine: (line: string) => void,
): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, ...tsxNodeArgs(script)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line) onLine(line);
    });
  }
  return child;
}
