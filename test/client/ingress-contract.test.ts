import { createPrivateKey } from 'node:crypto';
import { type Client, type Connection } from '@temporalio/client';
import { createPayoutService, type PayoutService } from '../../client/payouts/payout-service';
import { signFintectureWebhook } from '../support/fintecture-webhook-signer';
import { DEFAULT_PAYOUT_SETTINGS } from '../../domain/payout-settings';
import { payoutWorkflowId } from '../../workflows/messages';
import { receivedEventsQuery } from './fixtures/contract-payout-workflow';
import { requestToken, sdkRequest } from '../support/fintecture-sdk';
import {
  http,
  metricValue,
  postJson,
  startContractWorker,
  startTestIngress,
  TEST_APP_ID,
  webhookKeys,
  type ContractWorker,
  type TestIngress,
} from '../support/ingress-harness';
import { payoutQuery, TEST_BIC, TEST_IBAN, verifiedPayoutBody } from '../support/payout-bodies';
import { startSandboxProcess, type SandboxProcess } from '../support/sandbox-process';
import { connectTestClient, uniqueId } from '../support/temporal';
import { eventually } from '../support/wait';

/**
 * The ingress over HTTP, against a real Temporal server and the contract stand-in of the PayoutWorkflow:
 * what reaches the workflow, and how often.
 */

let client: Client;
let connection: Connection;
let worker: ContractWorker;
let payouts: PayoutService;
let ingress: TestIngress;

beforeAll(async () => {
  ({ client, connection } = await connectTestClient());
  worker = await startContractWorker();
  payouts = createPayoutService({ client, taskQueue: worker.taskQueue, settings: DEFAULT_PAYOUT_SETTINGS });
  ingress = await startTestIngress({ payouts });
});
afterAll(async () => {
  await ingress?.close();
  await worker?.stop();
  await connection?.close();
});

function orderBody(verified: boolean, orderId = uniqueId('order')) {
  return {
    orderId,
    amount: '26.99',
    currency: 'EUR',
    communication: 'MyShop REFUND',
    payee: { name: 'John Doe', email: 'john@doe.example' },
    ...(verified ? { beneficiary: { name: 'John Doe', iban: TEST_IBAN, bic: TEST_BIC } } : {}),
  };
}

const received = (orderId: string) =>
  client.workflow.getHandle(payoutWorkflowId(orderId)).query(receivedEventsQuery);

function webhook(orderId: string, fields: Record<string, string>, requestId?: string) {
  const body = new URLSearchParams({ state: `payout-${orderId}`, ...fields }).toString();
  const headers = signFintectureWebhook({
    body,
    appId: TEST_APP_ID,
    publicKey: webhookKeys().publicKey,
    requestId,
  });
  return { body, headers, requestId: headers['x-request-id']! };
}

const deliver = (delivery: { body: string; headers: Record<string, string> }) =>
  http(`${ingress.baseUrl}/webhooks/fintecture`, {
    method: 'POST',
    apiKey: null,
    headers: delivery.headers,
    body: delivery.body,
  });

describe('POST /payouts', () => {
  it('answers 201 for a new payout and 200 for the same order again, with one workflow', async () => {
    const body = orderBody(true);
    const first = await postJson(`${ingress.baseUrl}/payouts`, body);
    expect(first.status).toBe(201);
    expect(first.json).toEqual({
      orderId: body.orderId,
      workflowId: `payout-${body.orderId}`,
      scenario: 2,
      sessionId: `contract-${body.orderId}`,
      sessionStatus: 'payment_created',
      connectUrl: null,
    });
    const second = await postJson(`${ingress.baseUrl}/payouts`, body);
    expect(second.status).toBe(200);
    expect(second.json).toEqual(first.json);
    const runs = await client.workflow.count(`WorkflowId = "payout-${body.orderId}"`);
    expect(runs.count).toBe(1);
    expect(
      await metricValue(ingress.registry, 'payout_ingress_payouts_started_total', { result: 'created' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await metricValue(ingress.registry, 'payout_ingress_payouts_started_total', { result: 'existing' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('answers scenario 1 with the connect URL', async () => {
    const body = orderBody(false);
    const answer = await postJson(`${ingress.baseUrl}/payouts`, body);
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      scenario: 1,
      sessionStatus: 'iban_required',
      connectUrl: `https://pay.example/${body.orderId}`,
    });
  });
});

describe('GET /payouts/:orderId', () => {
  it('answers the status view with its timeline', async () => {
    const body = orderBody(true);
    await postJson(`${ingress.baseUrl}/payouts`, body);
    const answer = await http(`${ingress.baseUrl}/payouts/${body.orderId}`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      orderId: body.orderId,
      workflowId: `payout-${body.orderId}`,
      scenario: 2,
      phase: 'waiting',
      sessionId: `contract-${body.orderId}`,
      sessionStatus: 'payment_created',
      transferState: 'initiated',
      transferReason: null,
      connectUrl: null,
      outcome: null,
      timeline: [
        {
          at: expect.any(String),
          source: 'create',
          sessionStatus: 'payment_created',
          transferState: 'initiated',
        },
      ],
    });
  });
});

describe('POST /webhooks/fintecture', () => {
  it('signals the payout once Temporal holds the event, and never twice for one X-Request-ID', async () => {
    const body = orderBody(true);
    await postJson(`${ingress.baseUrl}/payouts`, body);
    const sessionId = `contract-${body.orderId}`;
    const delivery = webhook(body.orderId, {
      session_id: sessionId,
      status: 'payment_created',
      transfer_state: 'processing',
      event: 'payment_session.transfer_state.processing',
    });

    const answer = await deliver(delivery);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ received: true, outcome: 'signalled' });
    // 200 came after the signal was accepted: it is already there.
    const events = await received(body.orderId);
    expect(events).toEqual([
      {
        source: 'webhook',
        sessionId,
        status: 'payment_created',
        transferState: 'processing',
        eventId: delivery.requestId,
        receivedAt: expect.any(String),
      },
    ]);

    // Retries of the same delivery, one after the other and all at once.
    expect((await deliver(delivery)).json).toEqual({ received: true, outcome: 'duplicate' });
    const concurrent = webhook(body.orderId, { session_id: sessionId, status: 'payment_created' });
    const answers = await Promise.all([deliver(concurrent), deliver(concurrent), deliver(concurrent)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const after = await received(body.orderId);
    expect(after.map((e) => e.eventId)).toEqual([delivery.requestId, concurrent.requestId]);
  });

  it('acknowledges a webhook for a finished payout without acting on it', async () => {
    const body = orderBody(true);
    await postJson(`${ingress.baseUrl}/payouts`, body);
    const sessionId = `contract-${body.orderId}`;
    await deliver(
      webhook(body.orderId, {
        session_id: sessionId,
        status: 'payment_created',
        transfer_state: 'completed',
      }),
    );
    await eventually(
      () => client.workflow.getHandle(payoutWorkflowId(body.orderId)).describe(),
      (d) => d.status.name === 'COMPLETED',
      { what: 'the payout to close' },
    );
    const late = await deliver(
      webhook(body.orderId, { session_id: sessionId, status: 'payment_created', transfer_state: 'sent' }),
    );
    expect(late.status).toBe(200);
    expect(late.json).toEqual({ received: true, outcome: 'finished' });
    expect(ingress.logger.events()).toContain('webhook_finished');
  });
});

describe('POST /payouts/:orderId/cancel', () => {
  it('cancels a payout that can be cancelled', async () => {
    const body = orderBody(false);
    await postJson(`${ingress.baseUrl}/payouts`, body);
    const answer = await postJson(`${ingress.baseUrl}/payouts/${body.orderId}/cancel`, {
      requestedBy: 'support',
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      cancelled: true,
      status: { orderId: body.orderId, outcome: 'CANCELLED', outcomeReason: 'cancelled_by_support' },
    });
  });

  it("answers 409 with the workflow's message when it refuses", async () => {
    const body = orderBody(true);
    await postJson(`${ingress.baseUrl}/payouts`, body);
    const answer = await http(`${ingress.baseUrl}/payouts/${body.orderId}/cancel`, { method: 'POST' });
    expect(answer.status).toBe(409);
    expect(answer.json).toEqual({
      error: 'not_cancellable',
      message: 'The payout can no longer be cancelled: the payment is created.',
    });
  });
});

describe('GET /payouts/return', () => {
  const returnUrl = (orderId: string, sessionId: string, extra: Record<string, string> = {}) =>
    `${ingress.baseUrl}/payouts/return?${new URLSearchParams({
      session_id: sessionId,
      status: 'iban_received',
      state: `payout-${orderId}`,
      provider: 'fintecture',
      customer_id: 'c0ffee',
      ...extra,
    })}`;

  it('signals a redirect once per distinct redirect and shows progress without personal data', async () => {
    const body = orderBody(false);
    await postJson(`${ingress.baseUrl}/payouts`, body);
    const sessionId = `contract-${body.orderId}`;

    const page = await http(returnUrl(body.orderId, sessionId), { apiKey: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    // The redirect's own status is a hint: "received, confirming" while the view still waits for details.
    expect(page.text).toContain('<h2 id="state-title">Thank you, we received your details</h2>');
    expect(page.text).not.toContain('data-field');
    // The amount and the reference are shown; the payee's name, e-mail and the order's text are not.
    expect(page.text).toContain('€26.99');
    expect(page.text).toContain(`<dd id="reference">${body.orderId}</dd>`);
    for (const personal of ['John Doe', 'john@doe.example', 'MyShop'])
      expect(page.text).not.toContain(personal);
    // The script runs only with this response's nonce.
    const nonce = /script-src 'nonce-([^']+)'/.exec(page.headers.get('content-security-policy') ?? '')?.[1];
    expect(nonce).toBeDefined();
    expect(page.text).toContain(`<script nonce="${nonce}">`);

    const events = await received(body.orderId);
    expect(events).toEqual([
      expect.objectContaining({
        source: 'redirect',
        sessionId,
        status: 'iban_received',
        eventId: expect.stringMatching(/^redirect-[0-9a-f]{40}$/),
      }),
    ]);
    // Reloading the page is not a new event; the same redirect with parameters reordered neither.
    await http(returnUrl(body.orderId, sessionId), { apiKey: null });
    const reordered = `${ingress.baseUrl}/payouts/return?${new URLSearchParams({
      state: `payout-${body.orderId}`,
      customer_id: 'c0ffee',
      provider: 'fintecture',
      status: 'iban_received',
      session_id: sessionId,
    })}`;
    await http(reordered, { apiKey: null });
    expect(await received(body.orderId)).toHaveLength(1);

    const progress = await http(
      `${ingress.baseUrl}/payouts/return/status?${new URLSearchParams({ state: `payout-${body.orderId}`, session_id: sessionId })}`,
      { apiKey: null },
    );
    // The stand-in applies event statuses as they come (the real workflow confirms them first).
    expect(progress.json).toEqual({
      phase: 'waiting',
      sessionStatus: 'iban_received',
      transferState: null,
      outcome: null,
      state: 'confirming',
      final: false,
      executionDate: null,
      summary: 'Thank you, we received your details',
    });
  });

  it('refuses a redirect naming another session of the payout, and signals nothing', async () => {
    const body = orderBody(false);
    await postJson(`${ingress.baseUrl}/payouts`, body);
    const page = await http(returnUrl(body.orderId, 'someone-elses-session'), { apiKey: null });
    expect(page.status).toBe(404);
    expect(await received(body.orderId)).toEqual([]);
    const progress = await http(
      `${ingress.baseUrl}/payouts/return/status?${new URLSearchParams({ state: `payout-${body.orderId}`, session_id: 'someone-elses-session' })}`,
      { apiKey: null },
    );
    expect(progress.status).toBe(404);
  });
});

describe('webhooks delivered by the sandbox', () => {
  let sandbox: SandboxProcess;
  let sandboxIngress: TestIngress;

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    sandboxIngress = await startTestIngress({
      payouts,
      appId: sandbox.appId,
      privateKey: createPrivateKey(sandbox.privateKeyPem),
    });
    await sandbox.control('PUT', '/webhooks', { urls: [`${sandboxIngress.baseUrl}/webhooks/fintecture`] });
  });
  afterAll(async () => {
    await sandbox?.stop();
    await sandboxIngress?.close();
  });

  it('are verified and passed on, each X-Request-ID once, and acknowledged', async () => {
    const body = orderBody(true);
    await postJson(`${sandboxIngress.baseUrl}/payouts`, body, {});
    const token = await requestToken(sandbox);
    const { path } = payoutQuery('https://shop.example/payouts/return', `payout-${body.orderId}`);
    const created = await sdkRequest<{ meta: { session_id: string } }>(
      sandbox,
      token,
      'POST',
      path,
      verifiedPayoutBody(),
    );
    const sessionId = created.body.meta.session_id;

    type Delivery = { sessionId: string; requestId: string; outcome: string; status?: number };
    const deliveries = await eventually(
      () => sandbox.control<Delivery[]>('GET', '/webhooks/deliveries'),
      (list) => list.filter((d) => d.sessionId === sessionId && d.outcome === 'delivered').length >= 3,
      { what: 'three delivered webhooks', timeoutMs: 20_000 },
    );
    const mine = deliveries.filter((d) => d.sessionId === sessionId);
    expect(mine.every((d) => d.outcome === 'delivered' && d.status === 200)).toBe(true);
    const events = await received(body.orderId);
    expect(events.map((e) => e.eventId).sort()).toEqual([...new Set(mine.map((d) => d.requestId))].sort());
    expect(events.every((e) => e.source === 'webhook' && e.sessionId === sessionId)).toBe(true);
    expect(
      await metricValue(sandboxIngress.registry, 'payout_ingress_webhooks_total', { result: 'verified' }),
    ).toBe(mine.length);
  });
});
