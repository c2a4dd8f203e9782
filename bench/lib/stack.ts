import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadClientConfig } from '../../client/config';
import { loadPayloadKeys, payoutDataConverter } from '../../common/codec-config';
import { DEFAULT_QUIET_POLL_SECONDS } from '../../domain/payout-settings';
import { bundleWorkflows } from '../../scripts/bundle-workflows';
import { fintectureEnvOf, waitForHealth, type SandboxReady } from '../../scripts/service-process';
import { freePort, startDevServer, type DevServer } from '../../scripts/temporal-dev-server';
import { bundleCeilingWorkflows } from '../engine-ceiling/bundle';
import { DEFAULT_BENCH_READS_PER_SECOND } from './options';
import { BenchService } from './services';
import { workerProcessEnv } from '../../workers/process-env';

/**
 * The system under test, as `npm start` and test/support/process-stack.ts run it: the Temporal dev server on a
 * WAL SQLite file with the payout search attributes, the Fintecture sandbox (zero step delays, webhooks to
 * the ingress), one worker (or more: `workers`) and one ingress — each its own process — plus, for the
 * ceiling, a worker process running bench-only workflow code on its own task queue. Every payout worker gets
 * the same FINTECTURE_MAX_READS_PER_SECOND (`readsPerSecond`): the server holds the read queue's rate, and the
 * last worker to poll sets it, so they must agree.
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
  /** Diagnostic: the worker's WORKER_HEAP_GROWING_PERCENT (unset: the production default). */
  workerHeapGrowingPercent?: number;
  /** Diagnostic: the dev server's `--dynamic-config-value`s (`key=value`). */
  serverDynamicConfig?: string[];
  /** Every payout worker's FINTECTURE_MAX_READS_PER_SECOND (default `DEFAULT_BENCH_READS_PER_SECOND`). */
  readsPerSecond?: number;
  /** Payout worker processes sharing the task queues (default 1); the second is `worker-2`, and so on. */
  workers?: number;
  /** Reuse the workflow bundles an earlier stack of this run wrote there (same code), instead of bundling again. */
  bundlesFrom?: string;
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
  /** The payout workers' FINTECTURE_MAX_READS_PER_SECOND. */
  readonly readsPerSecond: number;
  /**
   * The quiet delay the ingress gives scenario-1 payouts waiting for their payee (its PAYOUT_QUIET_POLL_SECONDS,
   * parsed by the ingress's own config code): their reads repeat at this delay once the schedule reaches it.
   */
  readonly quietPollSeconds: number;
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

/** `<runDir>/logs/<name>.log`, the folder created. */
export function logFilesIn(runDir: string): (name: string) => string {
  const logDir = path.join(runDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  return (name) => path.join(logDir, `${name}.log`);
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { runDir, log } = options;
  const logFile = logFilesIn(runDir);
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
    const bundleDir = options.bundlesFrom ?? runDir;
    const payoutBundle = path.join(bundleDir, 'payout-workflow-bundle.js');
    const ceilingBundle = path.join(bundleDir, 'ceiling-workflow-bundle.js');
    const reuse = options.bundlesFrom !== undefined && existsSync(payoutBundle) && existsSync(ceilingBundle);
    const metricsPort = await freePort();
    const [server] = await Promise.all([
      startDevServer({
        dbFile: path.join(runDir, 'temporal', 'bench.db'),
        uiPort: null,
        logLevel: 'error',
        onOutput: () => {},
        // Exposed only to be read: persistence and request counters for the server-load figures.
        extraArgs: [
          '--metrics-port',
          String(metricsPort),
          ...(options.serverDynamicConfig ?? []).flatMap((value) => ['--dynamic-config-value', value]),
        ],
      }),
      reuse ? undefined : bundleWorkflows(payoutBundle),
      reuse ? undefined : bundleCeilingWorkflows(ceilingBundle),
    ]);
    devServer = server;
    const temporalAddress = server.address;

    const payout = await startPayoutServices({
      runDir,
      temporalAddress,
      namespace: server.namespace,
      payoutBundle,
      services,
      logFile,
      log,
      workerMaxCachedWorkflows: options.workerMaxCachedWorkflows,
      workerHeapGrowingPercent: options.workerHeapGrowingPercent,
      readsPerSecond: options.readsPerSecond,
      profileDir: options.profileDir,
    });
    for (let extra = 1; extra < (options.workers ?? 1); extra++) await payout.addWorker();
    const basePath = { PATH: process.env.PATH ?? '' };

    const clients = await connectClients(temporalAddress, server.namespace);
    connection = clients.connection;

    let ceilingWorker: BenchService | undefined;
    const liveServer = server;
    return {
      ...sharedStackMembers(temporalAddress, payout, clients),
      devServer: liveServer,
      serverMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      pids: () => ({
        temporal: liveServer.process.pid,
        worker: payout.worker.pid,
        ...Object.fromEntries(payout.workers.slice(1).map((added) => [added.name, added.pid])),
        ingress: payout.ingress.pid,
        sandbox: payout.sandboxService.pid,
        ceilingWorker: ceilingWorker?.pid,
        driver: process.pid,
      }),
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
      startupMs: () => payout.startup,
      async restartWorkerAndIngress(profileDir?: string) {
        await payout.ingress.stop();
        await payout.worker.stop(60_000);
        await payout.startWorkerAndIngress(profileDir);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

export interface PayoutServicesOptions {
  /** Where the sandbox keeps its data (`<runDir>/sandbox`). */
  runDir: string;
  temporalAddress: string;
  namespace: string;
  /** The payout workflow bundle the workers load. */
  payoutBundle: string;
  /** Every process started is pushed here (in start order), so the caller stops them on failure too. */
  services: BenchService[];
  logFile: (name: string) => string;
  log: (line: string) => void;
  /** Diagnostic: the workers' WORKER_MAX_CACHED_WORKFLOWS (unset: the production default, 1000). */
  workerMaxCachedWorkflows?: number;
  /** Diagnostic: the workers' WORKER_HEAP_GROWING_PERCENT (unset: the production default). */
  workerHeapGrowingPercent?: number;
  /** Every worker's FINTECTURE_MAX_READS_PER_SECOND (default `DEFAULT_BENCH_READS_PER_SECOND`). */
  readsPerSecond?: number;
  /** `--cpu-prof` the first worker and ingress into this folder. */
  profileDir?: string;
}

export interface PayoutServices {
  readonly ingressUrl: string;
  readonly apiKey: string;
  readonly sandbox: SandboxInfo;
  /** The merchant private key (PEM): the ingress decrypts webhooks with it. */
  readonly merchantPrivateKeyPem: string;
  /** Every worker's FINTECTURE_MAX_READS_PER_SECOND. */
  readonly readsPerSecond: number;
  /** The ingress's PAYOUT_QUIET_POLL_SECONDS, as the ingress's config code parses it. */
  readonly quietPollSeconds: number;
  readonly sandboxService: BenchService;
  /** The worker and the ingress of the latest `startWorkerAndIngress`. */
  readonly worker: BenchService;
  readonly ingress: BenchService;
  /** Every payout worker started (the first, then any `addWorker`), in start order. */
  readonly workers: readonly BenchService[];
  /** How long the latest worker and ingress took from spawn to ready. */
  readonly startup: { worker: number; ingress: number };
  /**
   * Starts a worker and an ingress (same settings; logs `worker-<n>.log`, `ingress-<n>.log` from the second
   * pair on), with `--cpu-prof` into `profileDir` when given, and waits until both are ready.
   */
  startWorkerAndIngress(profileDir?: string): Promise<void>;
  /** Starts one more worker (`worker-<n>`, same settings) and waits until it polls; resolves its start-up ms. */
  addWorker(): Promise<number>;
}

/**
 * The payout services on a running Temporal (dev server or cluster), as `npm start` runs them: the
 * Fintecture sandbox (zero step delays, webhooks to the ingress), then one worker and one ingress.
 */
export async function startPayoutServices(options: PayoutServicesOptions): Promise<PayoutServices> {
  const { runDir, services, logFile, log } = options;
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
      // Pages of 100 (the sandbox's default is 10; Fintecture's is unknown, our client asks for 100): every
      // create and sweep reads the whole list, and at 10 per page the 10 000-open level is a list of 1 000+
      // pages per create (bench/README.md, "The 10 000-payout runs").
      SANDBOX_LIST_PAGE_SIZE: '100',
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
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_NAMESPACE: options.namespace,
    TEMPORAL_TASK_QUEUE: PAYOUT_TASK_QUEUE,
    PUBLIC_BASE_URL: ingressUrl,
    // Payloads encrypted as in production (processes refuse to start without keys).
    PAYLOAD_CODEC_KEYS_FILE: CODEC_KEYS_FILE,
  };
  const apiKey = randomBytes(24).toString('base64url');
  const readsPerSecond = options.readsPerSecond ?? DEFAULT_BENCH_READS_PER_SECOND;
  const workerEnv = {
    ...temporalEnv,
    ...workerProcessEnv(),
    ...fintectureEnvOf(sandbox),
    WORKFLOW_BUNDLE_PATH: options.payoutBundle,
    WORKER_LOG_LEVEL: 'INFO',
    // The read queue's rate, held by the server across every worker (all of them must give the same value).
    FINTECTURE_MAX_READS_PER_SECOND: String(readsPerSecond),
    ...(options.workerMaxCachedWorkflows
      ? { WORKER_MAX_CACHED_WORKFLOWS: String(options.workerMaxCachedWorkflows) }
      : {}),
    ...(options.workerHeapGrowingPercent === undefined
      ? {}
      : { WORKER_HEAP_GROWING_PERCENT: String(options.workerHeapGrowingPercent) }),
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
  // The settings the ingress gives new payouts, read by its own parser (PAYOUT_QUIET_POLL_SECONDS is not set:
  // the production default).
  const quietPollSeconds =
    loadClientConfig(ingressEnv).payoutSettings.quietPollSeconds ?? DEFAULT_QUIET_POLL_SECONDS;

  const workers: BenchService[] = [];
  let worker: BenchService | undefined;
  let ingress: BenchService | undefined;
  let generation = 0;
  let startup = { worker: 0, ingress: 0 };
  const workerReady = (service: BenchService) => service.waitForOutput('"payout worker started"', 90_000);
  const startWorkerAndIngress = async (profileDir?: string) => {
    generation += 1;
    const nodeArgs = (name: string) =>
      profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(profileDir, name)] : [];
    const suffix = generation > 1 ? `-${generation}` : '';
    const spawn = (name: string, script: string, env: NodeJS.ProcessEnv) =>
      new BenchService(name, script, env, logFile(`${name}${suffix}`), nodeArgs(name));
    worker = spawn('worker', 'workers/main.ts', workerEnv);
    ingress = spawn('ingress', 'client/ingress/main.ts', ingressEnv);
    services.push(worker, ingress);
    workers.push(worker);
    const spawnedAt = Date.now();
    const [workerAt, ingressAt] = await Promise.all([
      workerReady(worker).then(() => Date.now()),
      waitForHealth(`${ingressUrl}/healthz`, 90_000).then(() => Date.now()),
    ]);
    startup = { worker: workerAt - spawnedAt, ingress: ingressAt - spawnedAt };
  };
  log('starting the worker and the ingress…');
  await startWorkerAndIngress(options.profileDir);

  const current = (service: BenchService | undefined) => {
    if (!service) throw new Error('no worker and ingress started');
    return service;
  };
  return {
    ingressUrl,
    apiKey,
    sandbox,
    merchantPrivateKeyPem,
    readsPerSecond,
    quietPollSeconds,
    sandboxService,
    get worker() {
      return current(worker);
    },
    get ingress() {
      return current(ingress);
    },
    workers,
    get startup() {
      return startup;
    },
    startWorkerAndIngress,
    async addWorker() {
      const name = `worker-${workers.length + 1}`;
      const added = new BenchService(name, 'workers/main.ts', workerEnv, logFile(name));
      services.push(added);
      workers.push(added);
      const spawnedAt = Date.now();
      await workerReady(added);
      return Date.now() - spawnedAt;
    },
  };
}

/** A connection to Temporal, with a payout client (AES-GCM codec, as the worker and ingress encode payloads)
 *  and a plain client (no codec: the engine alone). */
export async function connectClients(
  address: string,
  namespace: string,
): Promise<{ connection: Connection; payoutClient: Client; ceilingClient: Client }> {
  const connection = await Connection.connect({ address });
  const payoutClient = new Client({
    connection,
    namespace,
    dataConverter: payoutDataConverter(loadPayloadKeys({ PAYLOAD_CODEC_KEYS_FILE: CODEC_KEYS_FILE })),
  });
  const ceilingClient = new Client({ connection, namespace });
  return { connection, payoutClient, ceilingClient };
}

type SharedStackMember =
  | 'temporalAddress'
  | 'ingressUrl'
  | 'apiKey'
  | 'sandbox'
  | 'merchantPrivateKeyPem'
  | 'readsPerSecond'
  | 'quietPollSeconds'
  | 'connection'
  | 'payoutClient'
  | 'ceilingClient'
  | 'sandboxControl';

/** The `Stack` members that depend only on the payout services and the clients, whatever the Temporal. */
export function sharedStackMembers(
  temporalAddress: string,
  payout: PayoutServices,
  clients: Awaited<ReturnType<typeof connectClients>>,
): Pick<Stack, SharedStackMember> {
  return {
    temporalAddress,
    ingressUrl: payout.ingressUrl,
    apiKey: payout.apiKey,
    sandbox: payout.sandbox,
    merchantPrivateKeyPem: payout.merchantPrivateKeyPem,
    readsPerSecond: payout.readsPerSecond,
    quietPollSeconds: payout.quietPollSeconds,
    ...clients,
    sandboxControl: sandboxControlOf(payout.sandbox.baseUrl),
  };
}

/** Calls the sandbox's control API (`/_sandbox<route>`). */
export function sandboxControlOf(baseUrl: string): Stack['sandboxControl'] {
  return async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}/_sandbox${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`sandbox ${method} ${route} → ${response.status}: ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}
