/**
 * The engine ceiling: a workflow with the same shape as a scenario-2 PayoutWorkflow (update-with-start that
 * waits for the first activities, then the signals a real payout received, then the remaining
 * activities) whose activities do nothing. Bench-only code: it never goes into workflows/.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import {
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type * as activities from './activities';

export interface CeilingInput {
  /** Activities before the order API would answer (token + create in a real payout). */
  activitiesBefore: number;
  /** Signals to wait for (webhooks in a real payout). */
  signals: number;
  /** Activities after the signals (fetches in a real payout). */
  activitiesAfter: number;
  /**
   * Diagnostic only (`diagnostics.ceilingWithUpserts`): search-attribute upserts, all but the last after the
   * first activities and the last at the end — where a payout makes its own (and `patched()` its one).
   */
  searchAttributeUpserts?: number;
}

const PayoutStatus = defineSearchAttributeKey('PayoutStatus', SearchAttributeType.KEYWORD);

export const ceilingCreatedUpdate = defineUpdate<boolean>('awaitCreated');
export const ceilingEventSignal = defineSignal<[string]>('payoutEvent');

const { nothing } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export async function CeilingWorkflow(input: CeilingInput): Promise<number> {
  let created = false;
  let received = 0;
  setHandler(ceilingCreatedUpdate, async () => {
    await condition(() => created);
    return true;
  });
  setHandler(ceilingEventSignal, () => {
    received += 1;
  });
  const upserts = input.searchAttributeUpserts ?? 0;
  for (let i = 0; i < input.activitiesBefore; i++) await nothing();
  for (let i = 0; i < upserts - 1; i++)
    upsertSearchAttributes([{ key: PayoutStatus, value: `CEILING_${i}` }]);
  created = true;
  await condition(() => received >= input.signals);
  for (let i = 0; i < input.activitiesAfter; i++) await nothing();
  if (upserts > 0) upsertSearchAttributes([{ key: PayoutStatus, value: 'CEILING_DONE' }]);
  return received;
}
