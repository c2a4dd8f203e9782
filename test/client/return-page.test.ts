import {
  formatAmount,
  formatDate,
  pageHeaders,
  renderMessagePage,
  renderProgressPage,
} from '../../client/ingress/return-page/return-page';
import { initialPayoutView } from '../../workflows/messages';

const page = (change: Parameters<typeof initialPayoutView>[3], merchant = 'Atelier Dupont') =>
  renderProgressPage({
    view: {
      ...initialPayoutView('ord-1', 'payout-ord-1', 1, change),
      phase: 'waiting',
      sessionStatus: 'iban_required',
    },
    merchant,
    statusUrl: '/payouts/return/status?state=payout-ord-1&session_id=sess_12345678',
    reloadUrl: '/payouts/return?state=payout-ord-1&session_id=sess_12345678',
    nonce: 'abc123',
    pollMs: 2_000,
  });

describe('the return page renderer', () => {
  it('formats the amount and the expected date per locale', () => {
    expect(formatAmount('1234.5', 'EUR', 'fr-FR')).toMatch(/^1\s234,50\s€$/);
    expect(formatAmount('1234.5', 'EUR', 'en-GB')).toBe('€1,234.50');
    expect(formatAmount('12', 'XYZ1', 'en-GB')).toBe('12 XYZ1');
    expect(formatDate('2026-12-02', 'fr-FR')).toBe('2 décembre 2026');
    expect(formatDate('2026-12-02', 'en-GB')).toBe('2 December 2026');
    expect(formatDate('soon', 'en-GB')).toBe('soon');
  });

  it("escapes the merchant's name and the reference, and keeps the script's JSON inert", () => {
    const html = page({ amount: '1.00', currency: 'EUR' }, '<b>Shop</b> & "Co"</script>');
    expect(html).not.toContain('<b>Shop</b>');
    expect(html).toContain('&#60;b&#62;Shop&#60;/b&#62; &#38; &#34;Co&#34;');
    expect(html.match(/<\/script>/g)).toHaveLength(1);
  });

  it('puts the style and script under the nonce, with landmarks, a polite live region and a no-script path', () => {
    const html = page({ amount: '1.00', currency: 'EUR', language: 'fr' });
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('<style nonce="abc123">');
    expect(html).toContain('<script nonce="abc123">');
    for (const landmark of ['<header>', '<main id="content">', '<footer>', 'aria-live="polite"']) {
      expect(html).toContain(landmark);
    }
    expect(html).toContain('<noscript><meta http-equiv="refresh" content="10"></noscript>');
    expect(html).toContain('href="/payouts/return?state=payout-ord-1&#38;session_id=sess_12345678"');
    expect(pageHeaders('abc123')['content-security-policy']).toContain("style-src 'nonce-abc123'");
  });

  it('keeps the message pages (Invalid link) under the same headers and styles', () => {
    const html = renderMessagePage('Invalid link', 'This link is not valid.', { nonce: 'n1' });
    expect(html).toContain('<h1>Invalid link</h1>');
    expect(html).toContain('<style nonce="n1">');
    expect(html).not.toContain('<script');
  });
});
