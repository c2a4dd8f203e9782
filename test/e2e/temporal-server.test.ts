import path from 'node:path';
import { Worker, NativeConnection } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { PAYOUT_SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { temporalBinary } from '../../scripts/temporal-dev-server';
import { testDataConverter } from '../support/codec';
import { connectTestClient, testNamespace, testTemporalAddress, uniqueId } from '../support/temporal';

describe('the Temporal server the tests run against', () => {
  it('is a real dev server: the namespace exists and the payout search attributes are registered', async () => {
    const { connection } = await connectTestClient();
    try {
      const namespace = await connection.workflowService.describeNamespace({ namespace: testNamespace() });
      expect(namespace.namespaceInfo?.name).toBe(testNamespace());

      const attributes = await connection.operatorService.listSearchAttributes({
        namespace: testNamespace(),
      });
      const registered = Object.keys(attributes.customAttributes ?? {});
      expect(registered).toEqual(expect.arrayContaining(Object.keys(PAYOUT_SEARCH_ATTRIBUTES)));
      for (const name of Object.keys(PAYOUT_SEARCH_ATTRIBUTES)) {
        // 2 = INDEXED_VALUE_TYPE_KEYWORD
        expect(attributes.customAttributes?.[name]).toBe(2);
      }
    } finally {
      await connection.close();
    }
  });

  it('runs a workflow and its activity end to end', async () => {
    const taskQueue = uniqueId('echo');
    const workerConnection = await NativeConnection.connect({ address: testTemporalAddress() });
    const worker = await Worker.create({
      connection: workerConnection,
      namespace: testNamespace(),
      taskQueue,
      workflowsPath: path.join(__dirname, '../fixtures/echo-workflow.ts'),
      activities: { shout: async (text: string) => text.toUpperCase() },
      dataConverter: testDataConverter(),
    });
    const { client, connection } = await connectTestClient();
    try {
      const result = await worker.runUntil(
        client.workflow.execute('echoWorkflow', { taskQueue, workflowId: uniqueId('echo'), args: ['hello'] }),
      );
      expect(result).toBe('HELLO');
    } finally {
      await connection.close();
      await workerConnection.close();
    }
  });

  it('has the time-skipping test server installed and working', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: temporalBinary('temporal-test-server') } },
    });
    try {
      const before = await env.currentTimeMs();
      await env.sleep('7 days');
      const after = await env.currentTimeMs();
      expect(after - before).toBeGreaterThanOrEqual(7 * 24 * 3600 * 1000);
    } finally {
      await env.teardown();
    }
  });
});
