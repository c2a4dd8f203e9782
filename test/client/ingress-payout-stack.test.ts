import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import { createPayoutService } from '../../client/payouts/payout-service';
import { returnPageTexts } from '../../client/ingress/return-page/return-texts';
import { signFintectureWebhook } from '../support/fintecture-webhook-signer';
import { type PayoutSettings } from '../../domain/payout-settings';
import { freePort } from '../../scripts/temporal-dev-server';
import { payoutWorkflowId } from '../../workflows/messages';
import { launchBrowser } from '../support/browser';
import {
  http,
  metricValue,
  postJson,
  startTestIngress,
  webhookKeys,
  type TestIngress,
} from '../support/ingress-harness';
import { TEST_BIC, TEST_IBAN } from '../support/payout-bodies';
import { FAST_SETTINGS, startPayoutStack, type PayoutStack } from '../support/payout-stack';
import { uniqueId } from '../support/temporal';
import { eventually } from '../support/wait';

/**
 * The ingress in front of the real PayoutWorkflow, its worker and real activities against a sandbox
 * process that sends its webhooks to the ingress. Polls are 10 minutes apart, so within a test only
 * webhooks, redirects and operators can move a payout: if those paths broke, these tests would time out.
 */

const MERCHANT = 'Boutique Exemple';
const EVENT_DRIVEN: PayoutSettings = { ...FAST_SETTINGS, pollDelaysSeconds: [600] };

let stack: PayoutStack;
let ingress: TestIngress;
let browser: Browser | undefined;
const screenshots = path.resolve(__dirname, '../../.data/screenshots');

beforeAll(async () => {
  // The payee's redirect_uri must point at the ingress, which needs the stack's keys: fix the port first.
  const port = await freePort();
  stack = await startPayoutStack({ publicBaseUrl: `http://127.0.0.1:${port}` });
  ingress = await startTestIngress({
    port,
    payouts: createPayoutService({
      client: stack.client,
      taskQueue: stack.taskQueue,
      settings: EVENT_DRIVEN,
    }),
    appId: stack.sandbox.appId,
    privateKey: createPrivateKey(stack.sandbox.privateKeyPem),
    returnPagePollMs: 250,
    merchantDisplayName: MERCHANT,
  });
  await stack.sandbox.control('PUT', '/webhooks', { urls: [`${ingress.baseUrl}/webhooks/fintecture`] });
  mkdirSync(screenshots, { recursive: true });
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await ingress?.close();
  await stack?.stop();
});

function orderBody(options: { verified?: boolean; amount?: string } = {}) {
  const { verified = true, amount = '26.99' } = options;
  return {
    orderId: uniqueId('order'),
    amount,
    currency: 'EUR',
    communication: 'MyShop REFUND from Order 123',
    payee: { name: 'John Doe', email: 'john@doe.example' },
    ...(verified ? { beneficiary: { name: 'John Doe', iban: TEST_IBAN, bic: TEST_BIC } } : {}),
  };
}

interface StatusAnswer {
  outcome: string | null;
  sessionId: string | null;
  sessionStatus: string | null;
  transferState: string | null;
  polls: number;
  timeline: { source: string; sessionStatus: string | null; transferState: string | null }[];
}

const status = async (orderId: string) => {
  const answer = await http(`${ingress.baseUrl}/payouts/${orderId}`);
  expect(answer.status).toBe(200);
  return answer.json as StatusAnswer;
};

async function signalCount(orderId: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(payoutWorkflowId(orderId)).fetchHistory();
  return (history.events ?? []).filter((event) => event.workflowExecutionSignaledEventAttributes).length;
}

describe('POST /payouts with the real workflow', () => {
  it('creates one payout at Fintecture: 201, then 200 for the same order', async () => {
    const body = orderBody();
    const first = await postJson(`${ingress.baseUrl}/payouts`, body);
    expect(first.status).toBe(201);
    expect(first.json).toEqual({
      orderId: body.orderId,
      workflowId: `payout-${body.orderId}`,
      scenario: 2,
      sessionId: expect.stringMatching(/^[0-9a-f]{32}$/),
      sessionStatus: 'payment_created',
      connectUrl: null,
    });
    const second = await postJson(`${ingress.baseUrl}/payouts`, body);
    expect(second.status).toBe(200);
    expect((second.json as { sessionId: string }).sessionId).toBe(
      (first.json as { sessionId: string }).sessionId,
    );
    expect(await stack.payoutsAtFintecture(body.orderId)).toHaveLength(1);
    expect((await stack.client.workflow.count(`WorkflowId = "payout-${body.orderId}"`)).count).toBe(1);
  });

  it('answers scenario 1 with the connect URL of the payee page', async () => {
    const body = orderBody({ verified: false });
    const answer = await postJson(`${ingress.baseUrl}/payouts`, body);
    expect(answer.status).toBe(201);
    const json = answer.json as { sessionId: string; connectUrl: string };
    expect(json).toMatchObject({ scenario: 1, sessionStatus: 'iban_required' });
    expect(json.connectUrl).toBe(`${stack.sandbox.baseUrl}/pay/${json.sessionId}`);
  });
});

describe('webhooks move the payout', () => {
  it('follows Fintecture to SETTLED through its webhooks, and GET shows the timeline', async () => {
    const body = orderBody();
    await postJson(`${ingress.baseUrl}/payouts`, body);
    const settled = await eventually(
      () => status(body.orderId),
      (s) => s.outcome !== null,
      { what: 'a final outcome', timeoutMs: 30_000 },
    );
    expect(settled).toMatchObject({
      outcome: 'SETTLED',
      sessionStatus: 'payment_created',
      transferState: 'completed',
    });
    expect(settled.timeline[0]).toMatchObject({ source: 'create', transferState: 'initiated' });
    expect(settled.timeline.slice(1).map((entry) => entry.source)).toContain('webhook');
    expect(settled.timeline.map((entry) => entry.source)).not.toContain('poll');
    expect(
      await metricValue(ingress.registry, 'payout_ingress_signals_total', {
        source: 'webhook',
        outcome: 'signalled',
      }),
    ).toBeGreaterThan(0);
  });

  it('a forged webhook touches nothing; a well-signed lie only makes the workflow look, and the truth wins', async () => {
    const body = orderBody({ amount: '409.00' }); // stuck in `blocked` until forced
    await postJson(`${ingress.baseUrl}/payouts`, body);
    const blocked = await eventually(
      () => status(body.orderId),
      (s) => s.transferState === 'blocked',
      { what: 'the blocked transfer' },
    );
    const sessionId = blocked.sessionId!;
    const lie = new URLSearchParams({
      session_id: sessionId,
      status: 'payment_created',
      transfer_state: 'rejected',
      transfer_reason: 'insufficient_funds',
      state: `payout-${body.orderId}`,
    }).toString();
    const url = `${ingress.baseUrl}/webhooks/fintecture`;

    const signalsBefore = await signalCount(body.orderId);
    const forged = await http(url, {
      method: 'POST',
      apiKey: null,
      body: lie,
      headers: signFintectureWebhook({
        body: lie,
        appId: stack.sandbox.appId,
        publicKey: webhookKeys().publicKey,
      }),
    });
    expect(forged.status).toBe(401);
    expect(await signalCount(body.orderId)).toBe(signalsBefore);

    // Anyone holding our public key can produce this one: it is only a prompt to look.
    const merchantPublicKey = createPublicKey(stack.sandbox.privateKeyPem);
    const pollsBefore = (await status(body.orderId)).polls;
    const wellSigned = await http(url, {
      method: 'POST',
      apiKey: null,
      body: lie,
      headers: signFintectureWebhook({ body: lie, appId: stack.sandbox.appId, publicKey: merchantPublicKey }),
    });
    expect(wellSigned.json).toEqual({ received: true, outcome: 'signalled' });
    expect(await signalCount(body.orderId)).toBe(signalsBefore + 1);
    const looked = await eventually(
      () => status(body.orderId),
      (s) => s.polls > pollsBefore,
      { what: 'the workflow to look' },
    );
    expect(looked).toMatchObject({ outcome: null, transferState: 'blocked' });

    await stack.sandbox.control('POST', `/payouts/${sessionId}/outcome`, { transferState: 'completed' });
    const settled = await eventually(
      () => status(body.orderId),
      (s) => s.outcome !== null,
      { what: 'the forced outcome' },
    );
    expect(settled).toMatchObject({ outcome: 'SETTLED', transferState: 'completed' });
    expect(settled.timeline.at(-1)?.source).toBe('webhook');
  });
});

describe('POST /payouts/:orderId/cancel with the real workflow', () => {
  it('cancels a payout still waiting for the payee, at Fintecture too', async () => {
    const body = orderBody({ verified: false });
    const created = (await postJson(`${ingress.baseUrl}/payouts`, body)).json as { sessionId: string };
    const answer = await postJson(`${ingress.baseUrl}/payouts/${body.orderId}/cancel`, {
      requestedBy: 'support',
    });
    expect(answer.status).toBe(200);
    // Cancelled at Fintecture; the outcome is shown once the final duplicate sweep has confirmed it.
    expect(answer.json).toMatchObject({ cancelled: true, status: { sessionStatus: 'payment_cancelled' } });
    const cancelled = await eventually(
      () => status(body.orderId),
      (s) => s.outcome !== null,
      { what: 'the outcome' },
    );
    expect(cancelled).toMatchObject({ outcome: 'CANCELLED', phase: 'finished' });
    const [atFintecture] = await stack.payoutsAtFintecture(body.orderId);
    expect(atFintecture).toMatchObject({ sessionId: created.sessionId, status: 'payment_cancelled' });
  });

  it("answers 409 with the workflow's reason once money is on its way", async () => {
    const body = orderBody({ amount: '409.00' });
    await postJson(`${ingress.baseUrl}/payouts`, body);
    const answer = await http(`${ingress.baseUrl}/payouts/${body.orderId}/cancel`, { method: 'POST' });
    expect(answer.status).toBe(409);
    expect(answer.json).toEqual({
      error: 'not_cancellable',
      message: expect.stringMatching(/can no longer be cancelled/),
    });
    expect((await status(body.orderId)).outcome).toBeNull();
  });
});

describe('the payee in headless Chromium', () => {
  it('enters bank details at Fintecture, comes back to our page and watches the payout settle', async () => {
    const body = {
      ...orderBody({ verified: false }),
      language: 'fr',
      payee: { name: 'John Doe', email: 'john@doe.example', phone: '+33612345678' },
    };
    const { connectUrl, sessionId } = (await postJson(`${ingress.baseUrl}/payouts`, body)).json as {
      connectUrl: string;
      sessionId: string;
    };
    // A context of its own (axe-core opens a page next to it), phone-sized as most payees are.
    const context = await browser!.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    try {
      await page.goto(connectUrl);
      await page.fill('#payee-name', 'John Doe');
      await page.fill('#payee-iban', TEST_IBAN);
      await page.fill('#payee-bic', TEST_BIC);
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/payouts/return'),
        page.click('#payee-submit'),
      ]);
      expect(new URL(page.url()).searchParams.get('session_id')).toBe(sessionId);
      const texts = returnPageTexts('fr');
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      expect(await page.textContent('h1')).toBe(texts.heading.replace('{merchant}', MERCHANT));
      // Right after the redirect: received (the hint) or further, never "waiting". ("sent" too: on a loaded
      // machine the sandbox may have settled the payout before the page's first paint.)
      expect(['confirming', 'preparing', 'on_the_way', 'sent']).toContain(
        await page.getAttribute('body', 'data-state'),
      );
      expect(await page.textContent('#reference')).toBe(body.orderId);
      expect((await page.textContent('#amount'))?.trim()).toMatch(/^26,99\s€$/);

      // The page follows the workflow from the progress endpoint until the payout is final.
      await page.waitForSelector('body[data-final="true"]', { timeout: 60_000 });
      expect(await page.getAttribute('body', 'data-state')).toBe('sent');
      expect(await page.textContent('#state-title')).toBe(texts.states.sent.title);
      const html = await page.content();
      for (const personal of ['John Doe', 'john@doe.example', '+33612345678', TEST_IBAN, TEST_BIC])
        expect(html).not.toContain(personal);
      const visible = await page.innerText('body');
      for (const code of ['iban_required', 'payment_created', 'completed', 'SETTLED'])
        expect(visible).not.toContain(code);
      const axe = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      expect(axe.violations).toEqual([]);
      await page.screenshot({ path: path.join(screenshots, 'ingress-return-page.png'), fullPage: true });
    } finally {
      await context.close();
    }
    expect(
      await metricValue(ingress.registry, 'payout_ingress_signals_total', {
        source: 'redirect',
        outcome: 'signalled',
      }),
    ).toBe(1);
    expect((await status(body.orderId)).outcome).toBe('SETTLED');
  }, 120_000);
});
