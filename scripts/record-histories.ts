/**
 * `npm run record-histories [-- NAME …]`: records the workflow history of every path through
 * PayoutWorkflow (catalogue: test/replay/recorded-paths.ts) into test/replay/histories/<path>.json, the
 * files test/replay/replay.test.ts replays against the current workflow code (DESIGN.md §5 G6). With
 * names, only those paths are re-recorded.
 *
 * It runs everything itself — the workflow bundle, a Temporal dev server on a temporary SQLite file, and
 * payout stacks (sandbox process + worker, test/support/payout-stack.ts) with the production data converter
 * (payloads encrypted with the committed test key) — in three lanes: paths that run side by side; paths that
 * inject faults into their own sandbox, one after the other; and the link-deadline paths on the
 * time-skipping server. Each path is driven the way production drives it (update-with-start, `payoutEvent`
 * signals as the ingress sends them, the `cancel` update, outcomes set at the sandbox), then checked against
 * its catalogue entry and scanned for secrets. Nothing is written unless every path checks out.
 *
 * Continue-as-new is reached for real: the server is told to suggest it early
 * (`limit.historyCount.suggestContinueAsNew`, a server setting, not workflow code: at the default of
 * ~4k events the file would weigh megabytes), and a stuck payout polls until the server does.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { format, resolveConfig } from 'prettier';
import type { PayoutRequest } from '../domain/payout-request';
import { DEFAULT_PAYOUT_SETTINGS, type PayoutSettings } from '../domain/payout-settings';
import { testDataConverter } from '../test/support/codec';
import { TEST_BIC, TEST_IBAN } from '../test/support/payout-bodies';
import { FAST_SETTINGS, startPayoutStack, testOrder, type PayoutStack } from '../test/support/payout-stack';
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
import {
  cancelUpdate,
  payoutEventSignal,
  payoutWorkflowId,
  type PayoutEvent,
  statusQuery,
} from '../workflows/messages';
import { bundleWorkflows } from './bundle-workflows';
import { startDevServer } from './temporal-dev-server';

/** Low enough for a small file; well above every other path's length (the checks would catch it). */
const SUGGEST_CONTINUE_AS_NEW_AFTER_EVENTS = 100;

/** Only events, the cancel update or a deadline end the wait: nothing is left to a poll's timing. */
const EVENT_DRIVEN: PayoutSettings = { ...FAST_SETTINGS, pollDelaysSeconds: [3600] };

/** A closed run to write: its file name and its execution. */
interface Recorded {
  name: string;
  client: Client;
  workflowId: string;
  runId?: string;
}

interface SandboxPayout {
  status: string;
  transferState: string | null;
}

/** The moves a recording is made of, on one stack. */
function driver(stack: PayoutStack) {
  const sandboxPayout = (sessionId: string) =>
    stack.sandbox.control<SandboxPayout>('GET', `/payouts/${sessionId}`);

  return {
    stack,
    /** Starts the path's payout like the ingress does (update-with-start); its order ID is stable. */
    async start(name: string, order: Parameters<typeof testOrder>[0], settings = FAST_SETTINGS) {
      const request: PayoutRequest = testOrder({ ...order, orderId: recordedOrderId(name) });
      const created = await stack.startPayout(request, settings);
      const handle = stack.client.workflow.getHandle(payoutWorkflowId(request.orderId));
      return { created, sessionId: created.sessionId ?? '', handle };
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
    fault(route: string, status: number, more: { times?: number; retryAfterSeconds?: number } = {}) {
      return stack.sandbox.control('POST', '/faults', { route, mode: 'status', status, times: 1, ...more });
    },
  };
}

type Driver = ReturnType<typeof driver>;
type Recording = (d: Driver) => Promise<Recorded[]>;

/** Paths that share a sandbox and run side by side. */
const SIDE_BY_SIDE: Record<string, Recording> = {
  async 'scenario1-webhook'(d) {
    // 409.00 holds the transfer at `blocked`: the first webhook finds a state that stays put.
    const { sessionId, handle } = await d.start(
      'scenario1-webhook',
      { verified: false, amount: '409.00' },
      EVENT_DRIVEN,
    );
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
    return d.closed('scenario1-webhook', handle);
  },

  async 'scenario1-redirect'(d) {
    const { sessionId, handle } = await d.start('scenario1-redirect', { verified: false }, EVENT_DRIVEN);
    await d.payeeSubmits(sessionId);
    await d.atFintecture(sessionId, (p) => p.transferState === 'completed', 'settlement');
    await d.event(handle, 'redirect', sessionId, 'redirect-1', { status: 'payment_created' });
    return d.closed('scenario1-redirect', handle);
  },

  async 'scenario1-polling'(d) {
    const { sessionId, handle } = await d.start('scenario1-polling', { verified: false });
    await d.payeeSubmits(sessionId);
    return d.closed('scenario1-polling', handle);
  },

  async 'scenario2-settled'(d) {
    const { handle } = await d.start('scenario2-settled', {});
    return d.closed('scenario2-settled', handle);
  },

  async rejected(d) {
    const { handle } = await d.start('rejected', { amount: '400.01' });
    return d.closed('rejected', handle);
  },

  async expired(d) {
    const { sessionId, handle } = await d.start(
      'expired',
      { verified: false, expiresInSeconds: 60 },
      EVENT_DRIVEN,
    );
    await d.stack.sandbox.control('POST', `/payouts/${sessionId}/expire`);
    await d.event(handle, 'webhook', sessionId, 'webhook-expired', { status: 'payment_expired' });
    return d.closed('expired', handle);
  },

  async cancelled(d) {
    // Fast polls: the wait loop only notices the update's outcome at its next wake-up.
    const { handle } = await d.start('cancelled', { verified: false });
    const answer = await handle.executeUpdate(cancelUpdate, { args: [{ requestedBy: 'record-histories' }] });
    if (!answer.cancelled) throw new Error(`cancelled: the cancel update answered ${answer.message}`);
    return d.closed('cancelled', handle);
  },

  async 'needs-review'(d) {
    const { handle } = await d.start(
      'needs-review',
      { amount: '409.00' },
      { ...FAST_SETTINGS, maxWaitSeconds: 3 },
    );
    return d.closed('needs-review', handle);
  },

  async 'continued-as-new'(d) {
    const settings = { ...FAST_SETTINGS, pollDelaysSeconds: [1], maxWaitSeconds: 3600 };
    const { sessionId, handle } = await d.start('continued-as-new', { amount: '409.00' }, settings);
    const firstRunId = (await handle.describe()).runId;
    const next = await eventually(
      () => handle.describe(),
      (description) => description.runId !== firstRunId,
      { what: 'the server to suggest continue-as-new', timeoutMs: 120_000, intervalMs: 250 },
    );
    await d.stack.sandbox.control('POST', `/payouts/${sessionId}/outcome`, { transferState: 'completed' });
    await handle.result(); // follows the runs
    return [
      { name: 'continued-as-new', client: d.stack.client, workflowId: handle.workflowId, runId: firstRunId },
      {
        name: 'continued-as-new-resumed',
        client: d.stack.client,
        workflowId: handle.workflowId,
        runId: next.runId,
      },
    ];
  },
};

/** Paths that inject a fault into their sandbox: one after the other, on a sandbox of their own. */
const ONE_BY_ONE: Record<string, Recording> = {
  async 'create-failed'(d) {
    await d.fault('create', 422);
    const { handle } = await d.start('create-failed', {});
    return d.closed('create-failed', handle);
  },

  async 'session-not-found'(d) {
    await d.fault('fetch', 404);
    const { handle } = await d.start('session-not-found', { amount: '409.00' });
    return d.closed('session-not-found', handle);
  },
};

/**
 * Paths that end at the link deadline, on the time-skipping server, one after the other. Only there does
 * the deadline come before Fintecture expires the link by itself: workflow time jumps over the week, the
 * sandbox's clock does not (as in test/e2e/payout-time-skipping.test.ts).
 */
const AT_THE_DEADLINE: Record<string, Recording> = {
  async 'link-deadline'(d) {
    const settings = { ...DEFAULT_PAYOUT_SETTINGS, pollDelaysSeconds: [6 * 3600] };
    const { handle } = await d.start(
      'link-deadline',
      { verified: false, expiresInSeconds: 24 * 3600 },
      settings,
    );
    return d.closed('link-deadline', handle);
  },

  async 'create-unconfirmed'(d) {
    // Every create answers 503 (ambiguous: it may have been applied), asking for an hour between tries,
    // for longer than the create may take (24 h): the payout is parked as possibly existing.
    await d.fault('create', 503, { times: 100, retryAfterSeconds: 3600 });
    // The update-with-start answers only once the payout is parked, and time skips only while the client
    // waits for a result: so wait for the result, and let the start answer afterwards.
    const started = d.start('create-unconfirmed', {});
    const handle = d.stack.client.workflow.getHandle(payoutWorkflowId(recordedOrderId('create-unconfirmed')));
    await eventually(() => handle.describe().catch(() => null), Boolean, { what: 'the workflow to start' });
    const recorded = await d.closed('create-unconfirmed', handle);
    await started;
    await d.stack.sandbox.control('DELETE', '/faults');
    return recorded;
  },

  async 'link-deadline-unresolved'(d) {
    // A 400 to the cancel is Fintecture's "cannot cancel", while the session still says `iban_required`.
    await d.fault('cancel', 400);
    const settings = { ...DEFAULT_PAYOUT_SETTINGS, pollDelaysSeconds: [6 * 3600] };
    const request = { verified: false, expiresInSeconds: 24 * 3600 };
    const { handle } = await d.start('link-deadline-unresolved', request, settings);
    return d.closed('link-deadline-unresolved', handle);
  },
};

/** The recordings of the requested files (`continued-as-new` makes its `-resumed` file too). */
function recordingsFor(requested: Set<string>, recordings: Record<string, Recording>): [string, Recording][] {
  return Object.entries(recordings).filter(([name]) => requested.has(name));
}

/** Runs recordings one after the other (they share a sandbox's faults or the server's clock). */
async function inTurn(recordings: [string, Recording][], stack: PayoutStack): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  for (const [, record] of recordings) recorded.push(...(await record(driver(stack))));
  return recorded;
}

async function main(argv: string[]): Promise<void> {
  const known = new Set(RECORDED_PATHS.map((p) => p.name));
  const unknown = argv.filter((name) => !known.has(name));
  if (unknown.length)
    throw new Error(`unknown path(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  const covered = new Set([
    ...[SIDE_BY_SIDE, ONE_BY_ONE, AT_THE_DEADLINE].flatMap((recordings) => Object.keys(recordings)),
    'continued-as-new-resumed',
  ]);
  const uncovered = [...known].filter((name) => !covered.has(name));
  if (uncovered.length) throw new Error(`no recording for ${uncovered.join(', ')}`);
  const requested = new Set(argv.length ? argv : known);
  // The two runs of one continue-as-new are recorded together, so the pair always matches.
  const chain = ['continued-as-new', 'continued-as-new-resumed'];
  if (chain.some((name) => requested.has(name))) chain.forEach((name) => requested.add(name));
  const lanes = {
    sideBySide: recordingsFor(requested, SIDE_BY_SIDE),
    oneByOne: recordingsFor(requested, ONE_BY_ONE),
    atTheDeadline: recordingsFor(requested, AT_THE_DEADLINE),
  };

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const work = mkdtempSync(path.join(tmpdir(), 'record-histories-'));
  const cleanup: (() => Promise<void>)[] = [async () => rmSync(work, { recursive: true, force: true })];
  try {
    // One bundle for every worker: the code recorded is the code the replay suite bundles.
    process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE = await bundleWorkflows(path.join(work, 'workflow-bundle.js'));
    const server = await startDevServer({
      dbFile: path.join(work, 'temporal.db'),
      extraArgs: [
        '--dynamic-config-value',
        `limit.historyCount.suggestContinueAsNew=${SUGGEST_CONTINUE_AS_NEW_AFTER_EVENTS}`,
      ],
    });
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
    const onDevServer = { connection: nativeConnection, client, namespace: server.namespace };

    const stacks: PayoutStack[] = [];
    const stack = async (options: Parameters<typeof startPayoutStack>[0]) => {
      const started = await startPayoutStack(options);
      stacks.push(started);
      cleanup.unshift(() => started.stop());
      return started;
    };
    let skipping: Promise<PayoutStack> | undefined;
    if (lanes.atTheDeadline.length) {
      skipping = startTimeSkippingEnvironment().then((env) => {
        cleanup.unshift(() => env.teardown());
        const namespace = env.namespace ?? 'default';
        return stack({ temporal: { connection: env.nativeConnection, client: env.client, namespace } });
      });
    }
    const [shared, faulty] = await Promise.all([
      stack({ temporal: onDevServer }),
      stack({ temporal: onDevServer }),
    ]);

    console.log(`recording ${[...requested].join(', ')} …`);
    const recorded = await Promise.all([
      ...lanes.sideBySide.map(([, record]) => record(driver(shared))),
      inTurn(lanes.oneByOne, faulty),
      skipping ? skipping.then((deadlines) => inTurn(lanes.atTheDeadline, deadlines)) : [],
    ]);
    const runs = recorded.flat().filter((run) => requested.has(run.name));

    const secrets = stacks.map((s) => s.sandbox.appSecret);
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
