import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { requestToken, sdkRequest, type ApiCredentials } from '../support/fintecture-sdk';
import { linkPayoutBody, payoutQuery, TEST_BIC, TEST_IBAN } from '../support/payout-bodies';
import { startSandboxProcess, type SandboxProcess } from '../support/sandbox-process';
import { eventually } from '../support/wait';
import { WebhookReceiver } from '../support/webhook-receiver';

let sandbox: SandboxProcess;
let api: ApiCredentials;
let token: string;
let browser: Browser;
let shop: Server;
let returnUrl: string;
const receiver = new WebhookReceiver();
const screenshots = path.resolve(__dirname, '../../.data/screenshots');

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  await receiver.start();
  // The merchant's return page: the payee's browser lands here after the payee page.
  shop = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Thank you</h1>'),
  );
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  returnUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}/payouts/return`;
  sandbox = await startSandboxProcess({ SANDBOX_WEBHOOK_URL: receiver.url });
  api = sandbox;
  token = await requestToken(api);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
  await receiver.stop();
  shop?.closeAllConnections();
  await new Promise((resolve) => shop?.close(resolve));
});

async function createLink(expiry?: number) {
  const { path: target, state } = payoutQuery(returnUrl);
  const response = await sdkRequest<{ meta: { session_id: string; url: string } }>(
    api,
    token,
    'POST',
    target,
    linkPayoutBody({ amount: '26.99', ...(expiry ? { expiry } : {}) }),
  );
  expect(response.status).toBe(201);
  return { ...response.body.meta, state };
}

describe('the payee page in headless Chromium', () => {
  it('collects bank details, rejects a wrong IBAN, redirects back with the documented query, and webhooks follow in order', async () => {
    const link = await createLink();
    const page = await browser.newPage();
    try {
      const opened = await page.goto(link.url);
      expect(opened?.status()).toBe(200);
      expect(await page.textContent('#payee-amount')).toContain('26.99 EUR');

      await page.fill('#payee-name', 'John Doe');
      await page.fill('#payee-iban', 'FR15 2004 1010 0505 0001 3M02 606');
      await page.fill('#payee-bic', TEST_BIC);
      const [refused] = await Promise.all([page.waitForNavigation(), page.click('#payee-submit')]);
      expect(refused?.status()).toBe(422);
      expect(await page.textContent('#payee-iban-error')).toMatch(/checksum/i);
      expect(await page.getAttribute('#payee-iban', 'aria-invalid')).toBe('true');
      expect(await page.inputValue('#payee-name')).toBe('John Doe');
      await page.screenshot({ path: path.join(screenshots, 'payee-page-error.png'), fullPage: true });

      await page.fill('#payee-iban', TEST_IBAN.replace(/(.{4})/g, '$1 '));
      await Promise.all([
        page.waitForURL((url) => url.toString().startsWith(returnUrl)),
        page.click('#payee-submit'),
      ]);
      const landed = new URL(page.url());
      expect(Object.fromEntries(landed.searchParams)).toEqual({
        session_id: link.session_id,
        status: 'iban_received',
        state: link.state,
        customer_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        provider: 'fintecture',
      });
      expect(await page.textContent('h1')).toBe('Thank you');
    } finally {
      await page.close();
    }

    const webhooks = await eventually(
      () => receiver.accepted(link.session_id),
      (list) => list.some((w) => w.fields.transfer_state === 'completed'),
      { what: 'the completed webhook' },
    );
    expect(webhooks.map((w) => [w.fields.status, w.fields.transfer_state ?? null])).toEqual([
      ['iban_required', null],
      ['iban_received', null],
      ['payment_created', 'initiated'],
      ['payment_created', 'processing'],
      ['payment_created', 'completed'],
    ]);

    // The link cannot be used twice.
    const again = await browser.newPage();
    try {
      const response = await again.goto(link.url);
      expect(response?.status()).toBe(409);
      expect(await again.getAttribute('#closed-reason', 'data-reason')).toBe('used');
    } finally {
      await again.close();
    }
  });

  it('shows a clear page for an expired, a cancelled and an unknown link', async () => {
    const expired = await createLink(60);
    await sandbox.control('POST', `/payouts/${expired.session_id}/expire`);
    const cancelled = await createLink();
    const cancel = await sdkRequest(api, token, 'PATCH', `/pis/v2/payments/${cancelled.session_id}`, {
      meta: { status: 'payment_cancelled' },
    });
    expect(cancel.status).toBe(200);

    const page = await browser.newPage();
    try {
      for (const [url, status, reason, text] of [
        [expired.url, 410, 'expired', /expired/i],
        [cancelled.url, 410, 'cancelled', /cancelled/i],
        [`${api.baseUrl}/pay/${'0'.repeat(32)}`, 404, 'unknown', /not valid/i],
      ] as const) {
        const response = await page.goto(url);
        expect(response?.status()).toBe(status);
        expect(await page.getAttribute('#closed-reason', 'data-reason')).toBe(reason);
        expect(await page.textContent('h1')).toMatch(text);
        expect(await page.locator('form').count()).toBe(0);
      }
      await page.screenshot({ path: path.join(screenshots, 'payee-page-unknown.png') });
    } finally {
      await page.close();
    }
  });
});
