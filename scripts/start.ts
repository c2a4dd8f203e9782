/**
 * `npm start`: the whole system on one machine — the embedded Temporal dev server (unless TEMPORAL_ADDRESS
 * points elsewhere), the Fintecture sandbox (unless FINTECTURE_APP_ID is set), the worker and the ingress.
 * State lives under .data/, so stopping (Ctrl-C) and starting again resumes in-flight payouts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflows } from './bundle-workflows';
import {
  fintectureEnvOf,
  spawnService,
  waitForHealth,
  waitForLine,
  type SandboxReady,
} from './service-process';
import { PROJECT_ROOT, startDevServer, type DevServer } from './temporal-dev-server';

const env = process.env;
const dataDir = path.resolve(env.START_DATA_DIR ?? path.join(PROJECT_ROOT, '.data'));
const ingressPort = Number(env.INGRESS_PORT ?? 4000);
const sandboxPort = Number(env.SANDBOX_PORT ?? 4010);
const temporalPort = Number(env.TEMPORAL_DEV_PORT ?? 7233);
const uiPort = Number(env.TEMPORAL_UI_PORT ?? 8233);
const codecPort = Number(env.CODEC_SERVER_PORT ?? 8888);
const workerMetricsPort = Number(env.WORKER_METRICS_PORT ?? 9464);
const publicBaseUrl = env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${ingressPort}`;

const children: { name: string; child: ChildProcess }[] = [];
let devServer: DevServer | undefined;
let stopping = false;

function say(line: string) {
  process.stdout.write(`${line}\n`);
}

/**
 * What `npm test` installs through `npm run setup`, for the binaries `npm start` needs: the same idempotent
 * installer, so a fresh clone starts with `npm ci && npm start` alone (a no-op once `.tools/` holds them).
 * Its own lines go to our output, prefixed.
 */
function runInstaller(script: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(PROJECT_ROOT, script), ...args], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let partial = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line) say(`  ${line}`);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (partial) say(`  ${partial}`);
      if (code === 0) resolve();
      else reject(new Error(`${script} failed (${signal ?? code}); see the lines above`));
    });
  });
}

/** Runs one service as a child process, its output prefixed with its name. */
function run(name: string, script: string, childEnv: NodeJS.ProcessEnv): ChildProcess {
  const child = spawnService(script, childEnv, (line) => say(`[${name}] ${line}`));
  child.once('exit', (code, signal) => {
    if (!stopping) {
      say(`[${name}] exited (${signal ?? code}); stopping everything`);
      void stop(1);
    }
  });
  children.push({ name, child });
  return child;
}

/** A secret generated once and kept under the data folder, unless the environment gives one. */
function localSecret(fileName: string, fromEnv: string | undefined, make: () => string): string {
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir, fileName);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, value, { mode: 0o600 });
  return value;
}

/**
 * Local payload-encryption keys (G5), generated once: the same file must decrypt the histories of earlier
 * runs. An operator's own PAYLOAD_CODEC_* settings win.
 */
function localCodecEnv(): NodeJS.ProcessEnv {
  if (env.PAYLOAD_CODEC_KEYS || env.PAYLOAD_CODEC_KEYS_FILE || env.PAYLOAD_CODEC === 'off') return {};
  const file = path.join(dataDir, 'codec-keys.json');
  localSecret('codec-keys.json', undefined, () =>
    JSON.stringify({ currentKeyId: 'local-1', keys: { 'local-1': randomBytes(32).toString('base64') } }),
  );
  return { PAYLOAD_CODEC_KEYS_FILE: file };
}

/** A local API key, generated once and kept (so scripts written against it keep working). */
const localApiKey = () =>
  localSecret('ingress-api-key', env.INGRESS_API_KEY, () => randomBytes(24).toString('base64url'));

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  // Reverse order: the edge first, Temporal last, so nothing loses its peer mid-request.
  for (const { child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  await devServer?.stop();
  say('stopped');
  process.exit(code);
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  let temporalAddress = env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    // An external cluster needs no local binary; the embedded dev server needs the pinned CLI.
    say('installing the Temporal CLI if missing (scripts/install-temporal.sh)…');
    await runInstaller('scripts/install-temporal.sh', ['temporal']);
  } else {
    say(`using the Temporal cluster at ${temporalAddress} (no local Temporal CLI needed)`);
  }
  const bundleFile = path.join(dataDir, 'workflow-bundle.js');
  say('bundling the workflow code…');
  const bundling = bundleWorkflows(bundleFile);
  const codecEnv = localCodecEnv();
  const codecToken = localSecret('codec-server-token', env.CODEC_SERVER_TOKEN, () =>
    randomBytes(24).toString('base64url'),
  );
  // The Web UI (a browser page) calls the codec server itself; the token is the endpoint's first segment.
  const codecEndpoint = `http://127.0.0.1:${codecPort}/${codecToken}`;
  if (!temporalAddress) {
    say(`starting the Temporal dev server (SQLite ${path.join(dataDir, 'temporal', 'dev.db')})…`);
    devServer = await startDevServer({
      dbFile: path.join(dataDir, 'temporal', 'dev.db'),
      port: temporalPort,
      uiPort,
      logLevel: 'error',
      extraArgs: env.PAYLOAD_CODEC === 'off' ? [] : ['--ui-codec-endpoint', codecEndpoint],
    });
    temporalAddress = devServer.address;
  }

  const shared: NodeJS.ProcessEnv = {
    ...env,
    ...codecEnv,
    TEMPORAL_ADDRESS: temporalAddress,
    PUBLIC_BASE_URL: publicBaseUrl,
  };
  let fintecture: NodeJS.ProcessEnv = {};
  let sandboxUrl: string | undefined;
  if (!env.FINTECTURE_APP_ID) {
    say(`starting the Fintecture sandbox on port ${sandboxPort}…`);
    const sandbox = run('sandbox', 'sandbox/main.ts', {
      ...env,
      SANDBOX_PORT: String(sandboxPort),
      SANDBOX_DATA_DIR: path.join(dataDir, 'sandbox'),
      SANDBOX_STATE_FILE: path.join(dataDir, 'sandbox', 'state.json'),
      SANDBOX_WEBHOOK_URL: env.SANDBOX_WEBHOOK_URL ?? `${publicBaseUrl}/webhooks/fintecture`,
      SANDBOX_STEP_DELAY_MS: env.SANDBOX_STEP_DELAY_MS ?? '2000',
    });
    const ready = JSON.parse(await waitForLine(sandbox, 'SANDBOX_READY ')) as SandboxReady;
    sandboxUrl = ready.baseUrl;
    fintecture = fintectureEnvOf(ready);
  }

  await bundling;
  const apiKey = localApiKey();
  say(`starting the worker, the ingress${env.PAYLOAD_CODEC === 'off' ? '' : ' and the codec server'}…`);
  run('worker', 'workers/main.ts', {
    ...shared,
    ...fintecture,
    WORKFLOW_BUNDLE_PATH: bundleFile,
    WORKER_METRICS_ADDRESS: `127.0.0.1:${workerMetricsPort}`,
  });
  run('ingress', 'client/ingress/main.ts', {
    ...shared,
    ...fintecture,
    INGRESS_PORT: String(ingressPort),
    INGRESS_API_KEY: apiKey,
  });
  if (env.PAYLOAD_CODEC !== 'off') {
    run('codec', 'client/codec-server/main.ts', {
      ...shared,
      CODEC_SERVER_PORT: String(codecPort),
      CODEC_SERVER_TOKEN: codecToken,
      CODEC_SERVER_UI_ORIGIN: `http://127.0.0.1:${uiPort}`,
    });
  }
  say(`waiting for the ingress to answer http://127.0.0.1:${ingressPort}/healthz…`);
  await waitForHealth(`http://127.0.0.1:${ingressPort}/healthz`);

  const example = {
    orderId: `demo-${Date.now()}`,
    amount: '26.99',
    currency: 'EUR',
    communication: 'MyShop REFUND from Order 123',
    payee: { name: 'John Doe', email: 'john@doe.example' },
    beneficiary: { name: 'John Doe', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPXXX' },
  };
  say(
    [
      '',
      'Payout orchestrator is running.',
      `  Temporal Web UI   ${devServer?.uiUrl ?? `(external Temporal at ${temporalAddress})`}`,
      `  codec server      http://127.0.0.1:${codecPort}   (payloads are encrypted; the Web UI decodes through it)`,
      `  ingress           http://127.0.0.1:${ingressPort}   (API key in ${path.join(dataDir, 'ingress-api-key')})`,
      `  API reference     http://127.0.0.1:${ingressPort}/docs   (OpenAPI 3.1: /openapi.json)`,
      `  metrics           http://127.0.0.1:${ingressPort}/metrics (ingress), http://127.0.0.1:${workerMetricsPort}/metrics (worker)`,
      ...(sandboxUrl
        ? [`  Fintecture        sandbox at ${sandboxUrl}`]
        : ['  Fintecture        ' + env.FINTECTURE_API_URL]),
      '',
      'Pay out (scenario 2, verified beneficiary):',
      `  curl -s -X POST http://127.0.0.1:${ingressPort}/payouts \\`,
      `    -H "Authorization: Bearer ${apiKey}" -H 'Content-Type: application/json' \\`,
      `    -d '${JSON.stringify(example)}'`,
      `  curl -s -H "Authorization: Bearer ${apiKey}" http://127.0.0.1:${ingressPort}/payouts/${example.orderId}`,
      'Drop "beneficiary" for scenario 1: the answer carries a connectUrl to open in a browser.',
      'Ctrl-C stops everything; in-flight payouts resume on the next `npm start`.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  say(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  void stop(1);
});
