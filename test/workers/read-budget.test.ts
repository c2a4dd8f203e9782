import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { PayoutActivities } from '../../activities';
import { ConfigError } from '../../common/config-error';
import { fintectureReadsQueue } from '../../domain/identifiers';
import { createPayoutWorker } from '../../workers/payout-worker';
import {
  activityQueuePartitions,
  planReadDispatch,
  serverReadRate,
  TEMPORAL_DEFAULT_PARTITIONS,
  worstSecondReads,
} from '../../workers/read-budget';
import { testDataConverter } from '../support/codec';
import { testNamespace, testTemporalAddress, uniqueId } from '../support/temporal';
import { startTimeSkippingEnvironment } from '../support/time-skipping';
import { eventually } from '../support/wait';

/**
 * What one partition at rate ρ can dispatch in a closed 1-s window after quiet seconds, by each of the Temporal
 * server's limiters (service/matching): the classic token bucket (burst max(1, ⌈ρ⌉), then one token per 1/ρ s)
 * and the newer matcher's GCRA (one second of burst: ready from −1 s, one dispatch per 1/ρ s while ready ≤ now).
 */
const tokenBucketSecond = (rho: number) => Math.max(1, Math.ceil(rho)) + Math.floor(rho);
const gcraSecond = (rho: number) => Math.floor(2 * rho) + 1;

describe('serverReadRate: the server rate whose worst second stays within the read budget', () => {
  it("bounds the worst second of both of the server's limiters", () => {
    for (let partitions = 1; partitions <= 8; partitions += 1) {
      for (let rate = 0.05; rate <= 80; rate += 0.05) {
        const worst = worstSecondReads(rate, partitions);
        expect(partitions * tokenBucketSecond(rate / partitions)).toBeLessThanOrEqual(worst + 1e-9);
        expect(partitions * gcraSecond(rate / partitions)).toBeLessThanOrEqual(worst + 1e-9);
      }
    }
    // 10/s asked of 4 partitions, as the worker set it before: 20 in one second by the token buckets, 24 by GCRA.
    expect(4 * tokenBucketSecond(10 / 4)).toBe(20);
    expect(4 * gcraSecond(10 / 4)).toBe(24);
  });

  it.each([
    [10, 4, 3],
    [25, 4, 10.5],
    [10, 1, 4.5],
    [1000, 4, 498],
    [2.5, 1, 0.75],
  ])('budget %d on %d partitions → %d/s, whose worst second is the budget', (budget, partitions, rate) => {
    expect(serverReadRate(budget, partitions)).toBe(rate);
    expect(worstSecondReads(rate, partitions)).toBe(budget);
  });

  it('has no rate when the partitions alone fill the budget', () => {
    expect(serverReadRate(4, 4)).toBeUndefined();
    expect(serverReadRate(3, 4)).toBeUndefined();
  });
});

const RateLimitSource = temporal.api.enums.v1.RateLimitSource;

describe('the payout worker holds the read budget on the real server', () => {
  let connection: NativeConnection;
  beforeAll(async () => {
    connection = await NativeConnection.connect({ address: testTemporalAddress() });
  });
  afterAll(async () => {
    await connection.close();
  });

  const workerOn = (taskQueue: string, budget: number) =>
    createPayoutWorker({
      connection,
      namespace: testNamespace(),
      taskQueue,
      // One activity, so that every queue's worker has something to poll for; none runs here.
      activities: {
        fetchPayout: () => Promise.reject(new Error('not called')),
      } as unknown as PayoutActivities,
      dataConverter: testDataConverter(),
      workflowBundlePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE,
      maxFintectureReadsPerSecond: budget,
    });

  it('reads the partitions of the read queue from the server (4, its default)', async () => {
    await expect(
      activityQueuePartitions(connection, testNamespace(), fintectureReadsQueue(uniqueId('partitions'))),
    ).resolves.toBe(4);
  });

  it('sets the server rate whose worst second is within the budget, and the server holds it', async () => {
    const taskQueue = uniqueId('read-budget');
    const worker = await workerOn(taskQueue, 10);
    expect(worker.readDispatch).toEqual({
      budgetPerSecond: 10,
      partitions: 4,
      partitionsFrom: 'server',
      serverRatePerSecond: 3,
    });
    const effectiveRate = async () => {
      const answer = await connection.workflowService.describeTaskQueue({
        namespace: testNamespace(),
        taskQueue: { name: fintectureReadsQueue(taskQueue) },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        reportConfig: true,
      });
      return {
        perSecond: answer.effectiveRateLimit?.requestsPerSecond,
        source: answer.effectiveRateLimit?.rateLimitSource,
      };
    };
    // Until a poll of the worker carries its rate, the server holds its own default.
    const held = await worker.runUntil(
      eventually(effectiveRate, (rate) => rate.source === RateLimitSource.RATE_LIMIT_SOURCE_WORKER, {
        timeoutMs: 20_000,
        what: 'the read queue rate set by the worker',
      }),
    );
    expect(held.perSecond).toBe(3);
  });

  it('refuses a budget no rate can hold, naming the setting', async () => {
    const failure = await workerOn(uniqueId('read-budget-low'), 4).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).variables).toEqual(['FINTECTURE_MAX_READS_PER_SECOND']);
    expect((failure as Error).message).toMatch(/must be above 4: task queue .* has 4 partitions/);
  });
});

describe('a server that cannot list partitions (the time-skipping test server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startTimeSkippingEnvironment();
  });
  afterAll(async () => {
    await env.teardown();
  });

  it("plans with Temporal's default partitions rather than failing the worker", async () => {
    const queue = fintectureReadsQueue(uniqueId('unlisted'));
    await expect(activityQueuePartitions(env.nativeConnection, 'default', queue)).resolves.toBeUndefined();
    await expect(planReadDispatch(env.nativeConnection, 'default', queue, 25)).resolves.toEqual({
      budgetPerSecond: 25,
      partitions: TEMPORAL_DEFAULT_PARTITIONS,
      partitionsFrom: 'temporal-default',
      serverRatePerSecond: 10.5,
    });
  });
});
