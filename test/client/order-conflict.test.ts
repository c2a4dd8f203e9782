import { type Client, type Connection } from '@temporalio/client';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import { runTestCli } from '../support/cli';
import { ORDER_CONFLICT_MESSAGE } from '../../client/payouts/payout-answers';
import {
  createPayoutService,
  OrderConflictError,
  type PayoutService,
} from '../../client/payouts/payout-service';
import {
  compareWithFingerprint,
  fingerprintKeyring,
  REQUEST_FINGERPRINT_MEMO,
} from '../../client/payouts/request-fingerprint';
import { loadPayloadKeys } from '../../common/codec-config';
import { ENCRYPTED_ENCODING } from '../../common/payload-codec';
import { parsePayoutRequest, type PayoutRequest } from '../../domain/payout-request';
import { DEFAULT_PAYOUT_SETTINGS } from '../../domain/payout-settings';
import { PAYOUT_WORKFLOW_TYPE, payoutWorkflowId, type PayoutWorkflowInput } from '../../workflows/messages';
import { TEST_CODEC_KEYS_FILE } from '../support/codec';
import {
  postJson,
  startContractWorker,
  startTestIngress,
  type ContractWorker,
  type HttpAnswer,
  type TestIngress,
} from '../support/ingress-harness';
import {
  CONFLICT_PAYEE_EMAIL,
  CONFLICT_PAYEE_NAME,
  CONFLICT_PAYEE_PHONE,
  fullOrderBody,
  OTHER_IBAN,
  reformattedOrderBody,
  severalFieldsChanged,
  SINGLE_FIELD_CHANGES,
  type OrderBody,
} from '../support/order-conflict-cases';
import { TEST_IBAN } from '../support/payout-bodies';
import { connectTestClient, testNamespace, uniqueId } from '../support/temporal';
import { eventually } from '../support/wait';

/**
 * Issue 11, conflicts: a start for an order that already has a payout is compared with the request that
 * started it (per-field digests in the workflow's memo). Against a real Temporal server, the contract
 * stand-in of the PayoutWorkflow, the real ingress and the CLI.
 */

const payloadKeys = loadPayloadKeys({ PAYLOAD_CODEC_KEYS_FILE: TEST_CODEC_KEYS_FILE });

let client: Client;
let connection: Connection;
let worker: ContractWorker;
let payouts: PayoutService;
let ingress: TestIngress;

beforeAll(async () => {
  ({ client, connection } = await connectTestClient());
  worker = await startContractWorker();
  payouts = createPayoutService({
    client,
    taskQueue: worker.taskQueue,
    settings: DEFAULT_PAYOUT_SETTINGS,
    payloadKeys,
  });
  ingress = await startTestIngress({ payouts });
});
afterAll(async () => {
  await ingress?.close();
  await worker?.stop();
  await connection?.close();
});

/** Every personal value the tests use: none may appear in an answer, a log line or the CLI's output. */
const PERSONAL_VALUES = [
  CONFLICT_PAYEE_NAME,
  CONFLICT_PAYEE_EMAIL,
  CONFLICT_PAYEE_PHONE,
  TEST_IBAN,
  OTHER_IBAN,
  'Jean Other',
  'other.person@example.org',
  '+33698765432',
];

function expectNoPersonalData(text: string) {
  for (const value of PERSONAL_VALUES) expect(text).not.toContain(value);
}

const post = (body: OrderBody) => postJson(`${ingress.baseUrl}/payouts`, body);

function conflictBody(paths: string[]) {
  return {
    error: 'order_conflict',
    fields: paths.map((path) => ({ path, message: ORDER_CONFLICT_MESSAGE })),
  };
}

function parsed(body: OrderBody): PayoutRequest {
  const result = parsePayoutRequest(body);
  if (!result.ok) throw new Error(`test body is invalid: ${JSON.stringify(result.issues)}`);
  return result.request;
}

const logsOf = (orderId: string) =>
  ingress.logger.entries.filter((entry) => entry.fields.orderId === orderId);

describe('POST /payouts for an order that already has a payout', () => {
  it.each(SINGLE_FIELD_CHANGES)('%s: 409 naming exactly %s', async (_label, path, before, after) => {
    const base = fullOrderBody(uniqueId('order'));
    const first = await post(before(base));
    expect(first.status).toBe(201);

    const changed = await post(after(base));
    expect(changed.status).toBe(409);
    expect(changed.json).toEqual(conflictBody([path]));
    expectNoPersonalData(changed.text);

    // The payout is untouched: the first request again is still answered as today.
    const again = await post(before(base));
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);

    const conflictLogs = logsOf(base.orderId).filter((entry) => entry.event === 'payout_conflict');
    expect(conflictLogs).toEqual([
      {
        level: 'warn',
        event: 'payout_conflict',
        fields: expect.objectContaining({
          workflowId: payoutWorkflowId(base.orderId),
          fields: path,
        }) as unknown,
      },
    ]);
    expectNoPersonalData(JSON.stringify(logsOf(base.orderId)));
  });

  it('names every differing field when several changed', async () => {
    const base = fullOrderBody(uniqueId('order'));
    expect((await post(base)).status).toBe(201);
    const { body, paths } = severalFieldsChanged(base);
    const changed = await post(body);
    expect(changed.status).toBe(409);
    expect(changed.json).toEqual(conflictBody(paths));
    expectNoPersonalData(changed.text);
    expectNoPersonalData(ingress.logger.text());
  });

  it('the same request formatted differently (IBAN spaces, lower-case BIC, padding, defaults) is no conflict', async () => {
    const base = fullOrderBody(uniqueId('order'));
    const first = await post(base);
    expect(first.status).toBe(201);
    const reformatted = await post(reformattedOrderBody(base));
    expect(reformatted.status).toBe(200);
    expect(reformatted.json).toEqual(first.json);
    expect(logsOf(base.orderId).map((entry) => entry.event)).not.toContain('payout_conflict');
  });

  it('duplicate starts racing with a changed request: one workflow; the identical ones 201/200, the changed 409', async () => {
    const base = fullOrderBody(uniqueId('order'));
    const changed = { ...base, amount: '30.00' };
    const bodies = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? base : changed));
    const answers = await Promise.all(bodies.map((body) => post(body)));

    const created = answers.filter((answer) => answer.status === 201);
    expect(created).toHaveLength(1);
    const winner = bodies[answers.indexOf(created[0]!)]!;
    const loser = winner === base ? changed : base;
    const answersTo = (body: OrderBody) => answers.filter((_, i) => bodies[i] === body);

    expect(
      answersTo(winner)
        .map((answer) => answer.status)
        .sort(),
    ).toEqual([200, 200, 200, 200, 201]);
    for (const answer of answersTo(winner)) expect(answer.json).toEqual(created[0]!.json);
    for (const answer of answersTo(loser)) {
      expect(answer.status).toBe(409);
      expect(answer.json).toEqual(conflictBody(['amount']));
    }
    // The workflow holds the winner's request.
    const { memo } = await client.workflow.getHandle(payoutWorkflowId(base.orderId)).describe();
    const keyring = fingerprintKeyring(payloadKeys);
    expect(compareWithFingerprint(parsed(winner), memo?.[REQUEST_FINGERPRINT_MEMO], keyring)).toEqual({
      kind: 'same',
    });
  });

  it('compares with a finished payout too', async () => {
    const base = fullOrderBody(uniqueId('order'));
    const first = await post(base);
    expect(first.status).toBe(201);
    const { sessionId } = first.json as { sessionId: string };
    await payouts.signalEvent(
      {
        source: 'webhook',
        sessionId,
        transferState: 'completed',
        eventId: uniqueId('event'),
        receivedAt: new Date().toISOString(),
      },
      base.orderId,
    );
    await eventually(
      () => client.workflow.getHandle(payoutWorkflowId(base.orderId)).describe(),
      (description) => description.status.name === 'COMPLETED',
      { what: 'the payout to close' },
    );
    const changed = await post({ ...base, currency: 'GBP' });
    expect(changed.status).toBe(409);
    expect(changed.json).toEqual(conflictBody(['currency']));
    expect((await post(reformattedOrderBody(base))).status).toBe(200);
  });

  it('keeps the digests encrypted at rest: the memo entry is a codec payload', async () => {
    const base = fullOrderBody(uniqueId('order'));
    expect((await post(base)).status).toBe(201);
    const raw = await client.workflowService.describeWorkflowExecution({
      namespace: testNamespace(),
      execution: { workflowId: payoutWorkflowId(base.orderId) },
    });
    const entry = raw.workflowExecutionInfo?.memo?.fields?.[REQUEST_FINGERPRINT_MEMO];
    expect(Buffer.from(entry?.metadata?.[METADATA_ENCODING_KEY] ?? []).toString()).toBe(ENCRYPTED_ENCODING);
    // Decoded, it holds digests only.
    const { memo } = await client.workflow.getHandle(payoutWorkflowId(base.orderId)).describe();
    expect(memo?.[REQUEST_FINGERPRINT_MEMO]).toMatchObject({ version: 1, keyId: payloadKeys!.currentKeyId });
    expectNoPersonalData(JSON.stringify(memo));
  });

  it('a payout started before fingerprints existed is answered as today, and the ingress logs it', async () => {
    const base = fullOrderBody(uniqueId('order'));
    const input: PayoutWorkflowInput = { order: parsed(base), settings: DEFAULT_PAYOUT_SETTINGS };
    // As the ingress started payouts before this change: a start token, no fingerprint.
    await client.workflow.start(PAYOUT_WORKFLOW_TYPE, {
      workflowId: payoutWorkflowId(base.orderId),
      taskQueue: worker.taskQueue,
      args: [input],
      memo: { payoutStartToken: 'legacy' },
    });
    const answer = await post({ ...base, amount: '30.00' });
    expect(answer.status).toBe(200);
    expect(logsOf(base.orderId)).toContainEqual({
      level: 'warn',
      event: 'payout_request_not_compared',
      fields: expect.objectContaining({ reason: 'not_recorded' }) as unknown,
    });
  });
});

describe('the payout service', () => {
  it('refuses a changed request while the first one is still being created (pending)', async () => {
    const slow = createPayoutService({
      client,
      taskQueue: uniqueId('no-worker'), // nothing will run it: it stays "creating"
      settings: DEFAULT_PAYOUT_SETTINGS,
      payloadKeys,
      startTimeoutMs: 1_000,
    });
    const request = parsed(fullOrderBody(uniqueId('order')));
    try {
      expect(await slow.startPayout(request)).toMatchObject({ created: true, pending: true });
      const refused = slow.startPayout({ ...request, payee: { ...request.payee, name: 'Jean Other' } });
      await expect(refused).rejects.toBeInstanceOf(OrderConflictError);
      await expect(refused).rejects.toMatchObject({ fields: ['payee.name'] });
      const error = (await refused.catch((e: unknown) => e)) as Error;
      expectNoPersonalData(`${error.message}\n${error.stack ?? ''}`);
      expect(await slow.startPayout(request)).toMatchObject({
        created: false,
        pending: true,
        requestCheck: 'same',
      });
    } finally {
      await client.workflow.getHandle(payoutWorkflowId(request.orderId)).terminate('test cleanup');
    }
  });
});

describe('payouts start (CLI)', () => {
  const cli = (argv: string[]) => runTestCli(argv, { taskQueue: worker.taskQueue });

  it('says the same as the 409 and exits with 1; the same request is found (one key for ingress and CLI)', async () => {
    const orderId = uniqueId('order');
    const body = {
      orderId,
      amount: '26.99',
      currency: 'EUR',
      communication: 'MyShop REFUND 123',
      payee: { name: CONFLICT_PAYEE_NAME, email: CONFLICT_PAYEE_EMAIL },
    };
    const first: HttpAnswer = await postJson(`${ingress.baseUrl}/payouts`, body);
    expect(first.status).toBe(201);
    const flags = (amount: string, name: string) => [
      'start',
      '--order',
      orderId,
      '--amount',
      amount,
      '--communication',
      ' MyShop REFUND 123 ',
      '--payee-name',
      name,
      '--payee-email',
      CONFLICT_PAYEE_EMAIL,
    ];

    const same = await cli(flags('26.99', CONFLICT_PAYEE_NAME));
    expect(same).toMatchObject({ code: 0, stderr: '' });
    expect(same.stdout).toContain(`Found existing payout for order ${orderId}`);

    const changed = await cli(flags('30.00', 'Jean Other'));
    expect(changed.code).toBe(1);
    expect(changed.stdout).toBe('');
    expect(changed.stderr).toContain('order_conflict');
    expect(changed.stderr).toContain(`--amount (amount): ${ORDER_CONFLICT_MESSAGE}`);
    expect(changed.stderr).toContain(`--payee-name (payee.name): ${ORDER_CONFLICT_MESSAGE}`);
    expect(changed.stderr).not.toContain('communication');
    expectNoPersonalData(changed.stderr);
  });
});
