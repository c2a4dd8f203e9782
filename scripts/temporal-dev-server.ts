import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { PAYOUT_SEARCH_ATTRIBUTES } from '../domain/search-attributes';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Absolute path of a Temporal binary installed by scripts/install-temporal.sh (or named by env). */
export function temporalBinary(name: 'temporal' | 'temporal-test-server'): string {
  const explicit =
    name === 'temporal' ? process.env.TEMPORAL_CLI_PATH : process.env.TEMPORAL_TEST_SERVER_PATH;
  const file = explicit ? path.resolve(explicit) : path.join(PROJECT_ROOT, '.tools', 'bin', name);
  if (!existsSync(file)) {
    throw new Error(
      `${name} not found at ${file}: run \`npm run setup\` (scripts/install-temporal.sh) first`,
    );
  }
  return file;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Bands of ports below Linux's ephemeral range (32768–60999), for a port chosen long before it is bound: no
 * `freePort()` and no outgoing connection can take it meanwhile. Separate bands, so two such choosers never
 * meet: the ports of a Temporal cluster (kept for its next run) and ports a test hands to a launcher that
 * binds them only after starting a whole cluster.
 */
export const STABLE_PORT_BANDS = {
  cluster: { from: 20_000, to: 32_768 },
  launcher: { from: 10_000, to: 20_000 },
} as const;

/** True when nothing listens on 127.0.0.1:`port` now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port in `band` [from, to), tried at random. */
export async function freePortIn(band: { from: number; to: number }): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = band.from + Math.floor(Math.random() * (band.to - band.from));
    if (await isPortFree(port)) return port;
  }
  throw new Error(`no free port in [${band.from}, ${band.to})`);
}

export interface DevServerOptions {
  /** SQLite file (created if absent); its folder is created too. */
  dbFile: string;
  port?: number;
  /** Web UI port; `null` runs headless. */
  uiPort?: number | null;
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long to wait for the frontend to answer. */
  readyTimeoutMs?: number;
  /** Extra `--ui-codec-endpoint` etc. */
  extraArgs?: string[];
  onOutput?: (chunk: string) => void;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` on a SQLite file in WAL mode with the payout search attributes
 * registered, and resolves once the namespace answers (not on a fixed sleep: the server needs from
 * one to several seconds depending on the machine).
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    options.dbFile,
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    '--namespace',
    namespace,
    '--log-level',
    options.logLevel ?? 'error',
    ...Object.entries(PAYOUT_SEARCH_ATTRIBUTES).flatMap(([name, type]) => [
      '--search-attribute',
      `${name}=${type}`,
    ]),
    ...(options.uiPort === null || options.uiPort === undefined
      ? ['--headless']
      : ['--ui-port', String(options.uiPort)]),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(temporalBinary('temporal'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-8000);
    options.onOutput?.(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const address = `127.0.0.1:${port}`;
  await waitUntilNamespaceAnswers({
    address,
    namespace,
    timeoutMs: options.readyTimeoutMs ?? 60_000,
    gone: () =>
      child.exitCode !== null
        ? `temporal server exited with ${child.exitCode} before answering:\n${output}`
        : null,
    onTimeout: () => child.kill('SIGKILL'),
    what: `temporal server did not answer on ${address} in time`,
    detail: () => output,
  });

  return {
    address,
    namespace,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : null,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Resolves once the frontend at `address` answers for `namespace` (not on a fixed sleep: a server needs from
 * one to several seconds depending on the machine). `gone` says why waiting is pointless (the server exited).
 */
export async function waitUntilNamespaceAnswers(options: {
  address: string;
  namespace: string;
  timeoutMs: number;
  gone: () => string | null;
  what: string;
  detail?: () => string;
  onTimeout?: () => void;
}): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const why = options.gone();
    if (why) throw new Error(why);
    try {
      const connection = await Connection.connect({ address: options.address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: options.namespace });
      } finally {
        await connection.close();
      }
      return;
    } catch (error) {
      lastError = error;
      if (Date.now() > deadline) {
        options.onTimeout?.();
        throw new Error(
          `${options.what}: ${String(lastError)}${options.detail ? `\n${options.detail()}` : ''}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
