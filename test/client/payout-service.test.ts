import { Client, type Connection } from '@temporalio/client';
import {
  createPayoutService,
  InvalidStatusFilterError,
  type PayoutService,
} from '../../client/payouts/payout-service';
import { PayoutOrderId, PayoutScenario, PayoutStatus } from '../../domain/search-attributes';
import { DEFAULT_PAYOUT_SETTINGS } from '../../domain/payout-settings';
import { type PayoutRequest } from '../../domain/payout-request';
import { payoutWorkflowId, type PayoutEvent } from '../../workflows/messages';
import { CONTRACT_NOT_CANCELLABLE, receivedEventsQuery } from './fixtures/contract-payout-workflow';
import { startContractWorker, type ContractWorker } from '../support/ingress-harness';
import { TEST_BIC, TEST_IBAN } from '../support/payout-bodies';
import { testDataConverter } from '../support/codec';
import { connectTestClient, testNamespace, uniqueId } from '../support/temporal';
import { eventually } from '../support/wait';

/**
 * The payout service against a real Temporal server and the contract stand-in of the PayoutWorkflow
 * (test/client/fixtures): idempotent start, look-up, signals, cancel, list.
 */

let client: Client;
let connection: Connection;
let worker: ContractWorker;
let payouts: PayoutService;

beforeAll(async () => {
  ({ client, connection } = await connectTestClient());
  worker = await startContractWorker();
  payouts = createPayoutService({ client, taskQueue: worker.taskQueue, settings: DEFAULT_PAYOUT_SETTINGS });
});
afterAll(async () => {
  await worker?.stop();
  await connection?.close();
});

function order(verified: boolean): PayoutRequest {
  return {
    orderId: uniqueId('order'),
    amount: '26.99',
    currency: 'EUR',
    communication: 'MyShop REFUND',
    payee: { name: 'John Doe', email: 'john@doe.example' },
    delivery: 'link',
    expiresInSeconds: 3600,
    ...(verified ? { beneficiary: { name: 'John Doe', iban: TEST_IBAN, bic: TEST_BIC } } : {}),
  };
}

function event(sessionId: string, overrides: Partial<PayoutEvent> = {}): PayoutEvent {
  return {
    source: 'webhook',
    sessionId,
    status: 'payment_created',
    eventId: uniqueId('event'),
    receivedAt: new Date().toISOString(),
    ...overrides,
  };
}

const received = (orderId: string) =>
  client.workflow.getHandle(payoutWorkflowId(orderId)).query(receivedEventsQuery);

describe('startPayout', () => {
  it('starts one workflow per order: created the first time, found the second', async () => {
    const request = order(true);
    const first = await payouts.startPayout(request);
    expect(first).toMatchObject({ created: true, pending: false });
    expect(first.status).toMatchObject({
      orderId: request.orderId,
      workflowId: `payout-${request.orderId}`,
      scenario: 2,
      phase: 'waiting',
      sessionId: `contract-${request.orderId}`,
    });

    const second = await payouts.startPayout(request);
    expect(second.created).toBe(false);
    expect(second.status.sessionId).toBe(first.status.sessionId);

    const description = await client.workflow.getHandle(payoutWorkflowId(request.orderId)).describe();
    expect(description.typedSearchAttributes.get(PayoutOrderId)).toBe(request.orderId);
    expect(description.typedSearchAttributes.get(PayoutScenario)).toBe('verified');
    expect(description.typedSearchAttributes.get(PayoutStatus)).toBe('CREATING');
  });

  it('needs no describe for a new order (the workflow says who started it); a repeated one is checked', async () => {
    const described: string[] = [];
    const counting = new Client({
      connection,
      namespace: testNamespace(),
      dataConverter: testDataConverter(),
      interceptors: {
        workflow: [
          {
            async describe(input, next) {
              described.push(input.workflowExecution.workflowId);
              return next(input);
            },
          },
        ],
      },
    });
    const service = createPayoutService({
      client: counting,
      taskQueue: worker.taskQueue,
      settings: DEFAULT_PAYOUT_SETTINGS,
    });
    const request = order(true);
    expect(await service.startPayout(request)).toMatchObject({ created: true, requestCheck: 'started' });
    expect(described).toEqual([]);
    // The same order again: another call started it, so its fingerprint is read (one describe).
    expect(await service.startPayout(request)).toMatchObject({ created: false, requestCheck: 'same' });
    expect(described).toEqual([payoutWorkflowId(request.orderId)]);
  });

  it('tells the one caller that started it among concurrent ones', async () => {
    const request = order(true);
    const results = await Promise.all(Array.from({ length: 5 }, () => payouts.startPayout(request)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.status.sessionId)).size).toBe(1);
  });

  it('answers scenario 1 with the payee connect URL', async () => {
    const request = order(false);
    const { status } = await payouts.startPayout(request);
    expect(status).toMatchObject({ scenario: 1, sessionStatus: 'iban_required' });
    expect(status.connectUrl).toBe(`https://pay.example/${request.orderId}`);
  });

  it('answers "pending" when the payout is not created in time, with the workflow durably started', async () => {
    const slow = createPayoutService({
      client,
      taskQueue: uniqueId('no-worker'), // nothing will run it
      settings: DEFAULT_PAYOUT_SETTINGS,
      startTimeoutMs: 1_000,
    });
    const request = order(false);
    const result = await slow.startPayout(request);
    expect(result).toMatchObject({ created: true, pending: true });
    expect(result.status).toMatchObject({ orderId: request.orderId, phase: 'creating', sessionId: null });
    const handle = client.workflow.getHandle(payoutWorkflowId(request.orderId));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test cleanup');
  });
});

describe('getPayout of a closed workflow', () => {
  it('reads the execution status first: a terminated payout mid-wait is NEEDS_REVIEW, with its details', async () => {
    const request = order(false);
    const { status } = await payouts.startPayout(request);
    expect(status.outcome).toBeNull();
    await client.workflow.getHandle(payoutWorkflowId(request.orderId)).terminate('operator stopped it');
    const view = await payouts.getPayout(request.orderId);
    expect(view).toMatchObject({
      orderId: request.orderId,
      phase: 'finished',
      outcome: 'NEEDS_REVIEW',
      outcomeReason: 'workflow_terminated',
      nextPollAt: null,
    });
  });
});

describe('signalEvent and getPayout', () => {
  it('signals a running payout, says "unknown" for no payout and "finished" for a closed one', async () => {
    const request = order(true);
    const { status } = await payouts.startPayout(request);
    const sessionId = status.sessionId!;

    const moving = event(sessionId, { transferState: 'processing' });
    expect(await payouts.signalEvent(moving, request.orderId)).toBe('signalled');
    expect(await received(request.orderId)).toEqual([moving]);

    expect(await payouts.signalEvent(event(sessionId), uniqueId('order'))).toBe('unknown');

    await payouts.signalEvent(event(sessionId, { transferState: 'completed' }), request.orderId);
    await eventually(
      () => client.workflow.getHandle(payoutWorkflowId(request.orderId)).describe(),
      (d) => d.status.name === 'COMPLETED',
      { what: 'the payout to close' },
    );
    expect(await payouts.signalEvent(event(sessionId), request.orderId)).toBe('finished');

    const view = await payouts.getPayout(request.orderId);
    expect(view).toMatchObject({ outcome: 'SETTLED', phase: 'finished', transferState: 'completed' });
    expect(view?.timeline.map((entry) => entry.source)).toEqual(['create', 'webhook', 'webhook']);

    // Asking again for a closed order's payout answers its last status; nothing new starts.
    const again = await payouts.startPayout(request);
    expect(again).toMatchObject({ created: false, pending: false });
    expect(again.status.outcome).toBe('SETTLED');
  });

  it('returns null for an order without a payout', async () => {
    expect(await payouts.getPayout(uniqueId('order'))).toBeNull();
  });
});

describe('cancelPayout', () => {
  it('cancels a payout the workflow accepts to cancel; afterwards it is refused as finished', async () => {
    const request = order(false);
    await payouts.startPayout(request);
    const answer = await payouts.cancelPayout(request.orderId, 'operator:test');
    expect(answer).toMatchObject({ kind: 'answered', result: { cancelled: true } });
    if (answer.kind !== 'answered') throw new Error('unreachable');
    expect(answer.result.status.outcomeReason).toBe('cancelled_by_operator:test');

    await eventually(
      () => client.workflow.getHandle(payoutWorkflowId(request.orderId)).describe(),
      (d) => d.status.name === 'COMPLETED',
      { what: 'the payout to close' },
    );
    const late = await payouts.cancelPayout(request.orderId, 'operator:test');
    expect(late.kind).toBe('refused');
  });

  it("passes on the validator's refusal with its message", async () => {
    const request = order(true);
    await payouts.startPayout(request);
    expect(await payouts.cancelPayout(request.orderId, 'order-api')).toEqual({
      kind: 'refused',
      message: CONTRACT_NOT_CANCELLABLE,
    });
  });

  it('says not_found for an order without a payout', async () => {
    expect(await payouts.cancelPayout(uniqueId('order'), 'order-api')).toEqual({ kind: 'not_found' });
  });
});

describe('listPayouts', () => {
  it('finds payouts by PayoutStatus through visibility', async () => {
    const request = order(true);
    await payouts.startPayout(request);
    const listed = await eventually(
      () => payouts.listPayouts({ status: 'CREATING', limit: 1000 }),
      (found) => found.some((p) => p.orderId === request.orderId),
      { what: 'the payout in visibility' },
    );
    expect(listed.find((p) => p.orderId === request.orderId)).toMatchObject({
      workflowId: `payout-${request.orderId}`,
      status: 'CREATING',
      scenario: 2,
      executionStatus: 'RUNNING',
    });
    expect(await payouts.listPayouts({ status: 'NO_SUCH_STATUS' })).toEqual([]);
  });

  it('refuses a status that could escape the visibility query', async () => {
    await expect(payouts.listPayouts({ status: 'X" OR WorkflowId != "' })).rejects.toBeInstanceOf(
      InvalidStatusFilterError,
    );
  });
});

describe('isTemporalReachable', () => {
  it('is true against the running server', async () => {
    expect(await payouts.isTemporalReachable()).toBe(true);
  });
});

describe('without a worker', () => {
  it('a closed payout is still shown, from its result', async () => {
    const request = order(true);
    const { status } = await payouts.startPayout(request);
    await payouts.signalEvent(event(status.sessionId!, { transferState: 'completed' }), request.orderId);
    await eventually(
      () => client.workflow.getHandle(payoutWorkflowId(request.orderId)).describe(),
      (d) => d.status.name === 'COMPLETED',
      { what: 'the payout to close' },
    );
    await worker.stop();
    const view = await payouts.getPayout(request.orderId);
    expect(view).toMatchObject({
      orderId: request.orderId,
      workflowId: `payout-${request.orderId}`,
      scenario: 2,
      phase: 'finished',
      outcome: 'SETTLED',
      transferState: 'completed',
    });
  });
});
