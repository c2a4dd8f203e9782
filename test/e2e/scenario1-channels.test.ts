import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { createPayoutService } from '../../client/payouts/payout-service';
import { type PayoutSettings } from '../../domain/payout-settings';
import { freePort } from '../../scripts/temporal-dev-server';
import { launchBrowser } from '../support/browser';
import { http, postJson, startTestIngress, type TestIngress } from '../support/ingress-harness';
import { TEST_BIC, TEST_IBAN } from '../support/payout-bodies';
import { FAST_SETTINGS, startPayoutStack, type PayoutStack } from '../support/payout-stack';
import { testNamespace, testTemporalAddress, uniqueId } from '../support/temporal';
import { eventually } from '../support/wait';
import { TEST_CODEC_KEYS_FILE } from '../support/codec';
import { tsxNodeArgs } from '../../scripts/service-process';

/**
 * Scenario 1 end to end — ingress, real workflow and activities, sandbox, a real browser on the payee
 * page — once per notification channel: webhook only, redirect only, polling only. Each shows that its
 * channel alone brings the payout to SETTLED (the timeline says who moved it).
 */

interface Status {
  outcome: string | null;
  polls: number;
  timeline: { source: string; sessionStatus: string | null; transferState: string | null }[];
}

let browser: Browser;
let shop: Server;
let shopUrl: string;

beforeAll(async () => {
  browser = await launchBrowser();
  // A merchant page that is not the ingress: a redirect landing here reaches no workflow.
  shop = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Thanks</h1>'),
  );
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  await browser?.close();
  shop?.closeAllConnections();
  await new Promise((resolve) => shop?.close(resolve));
});

interface Channels {
  webhooks: boolean;
  redirect: boolean;
  settings: PayoutSettings;
}

async function withStack(
  channels: Channels,
  body: (stack: PayoutStack, ingress: TestIngress) => Promise<void>,
) {
  const port = await freePort();
  const ingressUrl = `http://127.0.0.1:${port}`;
  // The payee comes back to the ingress only when the redirect channel is on.
  const stack = await startPayoutStack({ publicBaseUrl: channels.redirect ? ingressUrl : shopUrl });
  const ingress = await startTestIngress({
    port,
    payouts: createPayoutService({
      client: stack.client,
      taskQueue: stack.taskQueue,
      settings: channels.settings,
    }),
    appId: stack.sandbox.appId,
    privateKey: createPrivateKey(stack.sandbox.privateKeyPem),
  });
  try {
    await stack.sandbox.control('PUT', '/webhooks', {
      urls: channels.webhooks ? [`${ingressUrl}/webhooks/fintecture`] : [],
    });
    await body(stack, ingress);
  } finally {
    await ingress.close();
    await stack.stop();
  }
}

async function payeeFillsThePage(connectUrl: string, landsOn: string) {
  const page = await browser.newPage();
  try {
    await page.goto(connectUrl);
    await page.fill('#payee-name', 'John Doe');
    await page.fill('#payee-iban', TEST_IBAN);
    await page.fill('#payee-bic', TEST_BIC);
    await Promise.all([
      page.waitForURL((url) => url.toString().startsWith(landsOn)),
      page.click('#payee-submit'),
    ]);
  } finally {
    await page.close();
  }
}

/** A scenario-1 order (no beneficiary: the payee gets a link). */
const scenario1Order = (orderId: string) => ({
  orderId,
  amount: '26.99',
  currency: 'EUR',
  communication: 'MyShop REFUND from Order 123',
  payee: { name: 'John Doe', email: 'john@doe.example' },
});

async function runScenario1(ingress: TestIngress, landsOn: string): Promise<Status> {
  const orderId = uniqueId('order');
  const created = await postJson(`${ingress.baseUrl}/payouts`, scenario1Order(orderId));
  expect(created.status).toBe(201);
  await payeeFillsThePage((created.json as { connectUrl: string }).connectUrl, landsOn);
  return eventually(
    async () => (await http(`${ingress.baseUrl}/payouts/${orderId}`)).json as Status,
    (status) => status.outcome !== null,
    { what: 'the payout to finish', timeoutMs: 45_000, intervalMs: 200 },
  );
}

const sources = (status: Status) => new Set(status.timeline.map((entry) => entry.source));
// Polls an hour apart: within the test only the channel under test can move the payout.
const NO_POLLING: PayoutSettings = { ...FAST_SETTINGS, pollDelaysSeconds: [3600] };

describe('scenario 1 through the payee page in headless Chromium', () => {
  it('webhooks alone bring it to SETTLED (the redirect lands on the shop, polls are an hour apart)', async () => {
    await withStack({ webhooks: true, redirect: false, settings: NO_POLLING }, async (_stack, ingress) => {
      const status = await runScenario1(ingress, shopUrl);
      expect(status.outcome).toBe('SETTLED');
      expect(sources(status)).toEqual(new Set(['create', 'webhook']));
    });
  }, 90_000);

  it('with webhooks disabled, the redirect wakes the workflow at once and polling finishes the job', async () => {
    // Polls 5 s apart and sandbox steps 1.5 s apart: the redirect comes long before the first poll, and
    // the transfer settles only after it, so the first look is the redirect's and the last a poll's.
    await withStack(
      { webhooks: false, redirect: true, settings: { ...FAST_SETTINGS, pollDelaysSeconds: [5] } },
      async (stack, ingress) => {
        await stack.sandbox.control('PATCH', '/config', { stepDelayMs: 1500 });
        const status = await runScenario1(ingress, ingress.baseUrl);
        expect(status.outcome).toBe('SETTLED');
        expect(status.timeline[1]).toMatchObject({ source: 'redirect', sessionStatus: 'iban_received' });
        expect(status.timeline.at(-1)).toMatchObject({ source: 'poll', transferState: 'completed' });
        expect(sources(status)).toEqual(new Set(['create', 'redirect', 'poll']));
      },
    );
  }, 90_000);

  it('with webhooks and the redirect both off, polling alone settles it', async () => {
    await withStack(
      { webhooks: false, redirect: false, settings: { ...FAST_SETTINGS, pollDelaysSeconds: [1] } },
      async (_stack, ingress) => {
        const status = await runScenario1(ingress, shopUrl);
        expect(status.outcome).toBe('SETTLED');
        expect(sources(status)).toEqual(new Set(['create', 'poll']));
      },
    );
  }, 90_000);
});

interface WatchedStatus extends Status {
  nextPollAt: string | null;
  watch: { reads: number; lastReadAt: string | null; nextReadAt: string | null } | null;
}

describe('a quiet wait in the status answer', () => {
  it("shows the watch's reads, which the history does not hold, and its next read; none once settled", async () => {
    // The watch reads every second while the payee has not acted: a few reads within the test.
    const settings: PayoutSettings = { ...FAST_SETTINGS, pollDelaysSeconds: [1], quietPollSeconds: 1 };
    await withStack({ webhooks: true, redirect: false, settings }, async (stack, ingress) => {
      const orderId = uniqueId('order');
      const created = await postJson(`${ingress.baseUrl}/payouts`, scenario1Order(orderId));
      expect(created.status).toBe(201);
      const status = () =>
        http(`${ingress.baseUrl}/payouts/${orderId}`).then((answer) => answer.json as WatchedStatus);
      const waiting = await eventually(
        status,
        (answer) => (answer.watch?.reads ?? 0) >= 3 && answer.watch?.nextReadAt !== null,
        { what: 'the watch to read three times', timeoutMs: 30_000, intervalMs: 200 },
      );
      const fetches = async () =>
        (await stack.sandbox.control<{ route: string }[]>('GET', '/requests')).filter(
          (request) => request.route === 'fetch',
        ).length;
      // The reads counted are the reads Fintecture served (the workflow's looks plus the watch's), give or
      // take the one under way: counted between two readings of the sandbox's log.
      const before = await fetches();
      const counted = await status();
      const after = await fetches();
      const reads = counted.polls + counted.watch!.reads;
      expect(after).toBeGreaterThanOrEqual(reads);
      expect(before).toBeLessThanOrEqual(reads + 1);
      expect(waiting.nextPollAt).toBe(waiting.watch!.nextReadAt);
      expect(Date.parse(waiting.watch!.nextReadAt!)).toBeGreaterThan(Date.parse(waiting.watch!.lastReadAt!));
      // The unchanged reads left nothing in the timeline.
      expect(waiting.timeline.map((entry) => entry.source)).toEqual(['create']);

      await payeeFillsThePage((created.json as { connectUrl: string }).connectUrl, shopUrl);
      const settled = await eventually(status, (answer) => answer.outcome !== null, {
        what: 'the payout to finish',
        timeoutMs: 45_000,
        intervalMs: 200,
      });
      expect(settled).toMatchObject({ outcome: 'SETTLED', watch: null, nextPollAt: null });
    });
  }, 90_000);
});

describe('the same order from the order API and the CLI at once', () => {
  it('makes one workflow and one Fintecture payout', async () => {
    await withStack({ webhooks: true, redirect: true, settings: FAST_SETTINGS }, async (stack, ingress) => {
      const orderId = uniqueId('order');
      const body = {
        orderId,
        amount: '26.99',
        currency: 'EUR',
        communication: 'MyShop REFUND from Order 123',
        payee: { name: 'John Doe' },
        beneficiary: { name: 'John Doe', iban: TEST_IBAN, bic: TEST_BIC },
      };
      const cli = new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            ...tsxNodeArgs('client/cli/main.ts'),
            'start',
            '--order',
            orderId,
            '--amount',
            body.amount,
            '--communication',
            body.communication,
            '--payee-name',
            'John Doe',
            '--beneficiary-name',
            'John Doe',
            '--iban',
            TEST_IBAN,
            '--bic',
            TEST_BIC,
          ],
          {
            env: {
              PATH: process.env.PATH ?? '',
              TEMPORAL_ADDRESS: testTemporalAddress(),
              TEMPORAL_NAMESPACE: testNamespace(),
              TEMPORAL_TASK_QUEUE: stack.taskQueue,
              PAYLOAD_CODEC_KEYS_FILE: TEST_CODEC_KEYS_FILE,
            },
          },
        );
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.once('exit', (code) => resolve({ code, out }));
      });
      const [api, fromCli] = await Promise.all([postJson(`${ingress.baseUrl}/payouts`, body), cli]);
      expect(fromCli.code).toBe(0);
      expect([200, 201]).toContain(api.status);
      const result = await stack.result(orderId);
      expect(result.outcome).toBe('SETTLED');
      expect(await stack.payoutsAtFintecture(orderId)).toHaveLength(1);
      // Exactly one of the two callers started it.
      expect(fromCli.out.includes('Started payout') !== (api.status === 201)).toBe(true);
    });
  }, 90_000);
});

describe('out-of-order webhooks', () => {
  it('a late "initiated" after "blocked" makes the workflow look, and nothing regresses', async () => {
    await withStack({ webhooks: true, redirect: true, settings: NO_POLLING }, async (stack, ingress) => {
      const orderId = uniqueId('order');
      const created = await postJson(`${ingress.baseUrl}/payouts`, {
        orderId,
        amount: '409.00',
        currency: 'EUR',
        communication: 'MyShop REFUND from Order 123',
        payee: { name: 'John Doe' },
        beneficiary: { name: 'John Doe', iban: TEST_IBAN, bic: TEST_BIC },
      });
      const sessionId = (created.json as { sessionId: string }).sessionId;
      const blocked = await eventually(
        async () =>
          (await http(`${ingress.baseUrl}/payouts/${orderId}`)).json as Status & { transferState: string },
        (s) => s.transferState === 'blocked',
        { what: 'blocked via webhook' },
      );
      await stack.sandbox.control('POST', `/payouts/${sessionId}/webhook`, {
        fields: { transfer_state: 'initiated', event: 'payment_session.transfer_state.initiated' },
      });
      type Delivery = { sessionId: string; outcome: string; event: string };
      const lateDelivered = (d: Delivery) =>
        d.sessionId === sessionId &&
        d.outcome === 'delivered' &&
        d.event === 'payment_session.transfer_state.initiated';
      await eventually(
        () => stack.sandbox.control<Delivery[]>('GET', '/webhooks/deliveries'),
        (list) => list.some(lateDelivered),
        { what: 'the late webhook to be acknowledged' },
      );
      const after = (await http(`${ingress.baseUrl}/payouts/${orderId}`)).json as Status & {
        transferState: string;
      };
      expect(after.transferState).toBe('blocked');
      expect(after.timeline).toEqual(blocked.timeline);
      // It did look (the webhook was not just dropped at the door): one more fetch, nothing moved.
      expect(after.polls).toBe(blocked.polls + 1);

      // The truth moves it on; a stale webhook afterwards cannot undo a final state.
      await stack.sandbox.control('POST', `/payouts/${sessionId}/outcome`, { transferState: 'completed' });
      expect((await stack.result(orderId)).outcome).toBe('SETTLED');
    });
  }, 90_000);
});
