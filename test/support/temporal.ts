import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { testDataConverter } from './codec';

/** Address of the dev server that test/support/global-setup.ts started for this run. */
export function testTemporalAddress(): string {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address)
    throw new Error('TEMPORAL_TEST_ADDRESS is unset: run the tests through `npm test` (Jest globalSetup)');
  return address;
}

export function testNamespace(): string {
  return process.env.TEMPORAL_TEST_NAMESPACE ?? 'default';
}

/** A fresh ID for every test that needs one: never share workflow IDs or task queues between tests. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

export async function connectTestClient(): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: testTemporalAddress() });
  return {
    connection,
    client: new Client({ connection, namespace: testNamespace(), dataConverter: testDataConverter() }),
  };
}
