/**
 * The whole payout stack as separate OS processes, for tests that crash parts of it (test/chaos/):
 * a Temporal dev server (the run's shared one, or an own one on a temporary SQLite file so it can be
 * killed and restarted on the same database), the Fintecture sandbox, worker process(es) and the ingress,
 * each started the way `npm start` starts it (scripts/service-process.ts). Every process can be
 * `kill -9`ed and restarted; helpers drive payouts through the ingress HTTP API and count what the
 * sandbox (our Fintecture) saw.
 */
import { type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { fintectureEnvOf, spawnService, waitForHealth } from '../../scripts/service-process';
import { freePort, PROJECT_ROOT, startDevServer, type DevServer } from '../../scripts/temporal-dev-server';
import { TEST_CODEC_KEYS_FILE, testDataConverter } from './codec';
import { startSandboxProcess, type SandboxProcess } from './sandbox-process';
import { TEST_BIC, TEST_IBAN } from './payout-bodies';
import { testNamespace, testTemporalAddress, uniqueId } from './temporal';
import { eventually } from './wait';

export const STACK_API_KEY = 'process-stack-api-key-0123456789';

/** Where each stack writes its processes' logs (kept after the run, for post-mortems). */
export const STACK_LOG_DIR = path.join(PROJECT_ROOT, '.data', 'chaos', 'logs');

// ---------------------------------------------------------------------------------------------------------
// One managed child process

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
  /** False when the harness did not ask for it: a crash. */
  expected: boolean;
}

/** A service child process that can be started, `kill -9`ed and restarted; keeps its output lines. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private expectingExit = false;
  private readonly log: WriteStream;
  private readonly kept: string[] = [];
  /** Lines seen in all, including those no longer kept. */
  private seen = 0;
  readonly exits: ProcessExit[] = [];
  starts = 0;
  kills = 0;

  constructor(
    readonly name: string,
    private readonly script: string,
    private readonly env: () => NodeJS.ProcessEnv,
    /** Resolves once the process is ready; `since` marks the output where this incarnation began. */
    private readonly ready: (service: ServiceProcess, since: number) => Promise<void>,
    logFile: string,
    private readonly keepLines = 50_000,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
    this.log.on('error', () => {}); // a log file problem must not fail the test it documents
  }

  private write(text: string): void {
    if (!this.log.writableEnded) this.log.write(text);
  }

  get running(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Output lines since the stack started (all incarnations, at most `keepLines`), oldest first. */
  lines(): readonly string[] {
    return this.kept;
  }

  /** A position in the output, for `linesSince`. */
  mark(): number {
    return this.seen;
  }

  /** Lines printed after `mark` (as far as they are still kept). */
  linesSince(mark: number): readonly string[] {
    const dropped = this.seen - this.kept.length;
    return this.kept.slice(Math.max(0, mark - dropped));
  }

  /** Exits the harness did not cause. */
  crashes(): ProcessExit[] {
    return this.exits.filter((exit) => !exit.expected);
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.starts += 1;
    this.expectingExit = false;
    const since = this.mark();
    this.write(`--- ${new Date().toISOString()} ${this.name} start #${this.starts}\n`);
    const child = spawnService(this.script, this.env(), (line) => {
      this.write(`${line}\n`);
      this.kept.push(line);
      this.seen += 1;
      if (this.kept.length > this.keepLines) this.kept.splice(0, this.kept.length - this.keepLines);
    });
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exits.push({ code, signal, at: Date.now(), expected: this.expectingExit });
        this.write(`--- ${new Date().toISOString()} ${this.name} exited (${signal ?? code})\n`);
        resolve();
      }),
    );
    const died = this.exited.then(() => {
      throw new Error(`${this.name} exited before it was ready:\n${this.kept.slice(-40).join('\n')}`);
    });
    died.catch(() => {}); // a later exit is recorded in `exits`, not thrown
    await Promise.race([this.ready(this, since), died]);
  }

  /** Sends `signal` (default SIGKILL: `kill -9`) and waits until the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    this.kills += 1;
    this.child?.kill(signal);
    await this.exited;
  }

  /** Graceful stop (SIGTERM), then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    this.child?.kill('SIGTERM');
    await this.exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async close(): Promise<void> {
    await this.stop();
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}

// ---------------------------------------------------------------------------------------------------------
// The Temporal server: shared (the run's) or own (restartable on the same SQLite file)

export interface StackTemporal {
  readonly address: string;
  readonly namespace: string;
  readonly own: boolean;
  readonly running: boolean;
  /** Own server only: stops it with `signal` (SIGKILL by default) and waits until it is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Own server only: starts it again on the same database file and port; resolves once it answers. */
  start(): Promise<void>;
  close(): Promise<void>;
}

async function ownTemporal(dir: string): Promise<StackTemporal> {
  const dbFile = path.join(dir, 'temporal.db');
  const port = await freePort();
  let server: DevServer | undefined = await startDevServer({ dbFile, port });
  const address = server.address;
  const isRunning = () =>
    Boolean(server && server.process.exitCode === null && server.process.signalCode === null);
  return {
    address,
    namespace: server.namespace,
    own: true,
    get running() {
      return isRunning();
    },
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (!server || !isRunning()) return;
      const child = server.process;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await gone;
    },
    async start() {
      if (isRunning()) throw new Error('the Temporal server is already running');
      server = await startDevServer({ dbFile, port });
    },
    async close() {
      await server?.stop();
      server = undefined;
    },
  };
}

function sharedTemporal(): StackTemporal {
  const refuse = async () => {
    throw new Error('the shared Temporal server cannot be stopped: use `ownTemporal: true`');
  };
  return {
    address: testTemporalAddress(),
    namespace: testNamespace(),
    own: false,
    running: true,
    stop: refuse,
    start: refuse,
    close: async () => {},
  };
}

// ---------------------------------------------------------------------------------------------------------
// The stack

export interface OrderBody {
  orderId: string;
  amount: string;
  currency: 'EUR';
  communication: string;
  payee: { name: string; email: string; phone?: string };
  beneficiary?: { name: string; iban: string; bic: string };
}

/** A valid scenario-2 order (verified beneficiary: paid at once) with a fresh order ID. */
export function stackOrder(overrides: Partial<OrderBody> = {}): OrderBody {
  return {
    orderId: uniqueId('chaos'),
    amount: '26.99',
    currency: 'EUR',
    communication: 'MyShop REFUND from Order 123',
    payee: { name: 'John Doe', email: 'john@doe.example' },
    beneficiary: { name: 'John Doe', iban: TEST_IBAN, bic: TEST_BIC },
    ...overrides,
  };
}

/** `GET /payouts/:orderId` as the ingress answers it (DESIGN.md §4). */
export interface PayoutStatusAnswer {
  orderId: string;
  phase: 'creating' | 'waiting' | 'finished';
  sessionId: string | null;
  sessionStatus: string | null;
  transferState: string | null;
  outcome: string | null;
  outcomeReason: string | null;
  polls: number;
  timeline: { at: string; source: string; sessionStatus: string | null; transferState: string | null }[];
}

/** A payout as the sandbox's control API lists it. */
export interface SandboxPayout {
  sessionId: string;
  state: string;
  endToEndId: string | null;
  amount: string;
  status: string;
  transferState: string | null;
  createdAt: string;
}

export interface SandboxDelivery {
  deliveryId: string;
  url: string;
  sessionId: string;
  event: string;
  fields: Record<string, string>;
  requestId: string;
  attempt: number;
  outcome: 'delivered' | 'failed' | 'gave_up';
  status?: number;
  error?: string;
  at: string;
}

export interface SandboxRequest {
  at: string;
  method: string;
  route: string;
  status: number | null;
  fault?: string;
}

export interface FaultSpec {
  route: 'token' | 'create' | 'fetch' | 'list' | 'cancel' | '*';
  mode: 'status' | 'delay' | 'drop' | 'malformed' | 'commit-then-drop';
  times?: number;
  status?: number;
  retryAfterSeconds?: number;
  delayMs?: number;
}

export interface StartAnswer {
  orderId: string;
  /** HTTP status of the last attempt (201 created, 200 existing, 202 pending); 0 if it never answered. */
  status: number;
  /** Attempts that failed (network error or 5xx) and were retried, as an order system would. */
  retries: number;
  body: unknown;
}

/** Per order: how many payouts the sandbox holds (G1 wants exactly one each). */
export interface PayoutCount {
  perOrder: Map<string, SandboxPayout[]>;
  /** Orders with more than one payout, and how many extra payouts in all. */
  duplicates: number;
  duplicateOrders: string[];
  /** Orders without any payout. */
  missingOrders: string[];
  /** Payouts whose `state` matches no order this stack ever started (something paid out of nowhere). */
  strays: number;
}

export interface WaitResult {
  outcomes: Map<string, PayoutStatusAnswer>;
  /** Orders still without an outcome when the wait gave up (empty on success). */
  pending: string[];
  /** When the last outcome was seen (epoch ms). */
  doneAt: number;
}

export interface ProcessStackOptions {
  /** Names the log files (.data/chaos/logs/<name>-<process>.log). */
  name: string;
  /** Own dev server on a temporary SQLite file (needed to stop/restart Temporal). */
  ownTemporal?: boolean;
  /** A Temporal the caller runs (e.g. the PostgreSQL cluster of test/cluster/); wins over `ownTemporal`. */
  temporal?: StackTemporal;
  workers?: number;
  /** The workers' TEMPORAL_TASK_QUEUE (default: a unique one), e.g. one the caller's cluster was configured for. */
  taskQueue?: string;
  /** Ingress processes (one API key); the first receives the sandbox's webhooks. Default 1. */
  ingresses?: number;
  /** SANDBOX_* overrides (on top of fast test defaults). */
  sandboxEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  ingressEnv?: Record<string, string>;
}

export interface ProcessStack {
  readonly name: string;
  readonly taskQueue: string;
  readonly ingressUrl: string;
  /** Every ingress's base URL (the first is `ingressUrl`). */
  readonly ingressUrls: string[];
  readonly webhookUrl: string;
  readonly temporal: StackTemporal;
  readonly sandbox: SandboxProcess;
  readonly workers: ServiceProcess[];
  readonly ingress: ServiceProcess;
  readonly ingresses: ServiceProcess[];
  /** A Temporal client of the stack's server (for history and descriptions; the payouts go through HTTP). */
  readonly client: Client;

  /** `POST /payouts` (to ingress number `via`, default 0), retried like an order system would on a network error or 5xx. */
  startPayout(order: OrderBody, options?: { attempts?: number; via?: number }): Promise<StartAnswer>;
  /** Starts many, `concurrency` at a time, spread over the ingresses in turn. */
  startPayouts(orders: OrderBody[], concurrency?: number): Promise<StartAnswer[]>;
  /** `GET /payouts/:orderId`; `null` when the ingress does not answer 200. */
  payoutStatus(orderId: string): Promise<PayoutStatusAnswer | null>;
  /** Waits until every order has an outcome (polls the ingress); never throws, reports what is pending. */
  waitForOutcomes(orderIds: string[], options?: { timeoutMs?: number }): Promise<WaitResult>;
  /** Every payout the sandbox holds. */
  sandboxPayouts(): Promise<SandboxPayout[]>;
  countPayouts(orderIds: string[]): Promise<PayoutCount>;
  deliveries(): Promise<SandboxDelivery[]>;
  requests(): Promise<SandboxRequest[]>;
  addFault(spec: FaultSpec): Promise<{ id: string }>;
  /** Faults not consumed yet. */
  pendingFaults(): Promise<{ id: string; remaining: number }[]>;
  /** `payoutEvent` signals in the order's workflow history: the event IDs Temporal durably holds. */
  signalsReceived(orderId: string): Promise<{ eventId: string; source: string; at: number }[]>;
  /** Whether the order's workflow is closed, and when. */
  closedAt(orderId: string): Promise<number | null>;
  /** Activities the workflow has pending (type and state), from Temporal's description. */
  pendingActivities(orderId: string): Promise<{ type: string; state: string; attempt: number }[]>;
  /** Exits of any stack process the harness did not cause. */
  crashes(): { process: string; exit: ProcessExit }[];
  stop(): Promise<void>;
}

/**
 * Starts the stack. Fast settings throughout (sandbox steps in milliseconds, 1-2 s polls, short request
 * timeouts), so that crashes and recoveries fit in a test. The caller must `stop()` it (afterAll).
 */
export async function startProcessStack(options: ProcessStackOptions): Promise<ProcessStack> {
  mkdirSync(STACK_LOG_DIR, { recursive: true });
  const dir = mkdtempSync(path.join(tmpdir(), `payout-stack-${options.name}-`));
  const logFile = (process: string) => path.join(STACK_LOG_DIR, `${options.name}-${process}.log`);
  for (const file of ['worker-1', 'worker-2', 'worker-3', 'ingress', 'ingress-2'].map(logFile))
    rmSync(file, { force: true });
  const bundle = process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE;
  if (!bundle) throw new Error('TEMPORAL_TEST_WORKFLOW_BUNDLE is unset: run through Jest (globalSetup)');

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => {});
  };
  try {
    const temporal = options.temporal ?? (options.ownTemporal ? await ownTemporal(dir) : sharedTemporal());
    cleanups.push(() => temporal.close());
    const ingressPorts = await Promise.all(Array.from({ length: options.ingresses ?? 1 }, () => freePort()));
    const ingressUrls = ingressPorts.map((port) => `http://127.0.0.1:${port}`);
    const ingressUrl = ingressUrls[0]!;
    const webhookUrl = `${ingressUrl}/webhooks/fintecture`;
    const sandbox = await startSandboxProcess({
      SANDBOX_STEP_DELAY_MS: '200',
      SANDBOX_WEBHOOK_RETRY_BASE_MS: '200',
      SANDBOX_WEBHOOK_TIMEOUT_MS: '5000',
      SANDBOX_WEBHOOK_URL: webhookUrl,
      ...options.sandboxEnv,
    });
    cleanups.push(() => sandbox.stop());
    const taskQueue = options.taskQueue ?? uniqueId('chaos');
    const base = {
      PATH: process.env.PATH ?? '',
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      PUBLIC_BASE_URL: ingressUrl,
      // Payloads encrypted as in production, with the committed test key (the harness decodes with it too).
      PAYLOAD_CODEC_KEYS_FILE: TEST_CODEC_KEYS_FILE,
    };

    const workers = Array.from(
      { length: options.workers ?? 1 },
      (_, index) =>
        new ServiceProcess(
          `worker-${index + 1}`,
          'workers/main.ts',
          () => ({
            ...base,
            ...fintectureEnvOf(sandbox),
            WORKFLOW_BUNDLE_PATH: bundle,
            WORKER_LOG_LEVEL: 'INFO',
            FINTECTURE_REQUEST_TIMEOUT_MS: '3000',
            FINTECTURE_TOKEN_TIMEOUT_MS: '3000',
            FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS: '200',
            ...options.workerEnv,
          }),
          (service, since) =>
            eventually(
              () => service.linesSince(since).some((line) => line.includes('"payout worker started"')),
              Boolean,
              { timeoutMs: 60_000, intervalMs: 50, what: `${service.name} to start` },
            ).then(() => undefined),
          logFile(`worker-${index + 1}`),
        ),
    );
    const ingresses = ingressPorts.map(
      (ingressPort, index) =>
        new ServiceProcess(
          index === 0 ? 'ingress' : `ingress-${index + 1}`,
          'client/ingress/main.ts',
          () => ({
            ...base,
            PUBLIC_BASE_URL: ingressUrls[index]!,
            INGRESS_PORT: String(ingressPort),
            INGRESS_HOST: '127.0.0.1',
            INGRESS_API_KEY: STACK_API_KEY,
            FINTECTURE_APP_ID: sandbox.appId,
            FINTECTURE_PRIVATE_KEY: sandbox.privateKeyPath,
            PAYOUT_POLL_DELAYS_SECONDS: '1,2',
            PAYOUT_MAX_WAIT_SECONDS: '300',
            ...options.ingressEnv,
          }),
          () => waitForHealth(`${ingressUrls[index]}/healthz`, 60_000),
          logFile(index === 0 ? 'ingress' : `ingress-${index + 1}`),
        ),
    );
    const ingress = ingresses[0]!;
    const services = [...workers, ...ingresses];
    cleanups.push(async () => {
      await Promise.all(services.map((service) => service.close()));
    });
    await Promise.all(services.map((service) => service.start()));

    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const dataConverter = testDataConverter();
    const client = new Client({ connection, namespace: temporal.namespace, dataConverter });
    /** Decodes one payload of the history as the processes encoded it (codec, then JSON). */
    const decodePayload = async (payload: Payload): Promise<unknown> => {
      let payloads = [payload];
      for (const codec of [...(dataConverter.payloadCodecs ?? [])].reverse()) {
        payloads = await codec.decode(payloads);
      }
      return defaultPayloadConverter.fromPayload(payloads[0]!);
    };

    const control = <T>(method: string, route: string, body?: unknown) =>
      sandbox.control<T>(method, route, body);
    const handle = (orderId: string) => client.workflow.getHandle(`payout-${orderId}`);
    const startedOrders = new Set<string>();
    /** Aborted by `stop()`: in-flight requests and retry loops end with the stack, so nothing outlives it. */
    const closing = new AbortController();
    const pause = (ms: number) => sleep(ms, undefined, { signal: closing.signal }).catch(() => {});

    async function ingressRequest(
      method: string,
      route: string,
      body?: unknown,
      via = 0,
    ): Promise<{ status: number; json: unknown }> {
      const response = await fetch(`${ingressUrls[via % ingressUrls.length]}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${STACK_API_KEY}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(60_000)]),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      return { status: response.status, json };
    }

    const stack: ProcessStack = {
      name: options.name,
      taskQueue,
      ingressUrl,
      ingressUrls,
      webhookUrl,
      temporal,
      sandbox,
      workers,
      ingress,
      ingresses,
      client,

      async startPayout(order, { attempts = 10, via = 0 } = {}) {
        startedOrders.add(`payout-${order.orderId}`);
        let retries = 0;
        let last: { status: number; json: unknown } = { status: 0, json: undefined };
        for (let attempt = 1; attempt <= attempts; attempt++) {
          try {
            last = await ingressRequest('POST', '/payouts', order, via);
            if (last.status < 500) break;
          } catch (error) {
            last = { status: 0, json: String(error) };
          }
          retries += 1;
          if (closing.signal.aborted) break;
          await pause(500 * attempt);
        }
        return { orderId: order.orderId, status: last.status, retries, body: last.json };
      },

      async startPayouts(orders, concurrency = 20) {
        let turn = 0;
        return mapLimit(orders, concurrency, (order) => stack.startPayout(order, { via: turn++ }));
      },

      async payoutStatus(orderId) {
        try {
          const answer = await ingressRequest('GET', `/payouts/${encodeURIComponent(orderId)}`);
          return answer.status === 200 ? (answer.json as PayoutStatusAnswer) : null;
        } catch {
          return null;
        }
      },

      async waitForOutcomes(orderIds, { timeoutMs = 120_000 } = {}) {
        const outcomes = new Map<string, PayoutStatusAnswer>();
        const deadline = Date.now() + timeoutMs;
        let doneAt = Date.now();
        for (;;) {
          const pending = orderIds.filter((id) => !outcomes.has(id));
          if (pending.length === 0) return { outcomes, pending: [], doneAt };
          if (Date.now() > deadline || closing.signal.aborted) return { outcomes, pending, doneAt };
          await mapLimit(pending, 16, async (orderId) => {
            const status = await stack.payoutStatus(orderId);
            if (status?.outcome) {
              outcomes.set(orderId, status);
              doneAt = Date.now();
            }
          });
          if (outcomes.size < orderIds.length) await pause(250);
        }
      },

      sandboxPayouts: () => control<SandboxPayout[]>('GET', '/payouts'),

      async countPayouts(orderIds) {
        const all = await stack.sandboxPayouts();
        const byState = new Map<string, SandboxPayout[]>();
        for (const payout of all) byState.set(payout.state, [...(byState.get(payout.state) ?? []), payout]);
        const perOrder = new Map(orderIds.map((id) => [id, byState.get(`payout-${id}`) ?? []]));
        const duplicateOrders = orderIds.filter((id) => (perOrder.get(id)?.length ?? 0) > 1);
        return {
          perOrder,
          duplicateOrders,
          duplicates: duplicateOrders.reduce((sum, id) => sum + (perOrder.get(id)!.length - 1), 0),
          missingOrders: orderIds.filter((id) => (perOrder.get(id)?.length ?? 0) === 0),
          strays: all.filter((payout) => !startedOrders.has(payout.state)).length,
        };
      },

      deliveries: () => control<SandboxDelivery[]>('GET', '/webhooks/deliveries'),
      requests: () => control<SandboxRequest[]>('GET', '/requests'),
      addFault: (spec) => control<{ id: string }>('POST', '/faults', spec),
      pendingFaults: () => control<{ id: string; remaining: number }[]>('GET', '/faults'),

      async signalsReceived(orderId) {
        const history = await handle(orderId).fetchHistory();
        const signals = [];
        for (const event of history.events ?? []) {
          const signal = event.workflowExecutionSignaledEventAttributes;
          if (!signal || signal.signalName !== 'payoutEvent') continue;
          const payload = signal.input?.payloads?.[0];
          const decoded = (payload ? await decodePayload(payload) : {}) as {
            eventId?: string;
            source?: string;
          };
          const seconds = Number(event.eventTime?.seconds ?? 0);
          const nanos = event.eventTime?.nanos ?? 0;
          signals.push({
            eventId: String(decoded.eventId),
            source: String(decoded.source),
            at: seconds * 1000 + Math.floor(nanos / 1e6),
          });
        }
        return signals;
      },

      async closedAt(orderId) {
        const description = await handle(orderId).describe();
        return description.closeTime ? description.closeTime.getTime() : null;
      },

      async pendingActivities(orderId) {
        const description = await handle(orderId).describe();
        return (description.raw.pendingActivities ?? []).map((activity) => ({
          type: activity.activityType?.name ?? '?',
          state: PENDING_ACTIVITY_STATES[Number(activity.state ?? 0)] ?? String(activity.state),
          attempt: activity.attempt ?? 0,
        }));
      },

      crashes() {
        return services.flatMap((service) =>
          service.crashes().map((exit) => ({ process: service.name, exit })),
        );
      },

      async stop() {
        closing.abort();
        await cleanup();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return stack;
  } catch (error) {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** temporal.api.enums.v1.PendingActivityState */
const PENDING_ACTIVITY_STATES: Record<number, string> = {
  1: 'SCHEDULED',
  2: 'STARTED',
  3: 'CANCEL_REQUESTED',
  4: 'PAUSED',
  5: 'PAUSE_REQUESTED',
};

/** Runs `task` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function mapLimit<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await task(items[index]!);
  });
  await Promise.all(lanes);
  return results;
}
