/**
 * Running the stack's services (sandbox, worker, ingress) as child processes: shared by `npm start`
 * (scripts/start.ts) and the process-level test harness (test/support/process-stack.ts), so both start
 * them the same way, with the same environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from './temporal-dev-server';

const TSX_DIST = path.join(PROJECT_ROOT, 'node_modules/tsx/dist');

/**
 * Node's arguments to run a TypeScript file: what `tsx <script>` runs in the child it spawns, without that
 * extra wrapper process. The service is then the very process we spawn, so every signal reaches it —
 * SIGKILL too, which the tsx wrapper cannot relay (it would leave the service running as an orphan).
 */
export function tsxNodeArgs(script: string): string[] {
  return [
    '--require',
    path.join(TSX_DIST, 'preflight.cjs'),
    '--import',
    pathToFileURL(path.join(TSX_DIST, 'loader.mjs')).href,
    path.join(PROJECT_ROOT, script),
  ];
}

/** What the sandbox prints after `SANDBOX_READY ` once it listens (sandbox/README.md). */
export interface SandboxReady {
  baseUrl: string;
  appId: string;
  appSecret: string;
  privateKeyPath: string;
}

/** Runs `<script>` (relative to the project root) with tsx; `onLine` gets each output line (stdout and stderr). */
export function spawnService(
  script: string,
  env: NodeJS.ProcessEnv,
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void,
): ChildProcess {
  const child = spawn(process.execPath, tsxNodeArgs(script), {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (onLine) {
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      child[stream]?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line) onLine(line, stream);
      });
      child[stream]?.on('end', () => {
        if (partial) onLine(partial, stream);
        partial = '';
      });
    }
  }
  return child;
}

/** Resolves with the rest of the first stdout line starting with `prefix`; rejects if the child exits first. */
export function waitForLine(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.startsWith(prefix));
      if (line) resolve(line.slice(prefix.length));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing ${prefix.trim()}`)));
  });
}

/** Polls `url` until it answers 2xx. */
export async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become healthy in time`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The FINTECTURE_* settings that point the worker and the ingress at a sandbox. */
export function fintectureEnvOf(sandbox: SandboxReady): Record<string, string> {
  return {
    FINTECTURE_API_URL: sandbox.baseUrl,
    FINTECTURE_APP_ID: sandbox.appId,
    FINTECTURE_APP_SECRET: sandbox.appSecret,
    FINTECTURE_PRIVATE_KEY: sandbox.privateKeyPath,
  };
}
