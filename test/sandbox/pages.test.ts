import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { renderClosedPage, renderPayeePage, type PayeePageView } from '../../sandbox/pages';
import { launchBrowser } from '../support/browser';

const HOSTILE = `<script>window.__pwned = true</script>"><img src=x onerror="window.__pwned = true">`;

function view(overrides: Partial<PayeePageView> = {}): PayeePageView {
  return {
    sessionId: '23e8f09e2cab4752b8c4c3f00bf9f45c',
    amount: '26.99',
    currency: 'EUR',
    communication: 'MyShop REFUND Order 123',
    merchantName: 'MyShop',
    formAction: '/pay/23e8f09e2cab4752b8c4c3f00bf9f45c',
    ...overrides,
  };
}

/** The `<div class="field">` block holding the input with this id. */
function fieldBlock(html: string, inputId: string): string {
  const blocks = html.match(/<div class="field[^"]*">[\s\S]*?<\/div>/g) ?? [];
  const block = blocks.find((candidate) => candidate.includes(`<input id="${inputId}"`));
  if (!block) throw new Error(`no field block for ${inputId}`);
  return block;
}

function attribute(html: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(html)?.[1];
}

describe('renderPayeePage', () => {
  it('is a complete, mobile-ready document with the amount, communication and the three fields', () => {
    const html = renderPayeePage(view());
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('26.99 EUR');
    expect(html).toContain('MyShop REFUND Order 123');
    expect(html).toMatch(
      /<form method="post" action="\/pay\/23e8f09e2cab4752b8c4c3f00bf9f45c" enctype="application\/x-www-form-urlencoded"/,
    );
    for (const [id, name] of [
      ['payee-name', 'name'],
      ['payee-iban', 'iban'],
      ['payee-bic', 'bic'],
    ]) {
      const block = fieldBlock(html, id ?? '');
      expect(block).toContain(`<label for="${id}">`);
      expect(attribute(block, 'name')).toBe(name);
      expect(block).not.toContain('aria-invalid');
    }
    expect(html).toContain('<button type="submit" id="payee-submit">');
    expect(html).not.toContain('role="alert"');
  });

  it('escapes every interpolated value', () => {
    const html = renderPayeePage(
      view({
        communication: HOSTILE,
        merchantName: HOSTILE,
        amount: HOSTILE,
        currency: HOSTILE,
        sessionId: HOSTILE,
        formAction: `/pay/x" onsubmit="alert(1)`,
        values: { name: HOSTILE, iban: HOSTILE, bic: HOSTILE },
        errors: [{ field: 'iban', message: HOSTILE }],
      }),
    );
    expect(html).not.toContain('<script>window');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('" onsubmit=');
    expect(html).toContain('&lt;script&gt;window.__pwned = true&lt;/script&gt;&quot;&gt;&lt;img');
    expect(attribute(fieldBlock(html, 'payee-name'), 'value')).toBe(
      '&lt;script&gt;window.__pwned = true&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned = true&quot;&gt;',
    );
  });

  it('keeps submitted values and shows each error next to its field and in a summary at the top', () => {
    const html = renderPayeePage(
      view({
        values: { name: 'Jeanne Dupont', iban: 'FR15 2004 1010 0505 0001 3M02 606', bic: 'BNPAFRP' },
        errors: [
          { field: 'iban', message: 'IBAN checksum is wrong' },
          { field: 'bic', message: 'BIC must be 8 or 11 characters (got 7)' },
        ],
      }),
    );

    const name = fieldBlock(html, 'payee-name');
    expect(attribute(name, 'value')).toBe('Jeanne Dupont');
    expect(name).not.toContain('aria-invalid');
    expect(name).not.toContain('field-error');

    const iban = fieldBlock(html, 'payee-iban');
    expect(attribute(iban, 'value')).toBe('FR15 2004 1010 0505 0001 3M02 606');
    expect(iban).toContain('aria-invalid="true"');
    expect(attribute(iban, 'aria-describedby')?.split(' ')).toContain('payee-iban-error');
    expect(iban).toContain('<p class="field-error" id="payee-iban-error">IBAN checksum is wrong</p>');
    expect(iban).not.toContain('BIC must be');

    const bic = fieldBlock(html, 'payee-bic');
    expect(bic).toContain(
      '<p class="field-error" id="payee-bic-error">BIC must be 8 or 11 characters (got 7)</p>',
    );
    expect(attribute(bic, 'aria-describedby')?.split(' ')).toContain('payee-bic-error');
    expect(bic).not.toContain('IBAN checksum');

    const summary = /<div class="error-summary" role="alert"[\s\S]*?<\/div>/.exec(html)?.[0] ?? '';
    expect(html.indexOf(summary)).toBeLessThan(html.indexOf('<form'));
    expect(summary).toContain('<a href="#payee-iban">IBAN checksum is wrong</a>');
    expect(summary).toContain('<a href="#payee-bic">BIC must be 8 or 11 characters (got 7)</a>');
    expect(html).toMatch(/<title>Error: /);
  });
});

describe('renderClosedPage', () => {
  it.each([
    ['expired', 'This payout link has expired'],
    ['cancelled', 'This payout was cancelled'],
    ['used', 'Your bank details were already received'],
    ['unknown', 'This payout link is not valid'],
  ] as const)('explains the %s case', (reason, title) => {
    const html = renderClosedPage(reason);
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain(`<title>${title}</title>`);
    expect(html).toContain(`<h1>${title}</h1>`);
    expect(html).toContain(`id="closed-reason" data-reason="${reason}"`);
    expect(html).not.toContain('<form');
  });

  it('falls back to the unknown page for a reason outside the type', () => {
    const html = renderClosedPage('<b>' as 'unknown');
    expect(html).toContain('data-reason="unknown"');
    expect(html).not.toContain('<b>');
  });
});

describe('the payee page in a real browser', () => {
  it('shows hostile text as text and posts the three fields url-encoded', async () => {
    const submissions: { contentType: string | undefined; body: string }[] = [];
    const server = createServer((request, response) => {
      if (request.method === 'GET' && request.url === '/pay/s1') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(renderPayeePage(view({ formAction: '/pay/s1', communication: HOSTILE })));
        return;
      }
      if (request.method !== 'POST' || request.url !== '/pay/s1') {
        response.writeHead(404).end(); // e.g. the browser's /favicon.ico
        return;
      }
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        submissions.push({
          contentType: request.headers['content-type'],
          body: Buffer.concat(chunks).toString(),
        });
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(renderClosedPage('used'));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/pay/s1`);

      expect(await page.textContent('#payee-communication')).toBe(HOSTILE);
      expect(await page.evaluate(() => (globalThis as { __pwned?: boolean }).__pwned)).toBeUndefined();

      await page.fill('#payee-name', 'Jeanne Dupont-Lefèvre & Fils');
      await page.fill('#payee-iban', 'FR14 2004 1010 0505 0001 3M02 606');
      await page.fill('#payee-bic', 'BNPAFRPP');
      await Promise.all([
        page.waitForSelector('#closed-reason[data-reason="used"]'),
        page.click('#payee-submit'),
      ]);

      expect(submissions).toHaveLength(1);
      expect(submissions[0]?.contentType).toBe('application/x-www-form-urlencoded');
      expect(Object.fromEntries(new URLSearchParams(submissions[0]?.body))).toEqual({
        name: 'Jeanne Dupont-Lefèvre & Fils',
        iban: 'FR14 2004 1010 0505 0001 3M02 606',
        bic: 'BNPAFRPP',
      });
    } finally {
      await browser.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
