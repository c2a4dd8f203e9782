/**
 * G1's limit, made visible (README "Known limits"): Fintecture documents no idempotency key, so a create that
 * commits later than the client's timeout plus the retry's late-commit wait is sent again. The duplicate
 * sweep must then catch it: the payout ends with one payout at Fintecture, or NEEDS_REVIEW `duplicate_payout`
 * naming both sessions — never two payouts nobody is told about.
 */
import {
  startProcessStack,
  stackOrder,
  type PayoutStatusAnswer,
  type ProcessStack,
} from '../support/process-stack';
import { eventually } from '../support/wait';
import { settle } from './checks';
import { writeFigures } from './figures';

let stack: ProcessStack;

// The first POST commits 4 s after it arrived; the client gives up after 1 s and its retry looks after 0.2 s.
const REQUEST_TIMEOUT_MS = 1_000;
const AMBIGUOUS_RETRY_DELAY_MS = 200;
const COMMIT_DELAY_MS = 4_000;

beforeAll(async () => {
  stack = await startProcessStack({
    name: 'late-commit',
    // The transfer takes longer than the late commit (a real one takes hours): the final sweep comes after.
    sandboxEnv: { SANDBOX_SLOW_DELAY_MS: '8000' },
    workerEnv: {
      FINTECTURE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS: String(AMBIGUOUS_RETRY_DELAY_MS),
    },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

it('a create committed after its retry was sent: the sweep names both sessions (verified payouts cannot be cancelled)', async () => {
  expect(COMMIT_DELAY_MS).toBeGreaterThan(REQUEST_TIMEOUT_MS + AMBIGUOUS_RETRY_DELAY_MS);
  const started = Date.now();
  await stack.addFault({ route: 'create', mode: 'delay', delayMs: COMMIT_DELAY_MS, times: 1 });
  const order = stackOrder({ amount: '408.00' }); // the sandbox's "slow" transfer
  await stack.startPayouts([order]);
  const settled = await settle(stack, [order.orderId]);
  const atFintecture = (settled.count.perOrder.get(order.orderId) ?? []).map((payout) => payout.sessionId);
  const status = (await eventually(
    () => stack.payoutStatus(order.orderId),
    (answer) => answer?.outcome !== null && answer?.outcome !== undefined,
    { what: 'the outcome' },
  )) as PayoutStatusAnswer & { otherSessionIds?: string[]; outcomeReason?: string };
  const createRequests = (await stack.requests()).filter(
    (request) => request.route === 'create' && Date.parse(request.at) >= started,
  ).length;
  writeFigures({
    test: 'late-commit',
    injected: `first create committed ${COMMIT_DELAY_MS} ms after arrival; client timeout ${REQUEST_TIMEOUT_MS} ms, late-commit wait ${AMBIGUOUS_RETRY_DELAY_MS} ms`,
    payouts: 1,
    faults: { sandboxDelayFaults: 1 },
    duplicates: settled.count.duplicates,
    lost: settled.lost,
    timeToRecoverMs: settled.wait.doneAt - started,
    wallMs: Date.now() - started,
    outcomes: settled.outcomes,
    createRequests,
  });

  // The limit is real: the retry could not see the first create and sent a second one…
  expect(createRequests).toBe(2);
  expect(atFintecture).toHaveLength(2);
  // …and the sweep says so, naming both, instead of a silent SETTLED.
  expect(status).toMatchObject({ outcome: 'NEEDS_REVIEW', outcomeReason: 'duplicate_payout' });
  expect([status.sessionId, ...(status.otherSessionIds ?? [])].sort()).toEqual([...atFintecture].sort());
  expect(stack.crashes()).toEqual([]);
}, 180_000);
