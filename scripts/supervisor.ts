/**
 * What `npm start` and `npm run cluster` share: child processes with prefixed output that stop everything
 * when one dies, a stop in reverse order on Ctrl-C, the installers, the local secrets kept under the data
 * folder, and the payout services themselves (sandbox, workers, ingresses, codec server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  fintectureEnvOf,
  spawnService,
  waitForHealth,
  waitForLine,
  type SandboxReady,
} from './service-process';
import { PROJECT_ROOT } from './temporal-dev-server';
import { workerProcessEnv } from '../workers/process-env';

/**
 * The ports and folders both launchers read from the environment (README "The two commands"), with the
 * defaults of `npm start`.
 */
export function launcherSettings(env: NodeJS.ProcessEnv = process.env) {
  const ingressPort = Number(env.INGRESS_PORT ?? 4000);
  return {
    dataRoot: path.resolve(env.START_DATA_DIR ?? path.join(PROJECT_ROOT, '.data')),
    ingressPort,
    sandboxPort: Number(env.SANDBOX_PORT ?? 4010),
    uiPort: Number(env.TEMPORAL_UI_PORT ?? 8233),
    codecPort: Number(env.CODEC_SERVER_PORT ?? 8888),
    workerMetricsPort: Number(env.WORKER_METRICS_PORT ?? 9464),
    publicBaseUrl: env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${ingressPort}`,
  };
}

export class Supervisor {
  private readonly children: { name: string; child: ChildProcess }[] = [];
  private stopping = false;
  /** Runs after the children stopped (Temporal itself, last). */
  private readonly finally: (() => Promise<void>)[] = [];

  constructor(
    readonly dataDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    mkdirSync(dataDir, { recursive: true });
  }

  say(line: string): void {
    process.stdout.write(`${line}\n`);
  }

  /** Ctrl-C and SIGTERM stop everything. */
  handleSignals(): void {
    process.on('SIGINT', () => void this.stop(0));
    process.on('SIGTERM', () => void this.stop(0));
  }

  /** Registers what must stop after every child (in reverse order of registration). */
  atStop(step: () => Promise<void>): void {
    this.finally.push(step);
  }

  /** Runs an idempotent installer script; its stderr lines go to our output, indented. */
  runInstaller(script: string, args: string[] = []): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('bash', [path.join(PROJECT_ROOT, script), ...args], {
        cwd: PROJECT_ROOT,
        env: this.env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let partial = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line) this.say(`  ${line}`);
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        if (partial) this.say(`  ${partial}`);
        if (code === 0) resolve();
        else reject(new Error(`${script} failed (${signal ?? code}); see the lines above`));
      });
    });
  }

  /** Runs one service as a child process, its output prefixed with its name; its death stops everything. */
  run(name: string, script: string, childEnv: NodeJS.ProcessEnv): ChildProcess {
    const child = spawnService(script, childEnv, (line) => this.say(`[${name}] ${line}`));
    child.once('exit', (code, signal) => {
      if (!this.stopping) {
        this.say(`[${name}] exited (${signal ?? code}); stopping everything`);
        void this.stop(1);
      }
    });
    this.children.push({ name, child });
    return child;
  }

  /** A secret generated once and kept under the data folder, unless the environment gives one. */
  localSecret(fileName: string, fromEnv: string | undefined, make: () => string): string {
    if (fromEnv) return fromEnv;
    const file = path.join(this.dataDir, fileName);
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    const value = make();
    writeFileSync(file, value, { mode: 0o600 });
    return value;
  }

  /**
   * Local payload-encryption keys (G5), generated once: the same file must decrypt the histories of earlier
   * runs. An operator's own PAYLOAD_CODEC_* settings win.
   */
  localCodecEnv(): NodeJS.ProcessEnv {
    const env = this.env;
    if (env.PAYLOAD_CODEC_KEYS || env.PAYLOAD_CODEC_KEYS_FILE || env.PAYLOAD_CODEC === 'off') return {};
    this.localSecret('codec-keys.json', undefined, () =>
      JSON.stringify({ currentKeyId: 'local-1', keys: { 'local-1': randomBytes(32).toString('base64') } }),
    );
    return { PAYLOAD_CODEC_KEYS_FILE: path.join(this.dataDir, 'codec-keys.json') };
  }

  async stop(code: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.say('stopping…');
    // Reverse order: the edge first, Temporal last, so nothing loses its peer mid-request.
    for (const { child } of [...this.children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    for (const step of [...this.finally].reverse()) await step().catch(() => {});
    this.say('stopped');
    process.exit(code);
  }
}

export interface PayoutServicesOptions {
  temporalAddress: string;
  bundleFile: string;
  /** One ingress per port; the first one receives Fintecture's webhooks and the payee's redirects. */
  ingressPorts: number[];
  /** One worker per entry: its metrics port. */
  workerMetricsPorts: number[];
  sandboxPort: number;
  codecPort: number;
  /** The codec server's token (`codecEndpointOf`): the Web UI's endpoint carries it. */
  codecToken: string;
  /** The Web UI's origin, allowed to call the codec server. */
  uiOrigin: string;
  publicBaseUrl: string;
  /** Printed before the workers start (e.g. the bundling still running). */
  beforeWorkers?: Promise<unknown>;
}

export interface PayoutServices {
  apiKey: string;
  sandboxUrl: string | undefined;
}

/** The codec server's token and the endpoint the Web UI calls (the token is its first path segment). */
export function codecEndpointOf(supervisor: Supervisor, codecPort: number, env = process.env) {
  const codecToken = supervisor.localSecret('codec-server-token', env.CODEC_SERVER_TOKEN, () =>
    randomBytes(24).toString('base64url'),
  );
  return { codecToken, codecEndpoint: `http://127.0.0.1:${codecPort}/${codecToken}` };
}

/**
 * The sandbox (unless FINTECTURE_APP_ID is set), the workers, the ingresses (one shared API key) and the
 * codec server, started the same way by `npm start` and `npm run cluster`.
 */
export async function startPayoutServices(
  supervisor: Supervisor,
  options: PayoutServicesOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PayoutServices> {
  const dataDir = supervisor.dataDir;
  const shared: NodeJS.ProcessEnv = {
    ...env,
    ...supervisor.localCodecEnv(),
    TEMPORAL_ADDRESS: options.temporalAddress,
    PUBLIC_BASE_URL: options.publicBaseUrl,
  };
  let fintecture: NodeJS.ProcessEnv = {};
  let sandboxUrl: string | undefined;
  if (!env.FINTECTURE_APP_ID) {
    supervisor.say(`starting the Fintecture sandbox on port ${options.sandboxPort}…`);
    const sandbox = supervisor.run('sandbox', 'sandbox/main.ts', {
      ...env,
      SANDBOX_PORT: String(options.sandboxPort),
      SANDBOX_DATA_DIR: path.join(dataDir, 'sandbox'),
      SANDBOX_STATE_FILE: path.join(dataDir, 'sandbox', 'state.json'),
      SANDBOX_WEBHOOK_URL: env.SANDBOX_WEBHOOK_URL ?? `${options.publicBaseUrl}/webhooks/fintecture`,
      SANDBOX_STEP_DELAY_MS: env.SANDBOX_STEP_DELAY_MS ?? '2000',
    });
    const ready = JSON.parse(await waitForLine(sandbox, 'SANDBOX_READY ')) as SandboxReady;
    sandboxUrl = ready.baseUrl;
    fintecture = fintectureEnvOf(ready);
  }

  await options.beforeWorkers;
  const apiKey = supervisor.localSecret('ingress-api-key', env.INGRESS_API_KEY, () =>
    randomBytes(24).toString('base64url'),
  );
  const several = (count: number, one: string, many: string) => (count === 1 ? one : `${count} ${many}`);
  supervisor.say(
    `starting ${several(options.workerMetricsPorts.length, 'the worker', 'workers')}, ` +
      `${several(options.ingressPorts.length, 'the ingress', 'ingresses')}` +
      `${env.PAYLOAD_CODEC === 'off' ? '' : ' and the codec server'}…`,
  );
  options.workerMetricsPorts.forEach((port, index) =>
    supervisor.run(
      options.workerMetricsPorts.length === 1 ? 'worker' : `worker-${index + 1}`,
      'workers/main.ts',
      {
        ...shared,
        ...workerProcessEnv(env),
        ...fintecture,
        WORKFLOW_BUNDLE_PATH: options.bundleFile,
        WORKER_METRICS_ADDRESS: `127.0.0.1:${port}`,
      },
    ),
  );
  options.ingressPorts.forEach((port, index) =>
    supervisor.run(
      options.ingressPorts.length === 1 ? 'ingress' : `ingress-${index + 1}`,
      'client/ingress/main.ts',
      {
        ...shared,
        ...fintecture,
        INGRESS_PORT: String(port),
        INGRESS_API_KEY: apiKey,
      },
    ),
  );
  if (env.PAYLOAD_CODEC !== 'off') {
    supervisor.run('codec', 'client/codec-server/main.ts', {
      ...shared,
      CODEC_SERVER_PORT: String(options.codecPort),
      CODEC_SERVER_TOKEN: options.codecToken,
      CODEC_SERVER_UI_ORIGIN: options.uiOrigin,
    });
  }
  for (const port of options.ingressPorts) {
    supervisor.say(`waiting for the ingress to answer http://127.0.0.1:${port}/healthz…`);
    await waitForHealth(`http://127.0.0.1:${port}/healthz`);
  }
  return { apiKey, sandboxUrl };
}

/** The ready-to-paste example printed at the end of `npm start` and `npm run cluster`. */
export function exampleLines(ingressPort: number, apiKey: string): string[] {
  const example = {
    orderId: `demo-${Date.now()}`,
    amount: '26.99',
    currency: 'EUR',
    communication: 'MyShop REFUND from Order 123',
    payee: { name: 'John Doe', email: 'john@doe.example' },
    beneficiary: { name: 'John Doe', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPXXX' },
  };
  return [
    'Pay out (scenario 2, verified beneficiary):',
    `  curl -s -X POST http://127.0.0.1:${ingressPort}/payouts \\`,
    `    -H "Authorization: Bearer ${apiKey}" -H 'Content-Type: application/json' \\`,
    `    -d '${JSON.stringify(example)}'`,
    `  curl -s -H "Authorization: Bearer ${apiKey}" http://127.0.0.1:${ingressPort}/payouts/${example.orderId}`,
    'Drop "beneficiary" for scenario 1: the answer carries a connectUrl to open in a browser.',
  ];
}
