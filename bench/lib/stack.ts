import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadPayloadKeys, payoutDataConverter } from '../../common/codec-config';
import { bundleWorkflows } from '../../scripts/bundle-workflows';
import { fintectureEnvOf, waitForHealth, type SandboxReady } from '../../scripts/service-process';
import { freePort, startDevServer, type DevServer } from '../../scripts/temporal-dev-server';
import { bundleCeilingWorkflows } from '../engine-ceiling/bundle';
import { BenchService } from './services';

/**
 * The system under test, as `npm start` and test/support/process-stack.ts run it: the Temporal dev server on a
 * WAL SQLite file with the payout search attributes, the Fintecture sandbox (zero step delays, webhooks to
 * the ingress), one worker and one ingress — each its own process — plus, for the ceiling, a worker process
 * running bench-only workflow code on its own task queue.
 */

export const CODEC_KEYS_FILE = path.resolve(__dirname, '../../test/fixtures/codec-test-keys.json');
export const PAYOUT_TASK_QUEUE = 'bench-payouts';
export const CEILING_TASK_QUEUE = 'bench-ceiling';

export interface StackOptions {
  /** Where the database, bundles, sandbox keys and logs go. */
  runDir: string;
  /** `--cpu-prof` the worker and ingress into this folder (profile phase only). */
  profileDir?: string;
  /** Diagnostic: the worker's WORKER_MAX_CACHED_WORKFLOWS (unset: the production default, 1000). */
  workerMaxCachedWorkflows?: number;
  log: (line: string) => void;
}

export interface SandboxInfo extends SandboxReady {
  publicKeyPath: string;
}

export interface Stack {
  readonly temporalAddress: string;
  readonly ingressUrl: string;
  readonly apiKey: string;
  readonly sandbox: SandboxInfo;
  /** The merchant private key (PEM): the ingress decrypts webhooks with it. */
  readonly merchantPrivateKeyPem: string;
  readonly connection: Connection;
  /** Decodes payout payloads (AES-GCM codec, as the worker and ingress encode them). */
  readonly payoutClient: Client;
  /** Plain client for the ceiling workflows (no codec: the engine alone). */
  readonly ceilingClient: Client;
  readonly devServer: DevServer;
  /** The dev server's Prometheus endpoint. */
  readonly serverMetricsUrl: string;
  /** Processes to meter, by name. */
  pids(): Record<string, number | undefined>;
  sandboxControl<T>(method: string, route: string, body?: unknown): Promise<T>;
  startCeilingWorker(): Promise<void>;
  stopCeilingWorker(): Promise<void>;
  /** How long the current worker and ingress took from spawn to ready (profiles skip that start-up). */
  startupMs(): { worker: number; ingress: number };
  /** Restarts the worker and the ingress, with `--cpu-prof` into `profileDir` when given. */
  restartWorkerAndIngress(profileDir?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { runDir, log } = options;
  const logDir = path.join(runDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = (name: string) => path.join(logDir, `${name}.log`);
  const services: BenchService[] = [];
  let devServer: DevServer | undefined;
  let connection: Connection | undefined;

  const stopAll = async () => {
    await connection?.close().catch(() => {});
    // Reverse order: the edge first, Temporal last.
    for (const service of [...services].reverse()) await service.stop().catch(() => {});
    await devServer?.stop().catch(() => {});
  };

  try {
    log('starting the Temporal dev server and bundling workflow code…');
    const payoutBundle = path.join(runDir, 'payout-workflow-bundle.js');
    const ceilingBundle = path.join(runDir, 'ceiling-workflow-bundle.js');
    const metricsPort = await freePort();
    const [server] = await Promise.all([
      startDevServer({
        dbFile: path.join(runDir, 'temporal', 'bench.db'),
        uiPort: null,
        logLevel: 'error',
        onOutput: () => {},
        // Exposed only to be read: persistence and request counters for the server-load figures.
        extraArgs: ['--metrics-port', String(metricsPort)],
      }),
      bundleWorkflows(payoutBundle),
      bundleCeilingWorkflows(ceilingBundle),
    ]);
    devServer = server;
    const temporalAddress = server.address;

    const ingressPort = await freePort();
    const ingressUrl = `http://127.0.0.1:${ingressPort}`;
    const basePath = { PATH: process.env.PATH ?? '' };

    log('starting the sandbox…');
    const sandboxService = new BenchService(
      'sandbox',
      'sandbox/main.ts',
      {
        ...basePath,
        SANDBOX_PORT: '0',
        SANDBOX_DATA_DIR: path.join(runDir, 'sandbox'),
        // The setting: no lifecycle delays, so a payout is as fast as the system around it.
        SANDBOX_STEP_DELAY_MS: '0',
        SANDBOX_WEBHOOK_URL: `${ingressUrl}/webhooks/fintecture`,
      },
      logFile('sandbox'),
    );
    services.push(sandboxService);
    const readyLine = await sandboxService.waitForOutput('SANDBOX_READY ', 60_000);
    const sandbox = JSON.parse(readyLine.slice(readyLine.indexOf('{'))) as SandboxInfo;
    const merchantPrivateKeyPem = readFileSync(sandbox.privateKeyPath, 'utf8');

    const temporalEnv = {
      ...basePath,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: server.namespace,
      TEMPORAL_TASK_QUEUE: PAYOUT_TASK_QUEUE,
      PUBLIC_BASE_URL: ingressUrl,
      // Payloads encrypted as in production (processes refuse to start without keys).
      PAYLOAD_CODEC_KEYS_FILE: CODEC_KEYS_FILE,
    };
    const apiKey = randomBytes(24).toString('base64url');
    const workerEnv = {
      ...temporalEnv,
      ...fintectureEnvOf(sandbox),
      WORKFLOW_BUNDLE_PATH: payoutBundle,
      WORKER_LOG_LEVEL: 'INFO',
      ...(options.workerMaxCachedWorkflows
        ? { WORKER_MAX_CACHED_WORKFLOWS: String(options.workerMaxCachedWorkflows) }
        : {}),
    };
    const ingressEnv = {
      ...temporalEnv,
      INGRESS_PORT: String(ingressPort),
      INGRESS_HOST: '127.0.0.1',
      INGRESS_API_KEY: apiKey,
      FINTECTURE_APP_ID: sandbox.appId,
      FINTECTURE_PRIVATE_KEY: sandbox.privateKeyPath,
      // Every request of the bench (and the sandbox's webhooks) comes from 127.0.0.1: one bucket. The
      // production default (6000/min) would cap the bench at 100 requests/s, so it is raised to the maximum.
      INGRESS_RATE_LIMIT_PER_MINUTE: '1000000',
      INGRESS_RATE_LIMIT_BURST: '100000',
    };

    let worker: BenchService | undefined;
    let ingress: BenchService | undefined;
    let generation = 0;
    let startup = { worker: 0, ingress: 0 };
    const startWorkerAndIngress = async (profileDir?: string) => {
      generation += 1;
      const nodeArgs = (name: string) =>
        profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(profileDir, name)] : [];
      const suffix = generation > 1 ? `-${generation}` : '';
      worker = new BenchService(
        'worker',
        'workers/main.ts',
        workerEnv,
        logFile(`worker${suffix}`),
        nodeArgs('worker'),
      );
      ingress = new BenchService(
        'ingress',
        'client/ingress/main.ts',
        ingressEnv,
        logFile(`ingress${suffix}`),
        nodeArgs('ingress'),
      );
      services.push(worker, ingress);
      const spawnedAt = Date.now();
      const [workerReady, ingressReady] = await Promise.all([
        worker.waitForOutput('"payout worker started"', 90_000).then(() => Date.now()),
        waitForHealth(`${ingressUrl}/healthz`, 90_000).then(() => Date.now()),
      ]);
      startup = { worker: workerReady - spawnedAt, ingress: ingressReady - spawnedAt };
    };
    log('starting the worker and the ingress…');
    await startWorkerAndIngress(options.profileDir);

    connection = await Connection.connect({ address: temporalAddress });
    const payoutClient = new Client({
      connection,
      namespace: server.namespace,
      dataConverter: payoutDataConverter(loadPayloadKeys({ PAYLOAD_CODEC_KEYS_FILE: CODEC_KEYS_FILE })),
    });
    const ceilingClient = new Client({ connection, namespace: server.namespace });

    let ceilingWorker: BenchService | undefined;
    const liveConnection = connection;
    const liveServer = server;
    return {
      temporalAddress,
      ingressUrl,
      apiKey,
      sandbox,
      merchantPrivateKeyPem,
      connection: liveConnection,
      payoutClient,
      ceilingClient,
      devServer: liveServer,
      serverMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      pids: () => ({
        temporal: liveServer.process.pid,
        worker: worker?.pid,
        ingress: ingress?.pid,
        sandbox: sandboxService.pid,
        ceilingWorker: ceilingWorker?.pid,
        driver: process.pid,
      }),
      async sandboxControl<T>(method: string, route: string, body?: unknown): Promise<T> {
        const response = await fetch(`${sandbox.baseUrl}/_sandbox${route}`, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
        const text = await response.text();
        if (!response.ok)
          throw new Error(`sandbox ${method} ${route} → ${response.status}: ${text.slice(0, 300)}`);
        return (text ? JSON.parse(text) : undefined) as T;
      },
      async startCeilingWorker() {
        if (ceilingWorker?.running) return;
        ceilingWorker = new BenchService(
          'ceiling-worker',
          'bench/engine-ceiling/worker.ts',
          {
            ...basePath,
            TEMPORAL_ADDRESS: temporalAddress,
            TEMPORAL_NAMESPACE: liveServer.namespace,
            TEMPORAL_TASK_QUEUE: CEILING_TASK_QUEUE,
            CEILING_BUNDLE_PATH: ceilingBundle,
          },
          logFile('ceiling-worker'),
        );
        services.push(ceilingWorker);
        await ceilingWorker.waitForOutput('ceiling worker started', 90_000);
      },
      async stopCeilingWorker() {
        await ceilingWorker?.stop();
      },
      startupMs: () => startup,
      async restartWorkerAndIngress(profileDir?: string) {
        await ingress?.stop();
        await worker?.stop(60_000);
        await startWorkerAndIngress(profileDir);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
