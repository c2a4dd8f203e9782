import { createServer } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createPayoutService } from '../../client/payouts/payout-service';
import { signFintectureWebhook } from '../support/fintecture-webhook-signer';
import { DEFAULT_PAYOUT_SETTINGS } from '../../domain/payout-settings';
import {
  http,
  metricValue,
  postJson,
  startTestIngress,
  TEST_APP_ID,
  webhookKeys,
  type TestIngress,
} from '../support/ingress-harness';
import { TEST_BIC, TEST_IBAN } from '../support/payout-bodies';
import { uniqueId } from '../support/temporal';

/**
 * Temporal unreachable (a closed port): the ingress stays up, says so on /healthz, and never acknowledges
 * what it could not hand over — Fintecture retries a webhook answered 503 (G3).
 */

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

let connection: Connection;
let ingress: TestIngress;

beforeAll(async () => {
  connection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}` });
  const payouts = createPayoutService({
    client: new Client({ connection }),
    taskQueue: uniqueId('unreachable'),
    settings: DEFAULT_PAYOUT_SETTINGS,
    startTimeoutMs: 1_500,
    callTimeoutMs: 1_500,
    healthTimeoutMs: 1_000,
  });
  ingress = await startTestIngress({ payouts });
});
afterAll(async () => {
  await ingress?.close();
  await connection?.close();
});

it('/healthz answers 503', async () => {
  const answer = await http(`${ingress.baseUrl}/healthz`, { apiKey: null });
  expect(answer.status).toBe(503);
  expect(answer.json).toEqual({ status: 'unavailable', temporal: 'unreachable' });
});

it('a genuine webhook is answered 503 every time it is delivered: nothing was acknowledged', async () => {
  const body = new URLSearchParams({
    session_id: 'b2bca2bcd3b64a32a7da0766df59a7d2',
    status: 'payment_created',
    state: `payout-${uniqueId('order')}`,
  }).toString();
  const headers = signFintectureWebhook({ body, appId: TEST_APP_ID, publicKey: webhookKeys().publicKey });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const answer = await http(`${ingress.baseUrl}/webhooks/fintecture`, {
      method: 'POST',
      apiKey: null,
      headers,
      body,
    });
    expect(answer.status).toBe(503);
    expect(answer.json).toEqual({ error: 'temporarily_unavailable' });
    expect(answer.headers.get('retry-after')).toBe('5');
  }
  expect(
    await metricValue(ingress.registry, 'payout_ingress_signals_total', {
      source: 'webhook',
      outcome: 'unavailable',
    }),
  ).toBe(2);
  expect(
    await metricValue(ingress.registry, 'payout_ingress_signals_total', {
      source: 'webhook',
      outcome: 'duplicate',
    }),
  ).toBe(0);
});

it('the order API answers 503 (not 500) and never a stack trace', async () => {
  const order = {
    orderId: uniqueId('order'),
    amount: '26.99',
    currency: 'EUR',
    communication: 'MyShop REFUND',
    payee: { name: 'John Doe' },
    beneficiary: { name: 'John Doe', iban: TEST_IBAN, bic: TEST_BIC },
  };
  const started = await postJson(`${ingress.baseUrl}/payouts`, order);
  expect(started.status).toBe(503);
  expect(started.json).toEqual({ error: 'temporarily_unavailable' });

  const shown = await http(`${ingress.baseUrl}/payouts/${order.orderId}`);
  expect(shown.status).toBe(503);
  expect(shown.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
});

it('the payee return page says to wait, and retries by itself', async () => {
  const answer = await http(
    `${ingress.baseUrl}/payouts/return?${new URLSearchParams({
      session_id: 'b2bca2bcd3b64a32a7da0766df59a7d2',
      state: `payout-${uniqueId('order')}`,
    })}`,
    { apiKey: null },
  );
  expect(answer.status).toBe(503);
  expect(answer.text).toContain('http-equiv="refresh"');
});
