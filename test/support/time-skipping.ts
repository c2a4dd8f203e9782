import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { PAYOUT_SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { temporalBinary } from '../../scripts/temporal-dev-server';
import { testDataConverter } from './codec';

/**
 * The time-skipping test server, with the test payload codec and the payout search attributes registered:
 * the workflow upserts them, and a server without them fails every workflow task.
 */
export async function startTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalBinary('temporal-test-server') } },
    client: { dataConverter: testDataConverter() },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.keys(PAYOUT_SEARCH_ATTRIBUTES).map((name) => [
        name,
        temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    ),
  });
  return env;
}
