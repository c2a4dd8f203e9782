import { generateKeyPairSync } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createPayoutActivities,
  FintectureClient,
  loadFintectureConfig,
  type FintectureCallMetrics,
} from '../../activities';
import { payoutReferencesFor } from '../../activities/payout-references';
import { verifyFintectureWebhook } from '../../client/ingress/webhooks/webhook-verification';
import { signFintectureWebhook } from '../support/fintecture-webhook-signer';
import { RecordingLogger } from './harness';

/**
 * Fintecture's guide (shared/seed-verified-payout.txt), byte for byte, fed to our client and verifier: the
 * answers a real integration gets must be readable as they are, whatever our own sandbox does.
 */

const GUIDE_SCENARIO1_CREATE = `{
	"meta": {
		"code": 201,
		"session_id": "23e8f09e2cab4752b8c4c3f00bf9f45c",
		"method": "link",
		"url": "https://connect.fintecture.com/v2/gff0f101-601d-4c2c-96f9-f6d7a6089578"
	}
}`;

const GUIDE_SCENARIO2_CREATE = `{
  "meta": {
    "status": "payment_created",
    "session_id": "ecec9f13407f4c2cb5f1591255e8f815",
    "type": "RequestForPayout"
  },
  "data": {
    "id": "ecec9f13407f4c2cb5f1591255e8f815",
    "type": "payments",
    "attributes": {
      "amount": "273.00",
      "currency": "EUR",
      "scheme": "INSTANT_SEPA",
      "communication": "B34970692",
      "end_to_end_id": "23e8f09e2cab4752b8c4c3f00bf9f45c",
      "execution_date": "2024-06-13",
      "transfer_state": "completed",
      "debtor": {
        "bank_account_id": "dc5b0048-2a80-4a22-b2f9-fad7d72f074d"
      },
      "beneficiary": {
        "name": "Julien Lefebre",
        "iban": "FR1420041010050500013M02606",
        "swift_bic": "BANKFRXXXXX"
      }
    }
  }
}`;

const GUIDE_READ = `{
    "meta": {
        "session_id": "34f00841780445d4981be9ea2f8aafae",
        "status": "payment_created",
        "type": "RequestForPayout",
        "customer_id": "4621eacaccd04fa772638dec70da323c"
    },
    "data": {
        "id": "44f00841780445d4981be9ea2f8aafae",
        "type": "payments",
        "attributes": {
            "amount": "273",
            "currency": "EUR",
            "communication": "B34970692",
            "end_to_end_id": "44f00841780445d4981be9ea2f8aafae",
            "execution_date": "2021-02-28",
            "payment_scheme": "SEPA",
            "transfer_state": "completed"
        }
    }
}`;

const GUIDE_WEBHOOK_BODY =
  'session_id=b2bca2bcd3b64a32a7da0766df59a7d2&status=payment_created&customer_id=1ef74051a77673de120820fb370dc382&provider=provider&state=thisisastate';

const TOKEN =
  '{"token_type":"Bearer","access_token":"eyJhbGciOiJub25lIn0.eyJleHAiOjE1MTQwODA0MjQsI...","expires_in":3600}';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** A client whose every call is answered by `answer(method, path)`; records the unrecognised values. */
function clientAnswering(answer: (method: string, url: URL) => { status: number; body: string }) {
  const counted: string[] = [];
  const metrics: FintectureCallMetrics = {
    exchanged() {},
    failed() {},
    unrecognisedState: (_operation, field, value) => void counted.push(`${field}=${value}`),
    skippedListEntry: () => void counted.push('skipped'),
  };
  const config = loadFintectureConfig({
    FINTECTURE_API_URL: 'http://fintecture.test',
    FINTECTURE_APP_ID: 'app-1',
    FINTECTURE_APP_SECRET: 'secret-1',
    FINTECTURE_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    FINTECTURE_AMBIGUOUS_RETRY_DELAY_MS: '0',
  });
  const logger = new RecordingLogger();
  const client = new FintectureClient({
    config,
    logger,
    metrics,
    fetch: (async (input: Request | string | URL) => {
      const request = input as Request;
      const url = new URL(request.url);
      if (url.pathname === '/oauth/accesstoken') return new Response(TOKEN, { status: 200 });
      const { status, body } = answer(request.method, url);
      return new Response(body, { status, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch,
  });
  return { client, config, logger, counted };
}

const order = {
  orderId: 'guide-123',
  amount: '26.99',
  currency: 'EUR' as const,
  communication: 'MyShop REFUND from Order 123',
  payee: { name: 'John Doe', email: 'john@doe.example' },
};

describe('the guide’s own answers', () => {
  it('scenario 1: the create answer without status or data is read, and the status is learnt by reading the session', async () => {
    const reads: string[] = [];
    let lists = 0;
    const { client, config, logger } = clientAnswering((method, url) => {
      if (method === 'GET' && url.pathname === '/pis/v2/payments') {
        lists += 1;
        return { status: 200, body: '{"data":[]}' };
      }
      if (method === 'POST') return { status: 201, body: GUIDE_SCENARIO1_CREATE };
      reads.push(url.pathname);
      return {
        status: 200,
        body: '{"meta":{"session_id":"23e8f09e2cab4752b8c4c3f00bf9f45c","status":"iban_required","type":"RequestForPayout"}}',
      };
    });
    const direct = await client.createPayout({
      redirectUri: 'https://shop.example/return',
      state: 'payout-guide-123',
      body: {
        meta: { psu_name: 'John Doe', method: 'link', expiry: 604800 },
        data: {
          type: 'payments',
          attributes: { amount: '26.99', currency: 'EUR', communication: 'x', end_to_end_id: 'e' },
        },
      },
    });
    expect(direct).toEqual({
      sessionId: '23e8f09e2cab4752b8c4c3f00bf9f45c',
      sessionStatus: null,
      connectUrl: 'https://connect.fintecture.com/v2/gff0f101-601d-4c2c-96f9-f6d7a6089578',
      transferState: null,
      endToEndId: null,
      unrecognised: null,
    });

    const activities = createPayoutActivities({ client, config, logger });
    const result = await new MockActivityEnvironment().run(activities.createPayoutSession, order);
    expect(result).toMatchObject({
      kind: 'created',
      session: { sessionId: '23e8f09e2cab4752b8c4c3f00bf9f45c', sessionStatus: 'iban_required', scenario: 1 },
    });
    expect(reads).toEqual(['/pis/v2/payments/23e8f09e2cab4752b8c4c3f00bf9f45c']);
    expect(lists).toBe(1);
  });

  it('scenario 2: the create answer with `scheme` and a Fintecture-generated end_to_end_id', async () => {
    const { client } = clientAnswering(() => ({ status: 201, body: GUIDE_SCENARIO2_CREATE }));
    const created = await client.createPayout({
      redirectUri: 'https://shop.example/return',
      state: 'payout-guide-123',
      body: {
        meta: { psu_name: 'John Doe' },
        data: {
          type: 'payments',
          attributes: { amount: '273.00', currency: 'EUR', communication: 'x', end_to_end_id: 'ours' },
        },
      },
    });
    expect(created).toEqual({
      sessionId: 'ecec9f13407f4c2cb5f1591255e8f815',
      sessionStatus: 'payment_created',
      connectUrl: null,
      transferState: 'completed',
      endToEndId: '23e8f09e2cab4752b8c4c3f00bf9f45c',
      unrecognised: null,
    });
  });

  it('the read answer: `payment_scheme`, amount "273", session ID from meta', async () => {
    const { client } = clientAnswering(() => ({ status: 200, body: GUIDE_READ }));
    const payment = await client.getPayment('34f00841780445d4981be9ea2f8aafae');
    expect(payment).toMatchObject({
      sessionId: '34f00841780445d4981be9ea2f8aafae',
      sessionStatus: 'payment_created',
      transferState: 'completed',
      amount: '273',
      currency: 'EUR',
      communication: 'B34970692',
      endToEndId: '44f00841780445d4981be9ea2f8aafae',
      executionDate: '2021-02-28',
      scheme: 'SEPA',
      type: 'RequestForPayout',
      unrecognised: null,
    });
  });

  it('a list holding pay-ins, documented-but-unexpected and unknown states, and an unreadable entry, is read entry by entry', async () => {
    const read = JSON.parse(GUIDE_READ) as {
      meta: object;
      data: { id: string; type: string; attributes: object };
    };
    const item = (meta: object, attributes: object) => ({ id: 'x', type: 'payments', attributes, meta });
    const body = JSON.stringify({
      data: [
        { ...read.data, meta: read.meta },
        item({ session_id: 'a1', status: 'order_created', type: 'PayByBank' }, { amount: '10.00' }),
        item({ session_id: 'a2', status: 'payment_created' }, { transfer_state: 'overpaid' }),
        item({ session_id: 'a3', status: 'payout_scheduled' }, { transfer_state: 'returned' }),
        { id: 'a4', attributes: 'unavailable' },
      ],
    });
    const { client, counted } = clientAnswering(() => ({ status: 200, body }));
    const page = await client.listPayments({ pageNumber: 1, pageSize: 100 });
    expect(page.items.map((i) => [i.sessionId, i.sessionStatus, i.transferState, i.unrecognised])).toEqual([
      ['34f00841780445d4981be9ea2f8aafae', 'payment_created', 'completed', null],
      ['a1', null, null, { sessionStatus: 'order_created', transferState: null }],
      ['a2', 'payment_created', null, { sessionStatus: null, transferState: 'overpaid' }],
      ['a3', null, null, { sessionStatus: 'payout_scheduled', transferState: 'returned' }],
    ]);
    expect(page.unreadable).toHaveLength(1);
    expect(page.totalPages).toBeNull();
    expect(counted).toEqual([
      'session_status=order_created',
      'transfer_state=overpaid',
      'session_status=payout_scheduled',
      'transfer_state=returned',
      'skipped',
    ]);
  });

  it('the webhook body and the guide’s signed-header list pass the verifier', () => {
    const now = new Date();
    const headers = signFintectureWebhook({ body: GUIDE_WEBHOOK_BODY, appId: 'app-1', publicKey, date: now });
    expect(headers.signature).toContain('headers="date digest x-request-id"');
    const verified = verifyFintectureWebhook({
      rawBody: Buffer.from(GUIDE_WEBHOOK_BODY),
      headers,
      request: { method: 'POST', target: '/webhooks/fintecture' },
      appId: 'app-1',
      privateKey,
      maxAgeSeconds: 86_400,
      futureToleranceSeconds: 300,
      now,
    });
    expect(verified.fields).toMatchObject({
      session_id: 'b2bca2bcd3b64a32a7da0766df59a7d2',
      status: 'payment_created',
      state: 'thisisastate',
    });
  });

  it('our own reference survives a list that ignores every filter: the order’s session is found by communication', async () => {
    const references = payoutReferencesFor(order.orderId);
    const ours = {
      id: 'f'.repeat(32),
      type: 'payments',
      attributes: {
        amount: '26.99',
        currency: 'EUR',
        communication: `MyShop REFUND from Order 123 ${references.communicationReference}`,
      },
      meta: { session_id: 'f'.repeat(32), status: 'iban_required', type: 'RequestForPayout' },
    };
    const { client, config, logger } = clientAnswering((_method, url) => ({
      status: 200,
      body:
        url.searchParams.get('page[number]') === '1'
          ? JSON.stringify({ data: [JSON.parse(GUIDE_READ), ours] })
          : '{"data":[]}',
    }));
    const activities = createPayoutActivities({ client, config, logger });
    const result = await new MockActivityEnvironment().run(activities.createPayoutSession, order);
    expect(result).toMatchObject({
      kind: 'adopted',
      session: { sessionId: 'f'.repeat(32), sessionStatus: 'iban_required' },
    });
  });
});

describe('watchSession: the quiet wait’s reads, over the guide’s read answer', () => {
  const SESSION = '34f00841780445d4981be9ea2f8aafae';
  const known = {
    sessionStatus: 'iban_required',
    transferState: null,
    transferReason: null,
    unrecognised: null,
  };
  const delaysSeconds = [30, 300, 14_400];
  const watchOn = (
    attempt: number,
    watch: Parameters<ReturnType<typeof createPayoutActivities>['watchSession']>[0],
  ) => {
    const reads: string[] = [];
    const { client, config, logger } = clientAnswering((_method, url) => {
      reads.push(url.pathname);
      return { status: 200, body: GUIDE_READ };
    });
    const activities = createPayoutActivities({ client, config, logger });
    return { reads, run: new MockActivityEnvironment({ attempt }).run(activities.watchSession, watch) };
  };

  it('attempt 1 reads nothing and asks to be retried after the first delay (a benign failure)', async () => {
    const { reads, run } = watchOn(1, { sessionId: SESSION, known, delaysSeconds });
    await expect(run).rejects.toMatchObject({
      type: 'SessionUnchanged',
      nonRetryable: false,
      nextRetryDelay: 30_000,
      category: 'BENIGN',
    });
    expect(reads).toEqual([]);
  });

  it('a later attempt reads and returns what moved', async () => {
    const { reads, run } = watchOn(2, { sessionId: SESSION, known, delaysSeconds });
    await expect(run).resolves.toMatchObject({
      sessionStatus: 'payment_created',
      transferState: 'completed',
    });
    expect(reads).toEqual([`/pis/v2/payments/${SESSION}`]);
  });

  it('an unchanged read asks for the next delay of the schedule, the last one repeating', async () => {
    const same = { ...known, sessionStatus: 'payment_created', transferState: 'completed' };
    for (const [attempt, delay] of [
      [2, 300_000],
      [3, 14_400_000],
      [40, 14_400_000],
    ] as const) {
      const { reads, run } = watchOn(attempt, { sessionId: SESSION, known: same, delaysSeconds });
      await expect(run).rejects.toMatchObject({ type: 'SessionUnchanged', nextRetryDelay: delay });
      expect(reads).toHaveLength(1);
    }
  });
});
