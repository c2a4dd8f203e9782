/**
 * G1/G2/G3 under a storm of Fintecture faults: a batch of scenario-2 payouts (CHAOS_PAYOUTS, default 200)
 * goes through the ingress while the sandbox answers token, list (reconciliation), create and fetch
 * requests with random 5xx, 429 + Retry-After, timeouts (a `delay` longer than the client's timeout),
 * dropped connections, commit-then-drop and malformed bodies, and the access token expires every 20 s. Every payout must settle, with exactly one payout per order at the sandbox.
 *
 * Operating envelope: a create the sandbox holds past the client's timeout commits before the client's
 * ambiguous-retry delay runs out (FINTECTURE_REQUEST_TIMEOUT_MS + FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS >
 * the longest `delay`). Reconcile-before-retry cannot see a create committed later than that: see
 * docs/chaos-results.md.
 */
import { startProcessStack, type ProcessStack } from '../support/process-stack';
import { expectExactlyOnePayoutEach } from './checks';
import {
  AMBIGUOUS_RETRY_DELAY_MS,
  CREATE_FAULT_KINDS,
  MAX_DELAY_MS,
  REQUEST_TIMEOUT_MS,
  runFaultStorm,
  STORM_SANDBOX_ENV,
  STORM_WORKER_ENV,
} from './storm';

const PAYOUTS = Number(process.env.CHAOS_PAYOUTS ?? 200);
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);

let stack: ProcessStack;

beforeAll(async () => {
  stack = await startProcessStack({
    name: 'fault-storm',
    sandboxEnv: STORM_SANDBOX_ENV,
    workerEnv: STORM_WORKER_ENV,
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

it(`${PAYOUTS} payouts through a storm of sandbox faults: each settles, exactly one payout per order`, async () => {
  expect(REQUEST_TIMEOUT_MS + AMBIGUOUS_RETRY_DELAY_MS).toBeGreaterThan(MAX_DELAY_MS);
  const storm = await runFaultStorm(stack, { test: 'fault-storm', payouts: PAYOUTS, seed: SEED });
  for (const answer of storm.answers) expect([200, 201, 202]).toContain(answer.status);
  // The storm really hit every kind of create failure.
  expect(storm.createFaultKinds).toEqual(CREATE_FAULT_KINDS);
  expectExactlyOnePayoutEach(stack, storm.ids, storm.settled);
  expect(storm.acks.lost).toEqual([]);
}, 420_000);
