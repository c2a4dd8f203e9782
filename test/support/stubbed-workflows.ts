import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { readShowsChange, type SessionWatchRequest } from '../../domain/activity-facts';
import { watchDelaySeconds } from '../../domain/payout-decisions';
import { type PayoutActivities } from '../../activities';
import { type PayoutRequest } from '../../domain/payout-request';
import { DEFAULT_PAYOUT_SETTINGS, type PayoutSettings } from '../../domain/payout-settings';
import { type CreatedPayout, type PayoutSnapshot } from '../../domain/payout-session';
import { createPayoutWorker } from '../../workers/payout-worker';
import { PAYOUT_WORKFLOW_TYPE, payoutWorkflowId } from '../../workflows/messages';
import { testDataConverter } from './codec';
import { uniqueId } from './temporal';
import { startTimeSkippingEnvironment } from './time-skipping';

/**
 * PayoutWorkflow with stubbed activities on the time-skipping server (test/workflows/): the facts activities
 * hand back, and a worker on a fresh task queue running the run's prebundled workflow code.
 */

export const STUB_SESSION_ID = 'a'.repeat(32);

/** Polls every 30 s, gives up after an hour; a payout link's grace is a minute (the server skips the time). */
export const STUB_SETTINGS: PayoutSettings = {
  ...DEFAULT_PAYOUT_SETTINGS,
  pollDelaysSeconds: [30],
  maxWaitSeconds: 3600,
  linkGraceSeconds: 60,
};

/**
 * The time-skipping server for the calling test file (started before its tests, torn down after), and
 * payouts started on it with `settings`.
 */
export function stubbedPayoutServer(settings: PayoutSettings) {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    env = await startTimeSkippingEnvironment();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  const server = {
    get env(): TestWorkflowEnvironment {
      if (!env) throw new Error('the time-skipping server is not started yet');
      return env;
    },
    withWorker<T>(activities: PayoutActivities, body: (taskQueue: string) => Promise<T>): Promise<T> {
      return withStubbedWorker(server.env, activities, body);
    },
    start(taskQueue: string, order: PayoutRequest) {
      return startStubbedPayout(server.env, taskQueue, order, settings);
    },
  };
  return server;
}

/** What `createPayoutSession` hands back for a verified payout just created. */
export function stubSession(overrides: Partial<CreatedPayout> = {}): CreatedPayout {
  return {
    sessionId: STUB_SESSION_ID,
    sessionStatus: 'payment_created',
    scenario: 2,
    connectUrl: null,
    transferState: 'initiated',
    state: 'payout-x',
    endToEndId: 'e2e',
    adopted: false,
    unrecognised: null,
    ...overrides,
  };
}

/** What `fetchPayout` reads for a settled transfer. */
export function stubSnapshot(overrides: Partial<PayoutSnapshot> = {}): PayoutSnapshot {
  return {
    sessionId: STUB_SESSION_ID,
    sessionStatus: 'payment_created',
    transferState: 'completed',
    transferReason: null,
    amount: '26.99',
    currency: 'EUR',
    communication: null,
    endToEndId: null,
    executionDate: '2026-12-01',
    scheme: 'SEPA',
    unrecognised: null,
    ...overrides,
  };
}

/** Runs `body` while a worker with `activities` serves a fresh task queue. */
export async function withStubbedWorker<T>(
  env: TestWorkflowEnvironment,
  activities: PayoutActivities,
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = uniqueId('stubbed');
  const worker = await createPayoutWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities,
    dataConverter: testDataConverter(),
    workflowBundlePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE,
  });
  return worker.runUntil(body(taskQueue));
}

export function startStubbedPayout(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  order: PayoutRequest,
  settings: PayoutSettings,
) {
  return env.client.workflow.start(PAYOUT_WORKFLOW_TYPE, {
    workflowId: payoutWorkflowId(order.orderId),
    taskQueue,
    args: [{ order, settings }],
  });
}

/**
 * `watchSession` over a stubbed read, keeping the real activity's contract (activities/payout-activities.ts):
 * attempt 1 only waits; later attempts read and return the first read that shows something new; otherwise
 * `SessionUnchanged` with the delay to the next read, so Temporal's retries are the reads.
 */
export function stubWatch(read: (sessionId: string) => Promise<PayoutSnapshot>) {
  return async (watch: SessionWatchRequest): Promise<PayoutSnapshot> => {
    const attempt = Context.current().info.attempt;
    if (attempt > 1) {
      const snapshot = await read(watch.sessionId);
      if (readShowsChange(watch.known, snapshot)) return snapshot;
    }
    throw ApplicationFailure.create({
      type: 'SessionUnchanged',
      message: 'stub: nothing new',
      nextRetryDelay: watchDelaySeconds(watch.delaysSeconds, attempt) * 1000,
    });
  };
}
