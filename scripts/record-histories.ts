/**
 * `npm run record-histories [-- NAME …]`: records the workflow histories of the paths through
 * PayoutWorkflow (catalogue: test/replay/recorded-paths.ts) into test/replay/histories/<path>.json, the
 * files test/replay/replay.test.ts replays against the current workflow code (DESIGN.md §5 G6). With
 * names, only those paths are recorded; without, every path the current code can record.
 *
 * Paths that `predate` a patch are never recorded again: the current code takes the patch's new path, and
 * their files, kept as recorded, are the proof that histories of payouts started before the patch still
 * replay. Naming one is an error.
 *
 * It runs everything itself — the workflow bundle, a Temporal dev server on a temporary SQLite file, and
 * payout stacks (sandbox process + worker, test/support/payout-stack.ts) with the production data converter
 * (payloads encrypted with the committed test key) — in three lanes: paths that run side by side; paths that
 * inject faults into their own sandbox, one after the other; and the link-deadline path on the
 * time-skipping server. Each path is driven the way production drives it (update-with-start, `payoutEvent`
 * signals as the ingress sends them, outcomes and faults set at the sandbox, which runs its default
 * `documented` profile), then checked against its catalogue entry and scanned for secrets. Nothing is
 * written unless every path checks out.
 *
 * A few paths need what the stack's worker does not give: the production late-commit wait, a read that
 * shows a status Fintecture may add, or a receiver of outcome events (NOTIFY_WEBHOOK_URL, a
 * test/support/order-receiver.ts process). They run a worker of their own (real activities, the same
 * sandbox) on another task queue.
 *
 * The `documented-*` recordings below predate NOTIFY_ORDER_SYSTEM_PATCH: their catalogue entries say so,
 * and the recorder refuses them (today's code would add that patch's marker and outcome events). They stay
 * here as the record of how those files were made.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';
import { format, resolveConfig } from 'prettier';
import { createPayoutActivities, FintectureClient, loadFintectureConfig } from '../activities';
import { buildCreatePayoutCall } from '../activities/payout-create-request';
import { payoutReferencesFor } from '../activities/payout-references';
import { orderWebhookConfigFrom, type OrderWebhookConfig } from '../common/order-webhooks';
import { Secret } from '../common/secret';
import { WATCH_SESSION_ACTIVITY } from '../domain/activity-facts';
import type { PayoutRequest } from '../domain/payout-request';
import { DEFAULT_PAYOUT_SETTINGS, type PayoutSettings } from '../domain/payout-settings';
import { testDataConverter } from '../test/support/codec';
import { startOrderReceiver, type OrderReceiver } from '../test/support/order-receiver';
import { TEST_BIC, TEST_IBAN } from '../test/support/payout-bodies';
import {
  FAST_SETTINGS,
  startPayoutOn,
  startPayoutStack,
  testOrder,
  type PayoutStack,
} from '../test/support/payout-stack';
import { startTimeSkippingEnvironment } from '../test/support/time-skipping';
import { eventually } from '../test/support/wait';
import { historyToJson } from '../test/replay/history-json';
import {
  clearPayloads,
  findSecrets,
  HISTORIES_DIR,
  historyFile,
  mismatches,
  RECORDED_PATHS,
  recordedFiles,
  recordedOrderId,
  summarize,
} from '../test/replay/recorded-paths';
import { createPayoutWorker } from '../workers/payout-worker';
import { payoutEventSignal, payoutWorkflowId, type PayoutEvent, statusQuery } from '../workflows/messages';
import { bundleWorkflows } from './bundle-workflows';
import { startDevServer } from './temporal-dev-server';

const { PendingActivityState } = proto.api.enums.v1;

/** Only events, the cancel update or a deadline end the wait: nothing is left to a poll's timing. */
const EVENT_DRIVEN: PayoutSettings = { ...FAST_SETTINGS, pollDelaysSeconds: [3600] };

/** The default of FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS (the stacks' workers wait 50 ms). */
const PRODUCTION_LATE_COMMIT_WAIT_MS = 60_000;

/** Outcome events retried fast, for as long as a recording may wait for them. */
const FAST_NOTIFY_RETRY: NonNullable<PayoutSettings['notifyRetry']> = {
  initialIntervalSeconds: 0.2,
  maximumIntervalSeconds: 0.5,
  giveUpAfterSeconds: 60,
};

/** The order system's webhook secret of this run's receivers (never in a history: checked like the others). */
const NOTIFY_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** A closed run to write: its file name and its execution. */
interface Recorded {
  name: string;
  client: Client;
  workflowId: string;
  runId?: string;
}

interface SandboxPayout {
  sessionId: string;
  status: string;
  transferState: string | null;
}

interface ForeignSession {
  sessionId: string;
  kind: string;
  readable: boolean;
}

interface SandboxFault {
  route: 'token' | 'create' | 'fetch' | 'list' | 'cancel' | '*';
  mode?: 'status' | 'delay' | 'drop' | 'malformed' | 'commit-then-drop';
  status?: number;
  times?: number;
  retryAfterSeconds?: number;
  delayMs?: number;
}

/** Where a driver's stack runs workflows: what a worker of its own needs. */
interface TemporalTarget {
  connection: NativeConnection;
  client: Client;
  namespace: string;
}

const silentLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The order a path's payout is for: its order ID is stable, so re-recording changes only what changed. */
function orderFor(name: string, order: Parameters<typeof testOrder>[0] = {}): PayoutRequest {
  return testOrder({ ...order, orderId: recordedOrderId(name) });
}

/** The moves a recording is made of, on one stack. */
function driver(stack: PayoutStack, temporal: TemporalTarget) {
  const sandboxPayout = (sessionId: string) =>
    stack.sandbox.control<SandboxPayout>('GET', `/payouts/${sessionId}`);

  const self = {
    stack,
    temporal,
    /** Starts the path's payout like the ingress does (update-with-start), answering once it is created. */
    async start(name: string, order: Parameters<typeof testOrder>[0], settings = FAST_SETTINGS) {
      const request = orderFor(name, order);
      const created = await stack.startPayout(request, settings);
      const handle = stack.client.workflow.getHandle(payoutWorkflowId(request.orderId));
      return { created, sessionId: created.sessionId ?? '', handle };
    },
    /**
     * The same, for a payout whose create does not answer soon: answers as soon as the workflow runs, with
     * `created` settling once the payout is created.
     */
    async startInBackground(name: string, order: Parameters<typeof testOrder>[0], settings = FAST_SETTINGS) {
      const created = self.start(name, order, settings).then((started) => started.created);
      created.catch(() => undefined); // the caller awaits it, and sees a failure there
      const handle = stack.client.workflow.getHandle(payoutWorkflowId(recordedOrderId(name)));
      await eventually(() => handle.describe().catch(() => null), Boolean, { what: 'the workflow to start' });
      return { created, handle };
    },
    /** Waits for the run to close and names the file it goes to. */
    async closed(name: string, handle: WorkflowHandle): Promise<Recorded[]> {
      await handle.result();
      console.log(`  ${name}: closed`);
      return [{ name, client: stack.client, workflowId: handle.workflowId }];
    },
    atFintecture(sessionId: string, accept: (payout: SandboxPayout) => boolean, what: string) {
      return eventually(() => sandboxPayout(sessionId), accept, { what, timeoutMs: 30_000 });
    },
    /** The order's sessions at Fintecture (the sandbox finds them by the `state` we send). */
    sessionsOf(name: string) {
      return stack.payoutsAtFintecture(recordedOrderId(name));
    },
    payeeSubmits(sessionId: string) {
      return stack.sandbox.control('POST', `/payouts/${sessionId}/payee`, {
        name: 'John Doe',
        iban: TEST_IBAN,
        bic: TEST_BIC,
      });
    },
    /** What the ingress signals for a verified webhook or a payee redirect. */
    async event(
      handle: WorkflowHandle,
      source: PayoutEvent['source'],
      sessionId: string,
      eventId: string,
      fields: Pick<PayoutEvent, 'status' | 'transferState'>,
    ) {
      const event: PayoutEvent = {
        source,
        sessionId,
        eventId,
        ...fields,
        receivedAt: new Date().toISOString(),
      };
      await handle.signal(payoutEventSignal, event);
    },
    fault(fault: SandboxFault) {
      return stack.sandbox.control('POST', '/faults', { mode: 'status', times: 1, ...fault });
    },
    /** Waits until the sandbox's pending faults are all used up. */
    faultsUsed(what: string) {
      return eventually(
        () => stack.sandbox.control<unknown[]>('GET', '/faults'),
        (faults) => faults.length === 0,
        { what, timeoutMs: 30_000 },
      );
    },
    /**
     * Creates a session for `order` at Fintecture directly, with the order's reference, as another create
     * of the same order would (an earlier attempt or process): not through the workflow.
     */
    async createAtFintecture(order: PayoutRequest): Promise<string> {
      const config = loadFintectureConfig(stack.fintectureEnv);
      const client = new FintectureClient({ config, logger: silentLogger });
      const call = buildCreatePayoutCall(order, payoutReferencesFor(order.orderId), config.redirectUri);
      return (await client.createPayout(call)).sessionId;
    },
    /** A readable session of the application that is not one of our payouts. */
    async foreignSession(kind: string): Promise<string> {
      const foreign = await stack.sandbox.control<ForeignSession[]>('GET', '/foreign');
      const session = foreign.filter((entry) => entry.kind === kind && entry.readable).at(-1);
      if (!session) throw new Error(`the sandbox lists no readable foreign session of kind ${kind}`);
      return session.sessionId;
    },
  };
  return self;
}

type Driver = ReturnType<typeof driver>;
type Recording = (d: Driver) => Promise<Recorded[]>;

/**
 * Runs `body` with a driver whose payouts run on a worker of their own, on `d`'s sandbox: real activities,
 * with FINTECTURE_* settings changed by `env`, `fetch` between them and Fintecture, and outcome events sent
 * as `notify` says (default: none configured).
 */
async function withOwnWorker<T>(
  d: Driver,
  options: { env?: Record<string, string>; fetch?: typeof fetch; notify?: OrderWebhookConfig },
  body: (own: Driver) => Promise<T>,
): Promise<T> {
  const { stack, temporal } = d;
  const config = loadFintectureConfig({ ...stack.fintectureEnv, ...options.env });
  const client = new FintectureClient({ config, logger: silentLogger, fetch: options.fetch });
  const taskQueue = `${stack.taskQueue}-own-${Math.random().toString(36).slice(2, 8)}`;
  const worker = await createPayoutWorker({
    connection: temporal.connection,
    namespace: temporal.namespace,
    taskQueue,
    activities: createPayoutActivities({ client, config, logger: silentLogger, notify: options.notify }),
    dataConverter: testDataConverter(),
    workflowBundlePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE,
  });
  const own: PayoutStack = {
    ...stack,
    taskQueue,
    worker,
    startPayout: (order, settings) => startPayoutOn(stack.client, taskQueue, order, settings),
  };
  return worker.runUntil(body(driver(own, temporal)));
}

/**
 * A `fetch` under which every read of a single session (`GET /pis/v2/payments/{id}`) shows `status` and
 * `transfer_state` as given: a status Fintecture has added since the guide was written (§9: the lists
 * grow). Everything else, creates and list pages included, goes through untouched.
 */
function readsShowing(status: string, transferState: string): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const url = new URL(input instanceof Request ? input.url : String(input));
    const read = method.toUpperCase() === 'GET' && /^\/pis\/v2\/payments\/[^/]+$/.test(url.pathname);
    if (!read || response.status !== 200) return response;
    const body = (await response.json()) as {
      meta?: Record<string, unknown>;
      data?: { attributes?: Record<string, unknown> };
    };
    if (body.meta) body.meta.status = status;
    if (body.data?.attributes) body.data.attributes.transfer_state = transferState;
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(JSON.stringify(body), { status: response.status, headers });
  };
}

/**
 * Runs `body` with a driver whose worker sends outcome events to a receiver process of its own, started
 * with `receiverEnv` (test/support/order-receiver-main.ts), signed with NOTIFY_SECRET.
 */
async function withReceiver<T>(
  d: Driver,
  receiverEnv: Record<string, string>,
  body: (own: Driver, receiver: OrderReceiver) => Promise<T>,
): Promise<T> {
  const receiver = await startOrderReceiver(receiverEnv);
  try {
    const notify = orderWebhookConfigFrom({
      NOTIFY_WEBHOOK_URL: [receiver.url],
      NOTIFY_WEBHOOK_SECRET: new Secret(NOTIFY_SECRET),
    })!;
    return await withOwnWorker(d, { notify }, (own) => body(own, receiver));
  } finally {
    await receiver.stop();
  }
}

/** What a receiver answered, per event, in the order it was asked: `payout.created:503,…`. */
function answersOf(receiver: OrderReceiver): string {
  return receiver.received
    .map((event) => `${event.headers['webhook-id'].replace(/^.*:/, '')}:${event.answeredWith}`)
    .join(',');
}

/** Waits until the receiver has logged `expected` (its log line may come just after its answer). */
async function receiverAnswered(name: string, receiver: OrderReceiver, expected: RegExp): Promise<void> {
  await eventually(
    () => answersOf(receiver),
    (answers) => expected.test(answers),
    { what: `${name}: the receiver to answer ${String(expected)}`, timeoutMs: 30_000 },
  ).catch(() => {
    throw new Error(`${name}: the receiver answered ${answersOf(receiver)}, not ${String(expected)}`);
  });
}

/** Paths that share a sandbox and run side by side. */
const SIDE_BY_SIDE: Record<string, Recording> = {
  async 'documented-scenario2-settled'(d) {
    const { handle } = await d.start('documented-scenario2-settled', {});
    return d.closed('documented-scenario2-settled', handle);
  },

  async 'documented-scenario1-webhook'(d) {
    const name = 'documented-scenario1-webhook';
    // 409.00 holds the transfer at `blocked`: the first webhook finds a state that stays put.
    const { sessionId, handle } = await d.start(name, { verified: false, amount: '409.00' }, EVENT_DRIVEN);
    await d.payeeSubmits(sessionId);
    await d.atFintecture(sessionId, (p) => p.transferState === 'blocked', 'the transfer to block');
    // Dropped: an event for another session.
    await d.event(handle, 'webhook', 'f'.repeat(32), 'webhook-forged', { status: 'payment_created' });
    const blocked = { status: 'payment_created', transferState: 'blocked' };
    await d.event(handle, 'webhook', sessionId, 'webhook-1', blocked);
    await eventually(
      () => handle.query(statusQuery),
      (view) => view.transferState === 'blocked',
      { what: 'the first webhook to be applied' },
    );
    // Dropped: a second delivery of the same webhook.
    await d.event(handle, 'webhook', sessionId, 'webhook-1', blocked);
    await d.stack.sandbox.control('POST', `/payouts/${sessionId}/outcome`, { transferState: 'completed' });
    await d.event(handle, 'webhook', sessionId, 'webhook-2', {
      status: 'payment_created',
      transferState: 'completed',
    });
    return d.closed(name, handle);
  },

  async 'documented-create-ambiguous'(d) {
    const name = 'documented-create-ambiguous';
    // Two sessions with the order's reference, made before the workflow runs (two earlier creates of the
    // order): the create cannot tell which is the order's and sends nothing.
    const order = orderFor(name);
    await d.createAtFintecture(order);
    await d.createAtFintecture(order);
    const { handle } = await d.start(name, {});
    return d.closed(name, handle);
  },

  async 'documented-unrecognised-state'(d) {
    const name = 'documented-unrecognised-state';
    // The sandbox's foreign `other-payout` shows `payout_scheduled`/`returned`: here Fintecture reads our
    // payout that way. 409.00 keeps the sandbox's own lifecycle from moving under it.
    return withOwnWorker(d, { fetch: readsShowing('payout_scheduled', 'returned') }, async (own) => {
      const { handle } = await own.start(name, { amount: '409.00' }, { ...FAST_SETTINGS, maxWaitSeconds: 3 });
      return own.closed(name, handle);
    });
  },
};

/** Outcome events (NOTIFY_ORDER_SYSTEM_PATCH): each path on a worker of its own, side by side. */
const NOTIFYING: Record<string, Recording> = {
  async 'notify-scenario2-settled'(d) {
    const name = 'notify-scenario2-settled';
    // The receiver refuses the first request (503): payout.created is delivered on its retry.
    return withReceiver(d, { RECEIVER_REFUSE_FIRST: '1' }, async (own, receiver) => {
      const settings = { ...FAST_SETTINGS, notifyRetry: FAST_NOTIFY_RETRY };
      const { handle } = await own.start(name, {}, settings);
      const recorded = await own.closed(name, handle);
      await receiverAnswered(name, receiver, /^payout\.created:503,payout\.created:204,payout\.settled:204$/);
      return recorded;
    });
  },

  async 'notify-not-configured'(d) {
    const name = 'notify-not-configured';
    // A worker without NOTIFY_WEBHOOK_URL: the activity answers at once that nothing is configured.
    return withOwnWorker(d, {}, async (own) => {
      const { handle } = await own.start(name, {});
      return own.closed(name, handle);
    });
  },

  async 'notify-delivery-failed'(d) {
    const name = 'notify-delivery-failed';
    // The receiver refuses everything; the payout's retry budget is 2 s per event.
    return withReceiver(d, { RECEIVER_REFUSE_ALL: '1' }, async (own, receiver) => {
      const notifyRetry = { initialIntervalSeconds: 0.2, maximumIntervalSeconds: 0.5, giveUpAfterSeconds: 2 };
      const { handle } = await own.start(name, {}, { ...FAST_SETTINGS, notifyRetry });
      const recorded = await own.closed(name, handle);
      await receiverAnswered(
        name,
        receiver,
        /^(payout\.created:503,)+(payout\.settled:503,)*payout\.settled:503$/,
      );
      return recorded;
    });
  },
};

/**
 * The workflow's POST is held at the sandbox after its search found nothing; meanwhile another create of the
 * order commits (scenario 2: paying at once, so it cannot be cancelled).
 */
function duplicateCommitsWhileTheCreateIsHeld(name: string): Recording {
  return async (d) => {
    await d.fault({ route: 'create', mode: 'delay', delayMs: 5_000 });
    const { created, handle } = await d.startInBackground(name, {});
    await d.faultsUsed("the workflow's create to reach the sandbox");
    await d.createAtFintecture(orderFor(name));
    await created;
    return d.closed(name, handle);
  };
}

/** Paths that inject a fault into their sandbox: one after the other, on a sandbox of their own. */
const ONE_BY_ONE: Record<string, Recording> = {
  'documented-duplicate-payout': duplicateCommitsWhileTheCreateIsHeld('documented-duplicate-payout'),

  async 'documented-adopted-from-event'(d) {
    const name = 'documented-adopted-from-event';
    // The production late-commit wait: the retry of the create whose answer was lost waits a minute before
    // it searches again. The webhook naming the session arrives meanwhile.
    const env = { FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS: String(PRODUCTION_LATE_COMMIT_WAIT_MS) };
    return withOwnWorker(d, { env }, async (own) => {
      await own.fault({ route: 'create', mode: 'commit-then-drop' });
      const { created, handle } = await own.startInBackground(name, { verified: false }, EVENT_DRIVEN);
      const [session] = await eventually(
        () => own.sessionsOf(name),
        (sessions) => sessions.length === 1,
        { what: 'the create to commit at Fintecture', timeoutMs: 30_000 },
      );
      const sessionId = session!.sessionId;
      // The retry is running: waiting for a late commit before it searches (cancellable, heartbeating).
      await eventually(
        async () => (await handle.describe()).raw.pendingActivities ?? [],
        (pending) =>
          pending.some(
            (activity) =>
              activity.activityType?.name === 'createPayoutSession' &&
              (activity.attempt ?? 0) >= 2 &&
              activity.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
          ),
        { what: "the create's retry to start", timeoutMs: 30_000 },
      );
      // First a webhook for a session that is not the order's (it only looks like it): read, ignored.
      const lookalike = await own.foreignSession('lookalike-payout');
      await own.event(handle, 'webhook', lookalike, 'webhook-foreign', { status: 'iban_required' });
      await own.event(handle, 'webhook', sessionId, 'webhook-1', { status: 'iban_required' });
      const view = await created;
      if (view.sessionId !== sessionId)
        throw new Error(`${name}: adopted ${view.sessionId}, not ${sessionId}`);
      // The adopted payout looks once for the webhook that named it (still `iban_required`)…
      await eventually(
        () => handle.query(statusQuery),
        (status) => status.polls >= 1,
        { what: 'the webhook to be looked at', timeoutMs: 30_000 },
      );
      // …and settles once the payee has acted and the next webhook comes.
      await own.payeeSubmits(sessionId);
      await own.atFintecture(sessionId, (p) => p.transferState === 'completed', 'settlement');
      await own.event(handle, 'webhook', sessionId, 'webhook-2', {
        status: 'payment_created',
        transferState: 'completed',
      });
      return own.closed(name, handle);
    });
  },
};

/**
 * Paths that end at the link deadline, on the time-skipping server, one after the other. Only there does
 * the deadline come before Fintecture expires the link by itself: workflow time jumps over the day, the
 * sandbox's clock does not (as in test/e2e/payout-time-skipping.test.ts).
 */
const AT_THE_DEADLINE: Record<string, Recording> = {
  async 'documented-link-deadline-cancel-failed'(d) {
    const name = 'documented-link-deadline-cancel-failed';
    // 403: the cancel fails for good (not Fintecture's 400 "cannot cancel", which is an answer).
    await d.fault({ route: 'cancel', status: 403 });
    const settings = { ...DEFAULT_PAYOUT_SETTINGS, pollDelaysSeconds: [6 * 3600] };
    const { handle } = await d.start(name, { verified: false, expiresInSeconds: 24 * 3600 }, settings);
    return d.closed(name, handle);
  },
};

/** Waits until the payout's quiet wait is under way (its watchSession scheduled and pending). */
async function watching(name: string, handle: WorkflowHandle): Promise<void> {
  await eventually(
    async () => (await handle.describe()).raw.pendingActivities ?? [],
    (pending) => pending.some((activity) => activity.activityType?.name === WATCH_SESSION_ACTIVITY),
    { what: `${name}: the quiet wait to start`, timeoutMs: 30_000 },
  );
}

/**
 * Scenario 1 waiting quietly (event-driven settings: the watch reads every 4 h); the payee submits, the
 * transfer completes, and the webhook saying so is looked at beside the running watch.
 */
function settlesOnWebhookBesideTheWatch(name: string): Recording {
  return async (d) =>
    withOwnWorker(d, {}, async (own) => {
      const { sessionId, handle } = await own.start(name, { verified: false }, EVENT_DRIVEN);
      await watching(name, handle);
      await own.payeeSubmits(sessionId);
      await own.atFintecture(sessionId, (p) => p.transferState === 'completed', 'settlement');
      await own.event(handle, 'webhook', sessionId, 'webhook-1', {
        status: 'payment_created',
        transferState: 'completed',
      });
      return own.closed(name, handle);
    });
}

/**
 * BUDGETED_QUIET_WAITING_PATCH: each path on a worker of its own (no receiver), side by side. They predate
 * WATCH_ENDS_WITH_ITS_WAIT_PATCH: kept here as the record of how their files were made.
 */
const BUDGETED: Record<string, Recording> = {
  async 'budgeted-scenario2-settled'(d) {
    const name = 'budgeted-scenario2-settled';
    return withOwnWorker(d, {}, async (own) => {
      const { handle } = await own.start(name, {});
      return own.closed(name, handle);
    });
  },

  'budgeted-scenario1-quiet-webhook': settlesOnWebhookBesideTheWatch('budgeted-scenario1-quiet-webhook'),

  async 'budgeted-scenario1-quiet-read'(d) {
    const name = 'budgeted-scenario1-quiet-read';
    return withOwnWorker(d, {}, async (own) => {
      const settings = { ...FAST_SETTINGS, quietPollSeconds: 1 };
      const { sessionId, handle } = await own.start(name, { verified: false }, settings);
      await watching(name, handle);
      await own.payeeSubmits(sessionId);
      return own.closed(name, handle);
    });
  },

  async 'budgeted-transfer-watched'(d) {
    const name = 'budgeted-transfer-watched';
    return withOwnWorker(d, {}, async (own) => {
      // 409.00 holds the transfer at `blocked` until the sandbox is told otherwise.
      const { sessionId, handle } = await own.start(name, { amount: '409.00' });
      await watching(name, handle);
      await own.stack.sandbox.control('POST', `/payouts/${sessionId}/outcome`, {
        transferState: 'completed',
      });
      return own.closed(name, handle);
    });
  },
};

/**
 * WATCH_ENDS_WITH_ITS_WAIT_PATCH: each path on a worker of its own, side by side. It predates
 * OUTCOME_AFTER_FINAL_SWEEP_PATCH: kept here as the record of how its file was made.
 */
const WATCH_ENDS: Record<string, Recording> = {
  'watch-ends-scenario1-webhook': settlesOnWebhookBesideTheWatch('watch-ends-scenario1-webhook'),
};

/** OUTCOME_AFTER_FINAL_SWEEP_PATCH (today's code): each path on a worker of its own, side by side. */
const FINAL_SWEEP: Record<string, Recording> = {
  'final-sweep-scenario1-webhook': settlesOnWebhookBesideTheWatch('final-sweep-scenario1-webhook'),
};

/** OUTCOME_AFTER_FINAL_SWEEP_PATCH (today's code), with a fault: one after the other. */
const FINAL_SWEEP_WITH_FAULT: Record<string, Recording> = {
  // The create proved its session unique, so only the final sweep looks: the transfer completes, and the
  // duplicate it finds makes the outcome NEEDS_REVIEW before any outcome was shown.
  'final-sweep-duplicate-payout': duplicateCommitsWhileTheCreateIsHeld('final-sweep-duplicate-payout'),
};

const LANES = {
  SIDE_BY_SIDE,
  NOTIFYING,
  BUDGETED,
  WATCH_ENDS,
  FINAL_SWEEP,
  ONE_BY_ONE,
  FINAL_SWEEP_WITH_FAULT,
  AT_THE_DEADLINE,
};

/** The recordings of the requested files. */
function recordingsFor(requested: Set<string>, recordings: Record<string, Recording>): [string, Recording][] {
  return Object.entries(recordings).filter(([name]) => requested.has(name));
}

/** Runs recordings one after the other (they share a sandbox's faults or the server's clock). */
async function inTurn(
  recordings: [string, Recording][],
  stack: PayoutStack,
  temporal: TemporalTarget,
): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  for (const [, record] of recordings) recorded.push(...(await record(driver(stack, temporal))));
  return recorded;
}

async function main(argv: string[]): Promise<void> {
  const known = new Set(RECORDED_PATHS.map((p) => p.name));
  const unknown = argv.filter((name) => !known.has(name));
  if (unknown.length)
    throw new Error(`unknown path(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  const refused = RECORDED_PATHS.filter((p) => p.predates && argv.includes(p.name));
  if (refused.length) {
    throw new Error(
      `${refused.map((p) => p.name).join(', ')}: recorded before patch ${refused[0]!.predates} and kept ` +
        'as recorded (they prove such histories still replay); the current code cannot record them',
    );
  }
  const recordable = new Set(RECORDED_PATHS.filter((p) => !p.predates).map((p) => p.name));
  const covered = new Set(Object.values(LANES).flatMap((recordings) => Object.keys(recordings)));
  const uncovered = [...recordable].filter((name) => !covered.has(name));
  if (uncovered.length) throw new Error(`no recording for ${uncovered.join(', ')}`);
  const requested = new Set(argv.length ? argv : recordable);
  const lanes = {
    sideBySide: [
      ...recordingsFor(requested, SIDE_BY_SIDE),
      ...recordingsFor(requested, NOTIFYING),
      ...recordingsFor(requested, BUDGETED),
      ...recordingsFor(requested, WATCH_ENDS),
      ...recordingsFor(requested, FINAL_SWEEP),
    ],
    oneByOne: [...recordingsFor(requested, ONE_BY_ONE), ...recordingsFor(requested, FINAL_SWEEP_WITH_FAULT)],
    atTheDeadline: recordingsFor(requested, AT_THE_DEADLINE),
  };

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const work = mkdtempSync(path.join(tmpdir(), 'record-histories-'));
  const cleanup: (() => Promise<void>)[] = [async () => rmSync(work, { recursive: true, force: true })];
  try {
    // One bundle for every worker: the code recorded is the code the replay suite bundles.
    process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE = await bundleWorkflows(path.join(work, 'workflow-bundle.js'));
    const server = await startDevServer({ dbFile: path.join(work, 'temporal.db') });
    cleanup.unshift(() => server.stop());
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    cleanup.unshift(() => nativeConnection.close());
    const connection = await Connection.connect({ address: server.address });
    cleanup.unshift(() => connection.close());
    // The workers' data converter (test/support/payout-stack.ts): payloads are encrypted with the test key.
    const client = new Client({
      connection,
      namespace: server.namespace,
      dataConverter: testDataConverter(),
    });
    const onDevServer: TemporalTarget = { connection: nativeConnection, client, namespace: server.namespace };

    const stacks: PayoutStack[] = [];
    const stack = async (options: Parameters<typeof startPayoutStack>[0]) => {
      const started = await startPayoutStack(options);
      stacks.push(started);
      cleanup.unshift(() => started.stop());
      return started;
    };
    let skipping: Promise<[PayoutStack, TemporalTarget]> | undefined;
    if (lanes.atTheDeadline.length) {
      skipping = startTimeSkippingEnvironment().then(async (env) => {
        cleanup.unshift(() => env.teardown());
        const temporal = {
          connection: env.nativeConnection,
          client: env.client,
          namespace: env.namespace ?? 'default',
        };
        return [await stack({ temporal }), temporal];
      });
    }
    const [shared, faulty] = await Promise.all([
      stack({ temporal: onDevServer }),
      stack({ temporal: onDevServer }),
    ]);

    console.log(`recording ${[...requested].join(', ')} …`);
    const recorded = await Promise.all([
      ...lanes.sideBySide.map(([, record]) => record(driver(shared, onDevServer))),
      inTurn(lanes.oneByOne, faulty, onDevServer),
      skipping
        ? skipping.then(([deadlines, temporal]) => inTurn(lanes.atTheDeadline, deadlines, temporal))
        : [],
    ]);
    const runs = recorded.flat().filter((run) => requested.has(run.name));

    const secrets = [...stacks.map((s) => s.sandbox.appSecret), NOTIFY_SECRET];
    const files: [string, string][] = [];
    const problems: string[] = [];
    for (const run of runs) {
      const history = await run.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      const expected = RECORDED_PATHS.find((p) => p.name === run.name)!;
      problems.push(...mismatches(expected, await summarize(history)));
      // Compact JSON laid out by Prettier: `npm run lint` checks these files too.
      const text = await format(JSON.stringify(historyToJson(history)), {
        ...(await resolveConfig(historyFile(run.name))),
        parser: 'json',
      });
      const leaked = await findSecrets(text, secrets);
      if (leaked.length) problems.push(`${run.name}: holds secrets (${leaked.join(', ')})`);
      const clear = clearPayloads(text);
      if (clear) problems.push(`${run.name}: ${clear} payloads are not encrypted`);
      files.push([run.name, text]);
    }
    if (problems.length) throw new Error(`recordings do not match their paths:\n  ${problems.join('\n  ')}`);

    mkdirSync(HISTORIES_DIR, { recursive: true });
    for (const [name, text] of files) {
      writeFileSync(historyFile(name), text);
      console.log(
        `  ${path.relative(process.cwd(), historyFile(name))} (${Math.round(text.length / 1024)} kB)`,
      );
    }
    const stale = recordedFiles().filter((file) => !known.has(file.replace(/\.json$/, '')));
    if (stale.length) console.log(`not in the catalogue (delete them?): ${stale.join(', ')}`);
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
