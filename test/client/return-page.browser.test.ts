import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type PayoutService } from '../../client/payouts/payout-service';
import { RETURN_PAGE_STATES, type ReturnPageState } from '../../client/ingress/return-page/return-state';
import { returnPageTexts, type ReturnPageLanguage } from '../../client/ingress/return-page/return-texts';
import { type PayoutRequest } from '../../domain/payout-request';
import { SESSION_STATUSES } from '../../domain/session-states';
import { initialPayoutView, type PayoutStatusView } from '../../workflows/messages';
import { launchBrowser } from '../support/browser';
import { startTestIngress, type TestIngress } from '../support/ingress-harness';
import { TEST_BIC, TEST_IBAN } from '../support/payout-bodies';

/**
 * The payee's return page in headless Chromium (issue 12), every state in French and English, at phone and
 * desktop widths, through the real ingress routes. The workflow is replaced by views the test controls, so
 * each state renders deterministically; the real workflow drives the page in ingress-payout-stack.test.ts.
 * UPDATE_SCREENSHOTS=1 writes the screenshots the README shows (docs/screenshots/return-page/).
 */

const MERCHANT = 'Atelier Dupont';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const POLL_MS = 1_000;
const screenshots = process.env.UPDATE_SCREENSHOTS
  ? path.resolve(__dirname, '../../docs/screenshots/return-page')
  : path.resolve(__dirname, '../../.data/screenshots/return-page');

/** The payee's personal data in the test order: none of it may reach the page. */
const PAYEE = { name: 'Jeanne Testeuse', email: 'jeanne.testeuse@example.org', phone: '+33612345678' };
const PERSONAL = [PAYEE.name, PAYEE.email, PAYEE.phone, TEST_IBAN, TEST_BIC, 'Testeuse'];
/** Internal codes that must never be shown (session statuses, outcomes, the page's own state keys). */
const CODES = [
  ...SESSION_STATUSES,
  ...RETURN_PAGE_STATES.filter((key) => key.includes('_')),
  'SETTLED',
  'REJECTED',
  'CANCELLED',
  'EXPIRED',
  'NEEDS_REVIEW',
  'multi-signature',
];

function order(orderId: string, language: string | undefined): PayoutRequest {
  return {
    orderId,
    amount: '1234.50',
    currency: 'EUR',
    communication: 'Refund of order 42',
    payee: PAYEE,
    beneficiary: { name: PAYEE.name, iban: TEST_IBAN, bic: TEST_BIC },
    delivery: 'link',
    expiresInSeconds: 86_400,
    ...(language ? { language } : {}),
  };
}

/** A view in each state (the confirming one is the waiting view plus the redirect's hint). */
function viewIn(state: ReturnPageState, base: PayoutStatusView): { view: PayoutStatusView; hint?: string } {
  const waiting = {
    ...base,
    phase: 'waiting' as const,
    sessionId: base.sessionId,
    sessionStatus: 'iban_required' as const,
  };
  const created = { ...waiting, sessionStatus: 'payment_created' as const };
  const finished = { phase: 'finished' as const, nextPollAt: null };
  switch (state) {
    case 'awaiting_details':
      return { view: waiting };
    case 'confirming':
      return { view: waiting, hint: 'iban_received' };
    case 'preparing':
      return { view: created };
    case 'on_the_way':
      return { view: { ...created, transferState: 'processing', executionDate: '2026-12-02' } };
    case 'sent':
      return { view: { ...created, ...finished, transferState: 'completed', outcome: 'SETTLED' } };
    case 'refused':
      return {
        view: {
          ...created,
          ...finished,
          transferState: 'rejected',
          transferReason: 'x',
          outcome: 'REJECTED',
        },
      };
    case 'expired':
      return { view: { ...waiting, ...finished, outcome: 'EXPIRED', outcomeReason: 'link_expired' } };
    case 'cancelled':
      return { view: { ...waiting, ...finished, sessionStatus: 'payment_cancelled', outcome: 'CANCELLED' } };
    case 'review':
      return {
        view: { ...created, ...finished, outcome: 'NEEDS_REVIEW', outcomeReason: 'poll_schedule_exhausted' },
      };
  }
}

/** The workflow's side, in memory: the test sets each payout's view. */
const views = new Map<string, PayoutStatusView>();
const payouts = new Proxy({} as PayoutService, {
  get: (_target, name) => {
    if (name === 'getPayout') return async (orderId: string) => structuredClone(views.get(orderId) ?? null);
    if (name === 'signalEvent') return async () => 'signalled';
    return () => {
      throw new Error(`PayoutService.${String(name)} is not used by the return page`);
    };
  },
});

let ingress: TestIngress;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  ingress = await startTestIngress({ payouts, merchantDisplayName: MERCHANT, returnPagePollMs: POLL_MS });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await ingress?.close();
});

function newPayout(state: ReturnPageState, language: string | undefined) {
  const orderId = `ORD-${randomBytes(4).toString('hex').toUpperCase()}`;
  const sessionId = `sess_${randomBytes(8).toString('hex')}`;
  const base = { ...initialPayoutView(orderId, `payout-${orderId}`, 1, order(orderId, language)), sessionId };
  const { view, hint } = viewIn(state, base);
  views.set(orderId, view);
  const query = new URLSearchParams({
    state: `payout-${orderId}`,
    session_id: sessionId,
    ...(hint ? { status: hint } : {}),
  });
  return { orderId, url: `${ingress.baseUrl}/payouts/return?${query}` };
}

async function withPage<T>(
  options: Parameters<Browser['newContext']>[0],
  use: (page: Page, context: BrowserContext) => Promise<T>,
): Promise<T> {
  const context = await browser.newContext(options);
  try {
    const page = await context.newPage();
    return await use(page, context);
  } finally {
    await context.close();
  }
}

const LANGUAGES: ReturnPageLanguage[] = ['en', 'fr'];
const AMOUNT: Record<ReturnPageLanguage, RegExp> = { en: /^€1,234\.50$/, fr: /^1\s234,50\s€$/ };

describe('the return page, every state in both languages, phone and desktop, in headless Chromium', () => {
  const axeResults: string[] = [];
  afterAll(() => {
    // The accessibility results, one line per state and language (quoted in the report and the README).
    console.log(`axe (wcag2a, wcag2aa, wcag21a, wcag21aa):\n${axeResults.join('\n')}`);
  });

  for (const language of LANGUAGES) {
    for (const state of RETURN_PAGE_STATES) {
      it(`${language} · ${state}: plain words, merchant, amount and reference, no personal data, no axe violation`, async () => {
        const texts = returnPageTexts(language);
        const { orderId, url } = newPayout(state, language);
        for (const [width, viewport] of [
          ['phone', PHONE],
          ['desktop', DESKTOP],
        ] as const) {
          await withPage({ viewport }, async (page) => {
            const cspProblems: string[] = [];
            page.on('console', (message) => {
              if (/Content Security Policy|Refused to/i.test(message.text()))
                cspProblems.push(message.text());
            });
            const response = await page.goto(url);
            expect(response?.status()).toBe(200);
            expect(await page.getAttribute('html', 'lang')).toBe(language);
            expect(await page.getAttribute('body', 'data-state')).toBe(state);
            expect(await page.textContent('h1')).toBe(texts.heading.replace('{merchant}', MERCHANT));
            expect(await page.textContent('header')).toContain(MERCHANT);
            expect(await page.textContent('#state-title')).toBe(texts.states[state].title);
            expect((await page.textContent('#amount'))?.trim()).toMatch(AMOUNT[language]);
            expect(await page.textContent('#reference')).toBe(orderId);
            expect(await page.locator('main').count()).toBe(1);
            expect(await page.locator('footer').count()).toBe(1);
            expect(await page.getAttribute('#live', 'aria-live')).toBe('polite');
            if (state === 'on_the_way') {
              expect(await page.textContent('#state-body')).toContain(
                language === 'fr' ? '2 décembre 2026' : '2 December 2026',
              );
            }

            const visible = await page.innerText('body');
            for (const code of CODES) expect(visible).not.toContain(code);
            const html = await page.content();
            for (const personal of PERSONAL) expect(html).not.toContain(personal);

            // No horizontal scrolling on a phone.
            expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
              viewport.width,
            );

            const axe = await new AxeBuilder({ page })
              .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
              .analyze();
            expect(axe.violations.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);
            axeResults.push(
              `${language} ${state} ${width}: ${axe.violations.length} violations, ${axe.passes.length} rules passed`,
            );
            expect(cspProblems).toEqual([]);

            if (language === 'en' || width === 'phone') {
              // The body only: as tall as the page's content (small files).
              await page.locator('body').screenshot({
                path: path.join(screenshots, `${state}-${language}-${width}.png`),
              });
            }
          });
        }
      });
    }
  }

  it('speaks English when the order has no language, or one the page does not know', async () => {
    for (const language of [undefined, 'de']) {
      const { url } = newPayout('preparing', language);
      await withPage({ viewport: PHONE }, async (page) => {
        await page.goto(url);
        expect(await page.getAttribute('html', 'lang')).toBe('en');
        expect(await page.textContent('#state-title')).toBe(returnPageTexts('en').states.preparing.title);
      });
    }
  });

  it('omits the amount and speaks English for a payout started before the view carried them', async () => {
    const { orderId, url } = newPayout('preparing', 'fr');
    const { amount: _amount, currency: _currency, language: _language, ...old } = views.get(orderId)!;
    views.set(orderId, old);
    await withPage({ viewport: PHONE }, async (page) => {
      await page.goto(url);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await page.locator('#amount').count()).toBe(0);
      expect(await page.textContent('#reference')).toBe(orderId);
    });
  });
});

describe('the return page follows the payout', () => {
  it('moves from "received, confirming" to "sent" without a reload, announces it politely, then stops asking', async () => {
    const { orderId, url } = newPayout('confirming', 'en');
    const texts = returnPageTexts('en');
    await withPage({ viewport: PHONE }, async (page) => {
      await page.clock.install();
      // Counts the page's own requests to the progress endpoint, synchronously with each poll.
      await page.addInitScript(
        'window.polls = 0; var original = window.fetch.bind(window);' +
          'window.fetch = function () { window.polls++; return original.apply(null, arguments); };',
      );
      await page.goto(url);
      await page.evaluate("window.marker = 'same document'");
      expect(await page.textContent('#state-title')).toBe(texts.states.confirming.title);

      const step = async (change: Partial<PayoutStatusView>, state: ReturnPageState) => {
        views.set(orderId, { ...views.get(orderId)!, ...change });
        await Promise.all([
          page.waitForResponse((response) => response.url().includes('/payouts/return/status')),
          page.clock.runFor(POLL_MS),
        ]);
        await page.waitForSelector(`body[data-state="${state}"]`);
        expect(await page.textContent('#state-title')).toBe(texts.states[state].title);
      };

      // The hint stays a hint while the workflow has not confirmed anything.
      await step({}, 'confirming');
      await step({ sessionStatus: 'payment_created' }, 'preparing');
      expect(await page.getAttribute('#steps li[data-step="1"]', 'aria-current')).toBe('step');
      await step({ transferState: 'processing', executionDate: '2026-12-02' }, 'on_the_way');
      expect(await page.textContent('#state-body')).toContain('2 December 2026');
      await step({ transferState: 'completed', outcome: 'SETTLED', phase: 'finished' }, 'sent');
      await page.waitForSelector('body[data-final="true"]');
      expect(await page.isHidden('#updating')).toBe(true);
      expect(await page.locator('#steps li.done').count()).toBe(4);
      expect(await page.evaluate('window.marker')).toBe('same document');

      const polls = await page.evaluate('window.polls');
      await page.clock.runFor(POLL_MS * 30);
      expect(await page.evaluate('window.polls')).toBe(polls);
    });
  });

  it('a final page carries no script and no refresh', async () => {
    const { url } = newPayout('sent', 'fr');
    await withPage({ viewport: PHONE }, async (page) => {
      await page.goto(url);
      expect(await page.locator('script').count()).toBe(0);
      expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
    });
  });

  it('works without JavaScript: the current state, a refresh and a link to reload', async () => {
    const { url } = newPayout('preparing', 'fr');
    await withPage({ viewport: PHONE, javaScriptEnabled: false }, async (page) => {
      await page.goto(url);
      expect(await page.textContent('#state-title')).toBe(returnPageTexts('fr').states.preparing.title);
      const reload = page.getByRole('link', { name: returnPageTexts('fr').reload });
      expect(await reload.isVisible()).toBe(true);
      expect(new URL((await reload.getAttribute('href'))!, url).toString()).toBe(url);
      expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(1);
      await page.locator('body').screenshot({ path: path.join(screenshots, 'no-javascript-fr-phone.png') });
    });
  });
});

describe('the return page keeps its security headers and the invalid link page', () => {
  it('sends CSP with a per-response nonce for its style and script, no referrer, no framing, no caching', async () => {
    const { url } = newPayout('preparing', 'en');
    await withPage({ viewport: PHONE }, async (page) => {
      const response = await page.goto(url);
      const headers = response!.headers();
      const nonce = /script-src 'nonce-([^']+)'/.exec(headers['content-security-policy'] ?? '')?.[1];
      expect(nonce).toBeDefined();
      expect(headers['content-security-policy']).toContain(`style-src 'nonce-${nonce}'`);
      expect(headers['content-security-policy']).toContain("default-src 'none'");
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(headers['referrer-policy']).toBe('no-referrer');
      expect(headers['x-frame-options']).toBe('DENY');
      expect(headers['cache-control']).toBe('no-store');
      const html = await response!.text();
      expect(html).toContain(`<style nonce="${nonce}">`);
      expect(html).toContain(`<script nonce="${nonce}">`);
      expect(html).not.toMatch(/<link|src="http|url\(/);
    });
  });

  it('answers "Invalid link" for a link that names no payout, styled and accessible', async () => {
    await withPage({ viewport: PHONE }, async (page) => {
      const response = await page.goto(`${ingress.baseUrl}/payouts/return?state=nope`);
      expect(response?.status()).toBe(400);
      expect(await page.textContent('h1')).toBe('Invalid link');
      expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
      const axe = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      expect(axe.violations).toEqual([]);
      await page.locator('body').screenshot({ path: path.join(screenshots, 'invalid-link-phone.png') });
    });
  });
});
