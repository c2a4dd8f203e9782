/**
 * The worker's Prometheus endpoint (`WORKER_METRICS_ADDRESS`) on a real worker process: the SDK's runtime
 * metrics, Fintecture call latency by operation and status, Fintecture failures by type, and payouts
 * finished by outcome — each checked against what the run actually did.
 */
import { freePort } from '../../scripts/temporal-dev-server';
import { startProcessStack, stackOrder, type ProcessStack } from '../support/process-stack';
import { eventually } from '../support/wait';

let stack: ProcessStack;
let metricsUrl: string;

beforeAll(async () => {
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  stack = await startProcessStack({
    name: 'worker-metrics',
    workerEnv: { WORKER_METRICS_ADDRESS: `127.0.0.1:${port}` },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** The sample lines of one metric family, label sets as `name{…} value` strings. */
async function scrape(): Promise<string[]> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  return (await response.text()).split('\n').filter((line) => line && !line.startsWith('#'));
}

/** The value of the sample of `name` whose labels include every `labels` pair (summed if several match). */
function sample(lines: string[], name: string, labels: Record<string, string>): number {
  return lines
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

it('exports runtime metrics, Fintecture call latency and failures by type, payouts finished by outcome', async () => {
  // One 429 on the first create: the activity fails with FintectureRateLimited and the retry succeeds
  // (`Retry-After: 0` once made the failure final: Temporal stops retrying on a zero next-retry delay).
  await stack.addFault({ route: 'create', mode: 'status', status: 429, retryAfterSeconds: 0, times: 1 });
  const settled = stackOrder();
  const rejected = stackOrder({ amount: '400.01' }); // the sandbox's insufficient_funds test value
  const answers = await stack.startPayouts([settled, rejected]);
  expect(answers.map((answer) => answer.status)).toEqual([201, 201]);
  const wait = await stack.waitForOutcomes([settled.orderId, rejected.orderId]);
  expect(wait.pending).toEqual([]);
  expect(wait.outcomes.get(settled.orderId)?.outcome).toBe('SETTLED');
  expect(wait.outcomes.get(rejected.orderId)?.outcome).toBe('REJECTED');
  // The outcome shows before the workflow ends (the final duplicate sweep, then the finished metric and the
  // completion): scrape once both workflows are closed.
  await eventually(
    () => Promise.all([settled.orderId, rejected.orderId].map((id) => stack.closedAt(id))),
    (closedAt) => closedAt.every((at) => at !== null),
    { timeoutMs: 60_000, intervalMs: 100, what: 'both workflows to close' },
  );

  const lines = await scrape();
  // The SDK's own worker metrics come out of the same endpoint.
  expect(sample(lines, 'temporal_workflow_completed_total', {})).toBeGreaterThanOrEqual(2);
  expect(
    sample(lines, 'temporal_activity_execution_failed_total', { activity_type: 'createPayoutSession' }),
  ).toBe(1);
  // Every Fintecture exchange is timed, labelled by operation and HTTP status.
  expect(sample(lines, 'fintecture_request_duration_count', { operation: 'create', result: '429' })).toBe(1);
  expect(sample(lines, 'fintecture_request_duration_count', { operation: 'create', result: '201' })).toBe(2);
  expect(sample(lines, 'fintecture_request_duration_count', { operation: 'token', result: '200' })).toBe(1);
  expect(sample(lines, 'fintecture_request_duration_count', { operation: 'fetch' })).toBeGreaterThanOrEqual(
    2,
  );
  expect(
    sample(lines, 'fintecture_failures_total', { operation: 'create', type: 'FintectureRateLimited' }),
  ).toBe(1);
  expect(sample(lines, 'fintecture_failures_total', {})).toBe(1);
  expect(sample(lines, 'payouts_finished_total', { outcome: 'SETTLED', scenario: 'verified' })).toBe(1);
  expect(sample(lines, 'payouts_finished_total', { outcome: 'REJECTED', scenario: 'verified' })).toBe(1);
  // Labels carry IDs of nothing: no order ID, no session ID (bounded cardinality, no data).
  expect(lines.some((line) => line.includes(settled.orderId))).toBe(false);
}, 120_000);
