/**
 * The fault storm, shared by test/chaos/fault-storm.test.ts (dev server) and test/cluster/ (the PostgreSQL
 * cluster, two workers, two ingresses): scenario-2 payouts started through the ingresses while the sandbox
 * answers token, list, create and fetch requests with random 5xx, 429 + Retry-After, timeouts, dropped
 * connections, commit-then-drop and malformed bodies. The caller checks the figures.
 */
import {
  mapLimit,
  stackOrder,
  type FaultSpec,
  type ProcessStack,
  type SandboxRequest,
  type StartAnswer,
} from '../support/process-stack';
import { eventually } from '../support/wait';
import { checkAcknowledgedWebhooks, settle, type AckCheck, type Settled } from './checks';
import { tally, writeFigures } from './figures';

export const REQUEST_TIMEOUT_MS = 1_500;
export const AMBIGUOUS_RETRY_DELAY_MS = 2_000;
/** Longest hold of a `delay` fault: past the client's timeout, within the ambiguous-retry delay. */
export const MAX_DELAY_MS = 3_000;

/** The stack settings a storm needs (pass to startProcessStack). */
export const STORM_SANDBOX_ENV = { SANDBOX_TOKEN_TTL_SECONDS: '20', SANDBOX_STEP_DELAY_MS: '300' };
export const STORM_WORKER_ENV = {
  FINTECTURE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  FINTECTURE_TOKEN_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS: String(AMBIGUOUS_RETRY_DELAY_MS),
  // Keep the activity logs to what the figures read.
  WORKER_LOG_LEVEL: 'INFO',
};

/** mulberry32: a small seeded generator, so a failing storm can be replayed with CHAOS_SEED. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, weighted: [T, number][]): T {
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  let at = next() * total;
  for (const [value, weight] of weighted) if ((at -= weight) < 0) return value;
  return weighted.at(-1)![0];
}

function randomFault(next: () => number): FaultSpec {
  // Token requests are rare (one per token lifetime), so few token faults: each one fails every activity
  // that needs a fresh token at that moment.
  const route = pick<FaultSpec['route']>(next, [
    ['create', 40],
    ['fetch', 35],
    ['list', 20],
    ['token', 5],
  ]);
  const mode = pick<FaultSpec['mode'] | '429'>(next, [
    ['status', 30],
    ['429', 15],
    ['delay', 20],
    ['drop', 15],
    ['commit-then-drop', 15],
    ['malformed', 5],
  ]);
  const times = 1 + Math.floor(next() * 3);
  if (mode === '429') return { route, mode: 'status', status: 429, retryAfterSeconds: 1, times };
  if (mode === 'status')
    return {
      route,
      mode,
      status: pick(next, [
        [500, 1],
        [502, 1],
        [503, 1],
      ]),
      times,
    };
  if (mode === 'delay') {
    const delayMs = REQUEST_TIMEOUT_MS + 100 + Math.floor(next() * (MAX_DELAY_MS - REQUEST_TIMEOUT_MS - 100));
    return { route, mode, delayMs, times };
  }
  return { route, mode, times };
}

/** The fault kinds the storm's first creates meet, one each (every kind a create can fail with). */
export const CREATE_FAULT_KINDS = ['commit-then-drop', 'delay', 'drop', 'malformed', 'status'];

function createFaultKindsOf(requests: SandboxRequest[]): string[] {
  return [...new Set(requests.filter((r) => r.route === 'create' && r.fault).map((r) => r.fault!))].sort();
}

export interface StormResult {
  ids: string[];
  answers: StartAnswer[];
  settled: Settled;
  acks: AckCheck;
  /** Fault kinds that hit a create request. */
  createFaultKinds: string[];
  figuresFile: string;
}

/** Runs a storm of `payouts` payouts on `stack` and writes its figures as `test` (.data/chaos/). */
export async function runFaultStorm(
  stack: ProcessStack,
  options: { test: string; payouts: number; seed: number; settleTimeoutMs?: number },
): Promise<StormResult> {
  const { payouts: PAYOUTS, seed: SEED } = options;
  const started = Date.now();
  const next = random(SEED);
  const orders = Array.from({ length: PAYOUTS }, () => stackOrder());
  const ids = orders.map((order) => order.orderId);

  // Every create fault kind hits at least once (the first creates); then one random fault (1-3 requests)
  // joins the storm with every payout started, and whatever is left is cleared once all have started.
  const injected: FaultSpec[] = [
    { route: 'create', mode: 'status', status: 500 },
    { route: 'create', mode: 'status', status: 429, retryAfterSeconds: 1 },
    { route: 'create', mode: 'delay', delayMs: MAX_DELAY_MS },
    { route: 'create', mode: 'drop' },
    { route: 'create', mode: 'commit-then-drop' },
    { route: 'create', mode: 'malformed' },
  ];
  for (const fault of injected) await stack.addFault(fault);
  // Spread over the stack's ingresses in turn (one on the dev-server stack).
  let turn = 0;
  const answers = await mapLimit(orders, 25, async (order) => {
    const fault = randomFault(next);
    injected.push(fault);
    await stack.addFault(fault);
    return stack.startPayout(order, { via: turn++ });
  });
  // The first create faults wait for creates that may still be coming (a start answered 202 before its
  // create): clear the storm only once every kind hit, so the storm is what it claims.
  await eventually(
    async () => createFaultKindsOf(await stack.requests()),
    (kinds) => CREATE_FAULT_KINDS.every((kind) => kinds.includes(kind)),
    { timeoutMs: 120_000, intervalMs: 250, what: 'every kind of create fault to hit a create' },
  );
  const unconsumed = await stack.pendingFaults();
  await stack.sandbox.control('DELETE', '/faults');
  const stormEndedAt = Date.now();
  const settled = await settle(stack, ids, options.settleTimeoutMs ?? 240_000);
  const acks = await checkAcknowledgedWebhooks(stack, ids);
  const hits = (await stack.requests()).filter((request) => request.fault);
  const workerLines = stack.workers.flatMap((worker) => worker.lines());
  const figuresFile = writeFigures({
    test: options.test,
    injected: `${stack.workers.length} worker(s), ${stack.ingresses.length} ingress(es): ${injected.length} sandbox faults (${injected.reduce((n, f) => n + (f.times ?? 1), 0)} requests) on token/list/create/fetch while ${PAYOUTS} payouts started; token TTL 20 s; client timeout ${REQUEST_TIMEOUT_MS} ms, ambiguous-retry delay ${AMBIGUOUS_RETRY_DELAY_MS} ms, delays ≤ ${MAX_DELAY_MS} ms; seed ${SEED}`,
    payouts: PAYOUTS,
    faults: tally(hits.map((hit) => `${hit.route}:${hit.fault}${hit.status ? `:${hit.status}` : ''}`)),
    faultsHit: hits.length,
    faultsClearedUnused: unconsumed.reduce((sum, fault) => sum + fault.remaining, 0),
    duplicates: settled.count.duplicates,
    lost: settled.lost + acks.lost.length,
    timeToRecoverMs: settled.wait.doneAt - stormEndedAt,
    wallMs: Date.now() - started,
    outcomes: settled.outcomes,
    seed: SEED,
    createsAdopted: workerLines.filter((line) => line.includes('Fintecture payout adopted')).length,
    createRequests: (await stack.requests()).filter((request) => request.route === 'create').length,
    startAnswers: tally(answers.map((answer) => String(answer.status))),
    startRetries: answers.reduce((sum, answer) => sum + answer.retries, 0),
    webhooks: acks,
  });

  const createFaultKinds = createFaultKindsOf(hits);
  return { ids, answers, settled, acks, createFaultKinds, figuresFile };
}
