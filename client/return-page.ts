import { type PayoutProgress } from './payout-answers';

/**
 * The payee's landing page after Fintecture's payout page (the `redirect_uri`). It shows progress only —
 * no amount, no name, no bank details — and refreshes itself from a JSON endpoint until the payout is final.
 */

const FIELDS = [
  ['phase', 'Step'],
  ['sessionStatus', 'Session'],
  ['transferState', 'Transfer'],
  ['outcome', 'Outcome'],
] as const;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

function layout(title: string, body: string, { head = '', bodyAttributes = '' } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
${head}</head>
<body${bodyAttributes}>
<main>
${body}
</main>
</body>
</html>
`;
}

export function renderProgressPage(
  progress: PayoutProgress,
  statusUrl: string,
  nonce: string,
  pollMs: number,
) {
  const final = progress.outcome !== null;
  const rows = FIELDS.map(
    ([field, label]) =>
      `<dt>${label}</dt><dd data-field="${field}">${escapeHtml(String(progress[field] ?? '—'))}</dd>`,
  ).join('\n');
  const script = `<script nonce="${escapeHtml(nonce)}">
(function () {
  var statusUrl = ${scriptJson(statusUrl)};
  var fields = ${scriptJson(FIELDS.map(([field]) => field))};
  function render(progress) {
    fields.forEach(function (field) {
      var value = progress[field];
      document.querySelector('[data-field="' + field + '"]').textContent = value === null ? '\\u2014' : String(value);
    });
    document.getElementById('summary').textContent = progress.summary;
    document.body.setAttribute('data-final', progress.outcome ? 'true' : 'false');
  }
  function poll() {
    fetch(statusUrl, { cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (progress) {
        if (progress) render(progress);
        if (!progress || !progress.outcome) setTimeout(poll, ${pollMs});
      })
      .catch(function () { setTimeout(poll, ${pollMs}); });
  }
  setTimeout(poll, ${pollMs});
})();
</script>`;
  const head = final ? '' : `<noscript><meta http-equiv="refresh" content="5"></noscript>\n`;
  return layout(
    'Payout status',
    `<h1>Your payout</h1>
<p id="summary" role="status" aria-live="polite">${escapeHtml(progress.summary)}</p>
<dl>
${rows}
</dl>
${final ? '' : script}`,
    { head, bodyAttributes: ` data-final="${final ? 'true' : 'false'}"` },
  );
}

export function renderMessagePage(title: string, message: string, { refresh = false } = {}): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`, {
    head: refresh ? '<meta http-equiv="refresh" content="10">\n' : '',
  });
}

/** Headers of every page: no caching, no referrer, scripts only with this response's nonce. */
export function pageHeaders(nonce: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
}
