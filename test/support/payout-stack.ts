import { NativeConnection } from '@temporalio/worker';
import type { Client, Connection } from '@temporalio/client';
import { createPayoutActivities, FintectureClient, loadFintectureConfig } from '../../activities';
import { DEFAULT_PAYOUT_SETTINGS, type PayoutSettings } from '../../domain/payout-settings';
import type { PayoutRequest } from '../../domain/payout-request';
import { createPayoutWorker, type PayoutWorker } from '../../workers/payout-worker';
import {
  awaitCreatedUpdate,
  PAYOUT_WORKFLOW_TYPE,
  payoutWorkflowId,
  type PayoutResult,
  type PayoutStatusView,
  type PayoutWorkflowInput,
} from '../../workflows/messages';
import { PayoutOrderId, PayoutScenario, PayoutStatus, scenarioLabel } from '../../domain/search-attributes';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { testDataConverter } from './codec';
import type { OrderWebhookConfig } from '../../common/order-webhooks';
import { startSandboxProcess, type SandboxProcess } from './sandbox-process';
import { connectTestClient, testNamespace, testTemporalAddress, uniqueId } from './temporal';

/** Poll fast in real-time tests: the sandbox moves in milliseconds. */
export const FAST_SETTINGS: PayoutSettings = {
  ...DEFAULT_PAYOUT_SETTINGS,
  pollDelaysSeconds: [1, 1, 2],
  maxWaitSeconds: 120,
};

export interface PayoutStack {
  sandbox: SandboxProcess;
  client: Client;
  taskQueue: string;
  worker: PayoutWorker;
  /** The workflow's FINTECTURE_* environment, as a worker process would get it. */
  fintectureEnv: Record<string, string>;
  /** Starts `PayoutWorkflow` for an order like the ingress does, waiting until the payout is created. */
  startPayout(order: PayoutRequest, settings?: PayoutSettings): Promise<PayoutStatusView>;
  result(orderId: string): Promise<PayoutResult>;
  /** Fintecture-side payouts for this order (G1 counts these). */
  payoutsAtFintecture(
    orderId: string,
  ): Promise<{ sessionId: string; status: string; transferState: string | null }[]>;
  stop(): Promise<void>;
}

export interface PayoutStackOptions {
  sandboxEnv?: Record<string, string>;
  /** Another Temporal server (the time-skipping one); default: the run's dev server. */
  temporal?: { connection: NativeConnection; client: Client; namespace: string };
  publicBaseUrl?: string;
  /** Outcome events to the order system (the worker's NOTIFY_WEBHOOK_* settings); default: none. */
  notify?: OrderWebhookConfig;
}

/**
 * A running payout stack for a test file: a sandbox process, and a worker (real activities, prebundled
 * workflow code) on a fresh task queue of the real Temporal server.
 */
export async function startPayoutStack(options: PayoutStackOptions = {}): Promise<PayoutStack> {
  const sandbox = await startSandboxProcess(options.sandboxEnv);
  const fintectureEnv = {
    FINTECTURE_API_URL: sandbox.baseUrl,
    FINTECTURE_APP_ID: sandbox.appId,
    FINTECTURE_APP_SECRET: sandbox.appSecret,
    FINTECTURE_PRIVATE_KEY: sandbox.privateKeyPath,
    PUBLIC_BASE_URL: options.publicBaseUrl ?? 'http://127.0.0.1:4000',
    FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS: '50',
  };
  const config = loadFintectureConfig(fintectureEnv);
  const logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const activities = createPayoutActivities({
    client: new FintectureClient({ config, logger }),
    config,
    logger,
    notify: options.notify ?? null,
  });

  let ownConnection: Connection | undefined;
  let client: Client;
  let nativeConnection: NativeConnection;
  let namespace: string;
  if (options.temporal) {
    ({ client, namespace } = options.temporal);
    nativeConnection = options.temporal.connection;
  } else {
    const connected = await connectTestClient();
    client = connected.client;
    ownConnection = connected.connection;
    namespace = testNamespace();
    nativeConnection = await NativeConnection.connect({ address: testTemporalAddress() });
  }
  const taskQueue = uniqueId('payouts');
  const worker = await createPayoutWorker({
    connection: nativeConnection,
    namespace,
    taskQueue,
    activities,
    dataConverter: testDataConverter(),
    workflowBundlePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE,
    maxCachedWorkflows: 100,
  });
  const running = worker.run();

  return {
    sandbox,
    client,
    taskQueue,
    worker,
    fintectureEnv,
    startPayout(order, settings = FAST_SETTINGS) {
      return startPayoutOn(client, taskQueue, order, settings);
    },
    result(orderId) {
      return client.workflow.getHandle(payoutWorkflowId(orderId)).result() as Promise<PayoutResult>;
    },
    async payoutsAtFintecture(orderId) {
      return sandbox.control('GET', `/payouts?state=${encodeURIComponent(`payout-${orderId}`)}`);
    },
    async stop() {
      worker.shutdown();
      await running;
      if (!options.temporal) {
        await nativeConnection.close();
        await ownConnection?.close();
      }
      await sandbox.stop();
    },
  };
}

/** Starts `PayoutWorkflow` for an order like the ingress does (update-with-start), waiting until it is created. */
export function startPayoutOn(
  client: Client,
  taskQueue: string,
  order: PayoutRequest,
  settings: PayoutSettings = FAST_SETTINGS,
): Promise<PayoutStatusView> {
  const input: PayoutWorkflowInput = { order, settings };
  const start = new WithStartWorkflowOperation(PAYOUT_WORKFLOW_TYPE, {
    workflowId: payoutWorkflowId(order.orderId),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: PayoutOrderId, value: order.orderId },
      { key: PayoutScenario, value: scenarioLabel(order.beneficiary ? 2 : 1) },
      { key: PayoutStatus, value: 'CREATING' },
    ],
  });
  return client.workflow.executeUpdateWithStart(awaitCreatedUpdate, { startWorkflowOperation: start });
}

/** A valid order for the tests: scenario 2 with `beneficiary`, scenario 1 without. */
export function testOrder(overrides: Partial<PayoutRequest> & { verified?: boolean } = {}): PayoutRequest {
  const { verified = true, ...rest } = overrides;
  return {
    orderId: uniqueId('order'),
    amount: '26.99',
    currency: 'EUR',
    communication: 'MyShop REFUND from Order 123',
    payee: { name: 'John Doe', email: 'john@doe.example' },
    delivery: 'link',
    expiresInSeconds: 7 * 24 * 3600,
    ...(verified
      ? { beneficiary: { name: 'John Doe', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPXXX' } }
      : {}),
    ...rest,
  } as PayoutRequest;
}
