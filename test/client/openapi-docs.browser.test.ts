import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { API_TITLE } from '../../client/ingress/openapi';
import { type PayoutService } from '../../client/payouts/payout-service';
import { launchBrowser } from '../support/browser';
import { startTestIngress, type TestIngress } from '../support/ingress-harness';

/**
 * `GET /docs` in headless Chromium (issue 11): Swagger UI renders the order API from /openapi.json under the
 * page's own Content-Security-Policy, with every asset from the ingress itself (the machine is offline).
 */

const screenshots = path.resolve(__dirname, '../../.data/screenshots');

/** The reference page never reaches Temporal. */
const noPayouts = new Proxy({} as PayoutService, {
  get: (_target, name) => () => {
    throw new Error(`PayoutService.${String(name)} called by the /docs page`);
  },
});

let ingress: TestIngress;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  ingress = await startTestIngress({ payouts: noPayouts });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await ingress?.close();
});

describe('the API reference at /docs in headless Chromium', () => {
  it('renders the title and the POST /payouts operation with its answers, without CSP violations', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(`${ingress.baseUrl}/`) && !url.startsWith('data:')) foreign.push(url);
    });
    try {
      const opened = await page.goto(`${ingress.baseUrl}/docs`);
      expect(opened?.status()).toBe(200);

      const title = page.locator('.information-container .title');
      await title.waitFor();
      expect(await title.textContent()).toContain(API_TITLE);

      const startPayout = page.locator('#operations-payouts-startPayout');
      await startPayout.waitFor();
      expect(await startPayout.locator('.opblock-summary-method').textContent()).toBe('POST');
      expect(await startPayout.locator('.opblock-summary-path').getAttribute('data-path')).toBe('/payouts');
      // The bearer scheme is offered.
      await page.locator('.btn.authorize').waitFor();

      // Expanded, it lists the documented answers, 409 order_conflict among them.
      await startPayout.locator('.opblock-summary').click();
      const responses = startPayout.locator('.responses-table .response-col_status');
      await responses.first().waitFor();
      const codes = (await responses.allTextContents()).map((text) => text.trim());
      expect(codes).toEqual(expect.arrayContaining(['201', '200', '202', '400', '401', '409', '429', '503']));
      await page.screenshot({ path: path.join(screenshots, 'api-docs.png'), fullPage: true });

      expect(problems).toEqual([]);
      expect(foreign).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
