import { type PayoutStatusView } from '../../../workflows/messages';
import { isFinalReturnPageState, returnPageState, type ReturnPageState } from './return-state';
import {
  fill,
  returnPageLanguage,
  returnPageTexts,
  type ReturnPageLanguage,
  type ReturnPageTexts,
} from './return-texts';

/**
 * The payee's landing page after Fintecture's payout page (the `redirect_uri`). Mobile first, inline CSS
 * and script under a nonce-based CSP, in the order's language. It shows the merchant's name, the amount and
 * the reference (the order ID) and where the payout stands in plain words — never a name, IBAN, e-mail,
 * phone or internal status code — and follows the payout from a JSON endpoint until it is final.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

type Tone = 'progress' | 'success' | 'attention' | 'neutral';

const TONE: Record<ReturnPageState, Tone> = {
  awaiting_details: 'progress',
  confirming: 'progress',
  preparing: 'progress',
  on_the_way: 'progress',
  sent: 'success',
  refused: 'attention',
  expired: 'attention',
  review: 'neutral',
  cancelled: 'neutral',
};

/** The current step of the four-step tracker (4: all done); -1 hides it (the payout left the happy path). */
const STEP: Record<ReturnPageState, number> = {
  awaiting_details: 0,
  confirming: 1,
  preparing: 1,
  on_the_way: 2,
  sent: 4,
  refused: -1,
  expired: -1,
  review: -1,
  cancelled: -1,
};

const STYLE = `
:root{--ink:#17202a;--muted:#4b5563;--line:#d5dae1;--bg:#f4f6f8;--card:#fff;--accent:#0b57a4;--accent-bg:#e7f0fa;--ok:#146c2e;--ok-bg:#e6f4ea;--warn:#8a4300;--warn-bg:#fff3e0;--neutral:#3f4650;--neutral-bg:#eef0f3}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.wrap{max-width:36rem;margin:0 auto;padding:0 1rem}
header{background:var(--card);border-bottom:1px solid var(--line)}
header .wrap{padding-top:.9rem;padding-bottom:.9rem}
.merchant{margin:0;font-weight:700;font-size:1.05rem;overflow-wrap:anywhere}
main{display:block;padding-top:1.25rem;padding-bottom:1.5rem}
h1{font-size:1.35rem;line-height:1.3;margin:0 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.1rem;line-height:1.35;margin:0 0 .35rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:1rem 1.1rem;margin:0 0 1rem}
.status{border-left:.4rem solid var(--accent)}
.card p{margin:0}
body[data-tone=success] .status{border-left-color:var(--ok);background:var(--ok-bg)}
body[data-tone=attention] .status{border-left-color:var(--warn);background:var(--warn-bg)}
body[data-tone=neutral] .status{border-left-color:var(--neutral);background:var(--neutral-bg)}
body[data-tone=progress] .status{background:var(--accent-bg)}
.steps{list-style:none;margin:0;padding:0;display:grid;gap:.6rem}
.steps li{display:flex;align-items:center;gap:.65rem;color:var(--muted)}
.steps .marker{flex:none;width:1.6rem;height:1.6rem;border-radius:50%;border:2px solid #6b7280;display:inline-flex;align-items:center;justify-content:center;font-size:.85rem;font-weight:700;background:var(--card)}
.steps li.done{color:var(--ink)}
.steps li.done .marker{background:var(--ok);border-color:var(--ok);color:#fff}
.steps li.done .marker::before{content:"\\2713"}
.steps li.current{color:var(--ink);font-weight:700}
.steps li.current .marker{border-color:var(--accent);background:var(--accent);box-shadow:inset 0 0 0 .3rem var(--card)}
.details h2{font-size:1rem;color:var(--muted);font-weight:600;margin-bottom:.5rem}
dl{margin:0;display:grid;gap:.6rem}
dl div{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.25rem 1rem}
dt{color:var(--muted)}
dd{margin:0;font-weight:600;overflow-wrap:anywhere}
dd.amount{font-size:1.25rem}
.note{color:var(--muted);font-size:.95rem;margin:0 0 .75rem}
a{color:var(--accent)}
a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
footer{border-top:1px solid var(--line);color:var(--muted);font-size:.9rem}
footer .wrap{padding-top:1rem;padding-bottom:1.5rem}
footer p{margin:0}
.sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
[hidden]{display:none!important}
@media (min-width:48rem){
 .wrap{max-width:44rem}
 main{padding-top:2.5rem}
 h1{font-size:1.75rem}
 .card{padding:1.4rem 1.6rem}
 .steps{grid-template-columns:repeat(4,1fr);gap:.5rem}
 .steps li{flex-direction:column;align-items:flex-start;gap:.4rem}
}
@media (prefers-reduced-motion:no-preference){.status{transition:background-color .3s}}
`;

function layout(
  language: ReturnPageLanguage,
  title: string,
  nonce: string,
  parts: {
    header: string;
    main: string;
    footer: string;
    head?: string;
    bodyAttributes?: string;
    script?: string;
  },
): string {
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style nonce="${escapeHtml(nonce)}">${STYLE}</style>
${parts.head ?? ''}</head>
<body${parts.bodyAttributes ?? ''}>
<header><div class="wrap">${parts.header}</div></header>
<main id="content"><div class="wrap">
${parts.main}
</div></main>
${parts.footer ? `<footer><div class="wrap">${parts.footer}</div></footer>\n` : ''}${parts.script ?? ''}</body>
</html>
`;
}

/** "26,99 €" / "€26.99"; the bare amount and code if the currency is one Intl does not know. */
export function formatAmount(amount: string, currency: string, locale: string): string {
  const value = Number(amount);
  if (!Number.isFinite(value)) return `${amount} ${currency}`;
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(value);
  } catch {
    return `${amount} ${currency}`;
  }
}

/** A `YYYY-MM-DD` (or ISO timestamp) execution date in words; unchanged if it is neither. */
export function formatDate(date: string, locale: string): string {
  const parsed = new Date(/^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T00:00:00Z` : date);
  if (Number.isNaN(parsed.getTime())) return date;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(parsed);
}

function stateBody(texts: ReturnPageTexts, state: ReturnPageState, executionDate: string | null): string {
  const text = texts.states[state];
  return text.bodyWithDate && executionDate
    ? fill(text.bodyWithDate, { date: formatDate(executionDate, texts.locale) })
    : text.body;
}

function stepItems(texts: ReturnPageTexts, current: number): string {
  return texts.steps
    .map((label, index) => {
      const status = index < current ? 'done' : index === current ? 'current' : 'todo';
      const spoken = status === 'done' ? texts.stepDone : status === 'current' ? texts.stepCurrent : '';
      return (
        `<li data-step="${index}" class="${status}"${status === 'current' ? ' aria-current="step"' : ''}>` +
        `<span class="marker" aria-hidden="true"></span><span>${escapeHtml(label)}` +
        `<span class="sr" data-spoken>${spoken ? ` (${escapeHtml(spoken)})` : ''}</span></span></li>`
      );
    })
    .join('\n');
}

export interface ReturnPageInput {
  view: PayoutStatusView;
  /** The redirect's own `status` (a hint only). */
  hint?: string | null;
  merchant: string;
  statusUrl: string;
  /** This page's own URL: the no-JavaScript reload link. */
  reloadUrl: string;
  nonce: string;
  pollMs: number;
}

export function renderProgressPage(input: ReturnPageInput): string {
  const { view, merchant, nonce } = input;
  const language = returnPageLanguage(view.language);
  const texts = returnPageTexts(language);
  const state = returnPageState(view, input.hint);
  const final = isFinalReturnPageState(state);
  const step = STEP[state];
  const amount = view.amount && view.currency ? formatAmount(view.amount, view.currency, texts.locale) : null;

  const config = {
    statusUrl: input.statusUrl,
    pollMs: input.pollMs,
    locale: texts.locale,
    states: texts.states,
    tone: TONE,
    step: STEP,
    stepDone: texts.stepDone,
    stepCurrent: texts.stepCurrent,
  };
  const script = final
    ? ''
    : `<script nonce="${escapeHtml(nonce)}">
(function () {
  var c = ${scriptJson(config)};
  var body = document.body;
  function formatDate(date) {
    try {
      var parsed = new Date(/^\\d{4}-\\d{2}-\\d{2}$/.test(date) ? date + 'T00:00:00Z' : date);
      if (isNaN(parsed.getTime())) return date;
      return new Intl.DateTimeFormat(c.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(parsed);
    } catch (e) { return date; }
  }
  function setText(id, text) {
    var node = document.getElementById(id);
    if (node.textContent !== text) node.textContent = text;
  }
  function render(progress) {
    var text = c.states[progress.state];
    if (!text) return;
    setText('state-title', text.title);
    setText('state-body', text.bodyWithDate && progress.executionDate
      ? text.bodyWithDate.replace('{date}', formatDate(progress.executionDate)) : text.body);
    body.setAttribute('data-state', progress.state);
    body.setAttribute('data-tone', c.tone[progress.state]);
    var current = c.step[progress.state];
    document.getElementById('steps').hidden = current < 0;
    var items = document.querySelectorAll('#steps li');
    for (var i = 0; i < items.length; i++) {
      var status = i < current ? 'done' : i === current ? 'current' : 'todo';
      items[i].className = status;
      if (status === 'current') items[i].setAttribute('aria-current', 'step');
      else items[i].removeAttribute('aria-current');
      var spoken = status === 'done' ? c.stepDone : status === 'current' ? c.stepCurrent : '';
      items[i].querySelector('[data-spoken]').textContent = spoken ? ' (' + spoken + ')' : '';
    }
    if (progress.final) {
      body.setAttribute('data-final', 'true');
      document.getElementById('updating').hidden = true;
    }
  }
  function poll() {
    fetch(c.statusUrl, { cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (progress) {
        if (progress) render(progress);
        if (!progress || !progress.final) setTimeout(poll, c.pollMs);
      })
      .catch(function () { setTimeout(poll, c.pollMs); });
  }
  setTimeout(poll, c.pollMs);
})();
</script>
`;

  const details = [
    amount
      ? `<div><dt>${escapeHtml(texts.amountLabel)}</dt><dd class="amount" id="amount">${escapeHtml(amount)}</dd></div>`
      : '',
    `<div><dt>${escapeHtml(texts.referenceLabel)}</dt><dd id="reference">${escapeHtml(view.orderId)}</dd></div>`,
  ]
    .filter(Boolean)
    .join('\n');

  const main = `<h1>${escapeHtml(fill(texts.heading, { merchant }))}</h1>
<section class="card status" aria-labelledby="state-title">
<div id="live" role="status" aria-live="polite" aria-atomic="true">
<h2 id="state-title">${escapeHtml(texts.states[state].title)}</h2>
<p id="state-body">${escapeHtml(stateBody(texts, state, view.executionDate))}</p>
</div>
</section>
<section class="card" id="steps"${step < 0 ? ' hidden' : ''} aria-labelledby="steps-title">
<h2 id="steps-title" class="sr">${escapeHtml(texts.progressLabel)}</h2>
<ol class="steps">
${stepItems(texts, step)}
</ol>
</section>
<section class="card details" aria-labelledby="details-title">
<h2 id="details-title">${escapeHtml(texts.detailsHeading)}</h2>
<dl>
${details}
</dl>
</section>
<p class="note" id="updating"${final ? ' hidden' : ''}>${escapeHtml(texts.updating)}</p>
${final ? '' : `<noscript><p class="note">${escapeHtml(texts.noScript)} <a href="${escapeHtml(input.reloadUrl)}">${escapeHtml(texts.reload)}</a>.</p></noscript>`}`;

  return layout(language, `${texts.pageTitle} – ${merchant}`, nonce, {
    header: `<p class="merchant">${escapeHtml(merchant)}</p>`,
    main,
    footer: `<p>${escapeHtml(fill(texts.footer, { merchant }))}</p>`,
    head: final ? '' : '<noscript><meta http-equiv="refresh" content="10"></noscript>\n',
    bodyAttributes: ` data-state="${state}" data-tone="${TONE[state]}" data-final="${final ? 'true' : 'false'}"`,
    script,
  });
}

export function renderMessagePage(
  title: string,
  message: string,
  { nonce, refresh = false, merchant }: { nonce: string; refresh?: boolean; merchant?: string },
): string {
  return layout('en', title, nonce, {
    header: merchant ? `<p class="merchant">${escapeHtml(merchant)}</p>` : '',
    main: `<h1>${escapeHtml(title)}</h1>\n<section class="card"><p>${escapeHtml(message)}</p></section>`,
    footer: '',
    head: refresh ? '<meta http-equiv="refresh" content="10">\n' : '',
    bodyAttributes: ' data-tone="neutral"',
  });
}

/** Headers of every page: no caching, no referrer, scripts and styles only with this response's nonce. */
export function pageHeaders(nonce: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
}
