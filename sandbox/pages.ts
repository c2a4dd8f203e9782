/**
 * The payee page (scenario 1: the payee gives the bank account to be paid into) and the pages shown when
 * a payout link can no longer be used. Plain HTML strings: every interpolated value goes through
 * `escapeHtml`, since communication and names come from API callers and payees.
 */

export type PayeeField = 'name' | 'iban' | 'bic';

export interface PayeePageView {
  sessionId: string;
  amount: string;
  currency: string;
  communication: string;
  merchantName: string;
  formAction: string;
  values?: { name?: string; iban?: string; bic?: string };
  errors?: { field: PayeeField; message: string }[];
}

export type ClosedReason = 'expired' | 'cancelled' | 'used' | 'unknown';

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in element content and in quoted attribute values. */
export function escapeHtml(value: string): string {
  return String(value).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

const STYLES = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f3f5f8}
main{max-width:30rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:1.4rem;margin:0 0 .75rem}
h2{font-size:1rem;margin:0 0 .5rem}
.summary{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:1rem 0 1.5rem;padding:1rem;background:#f7f9fb;border-radius:8px}
.summary dt{color:#5b6470}.summary dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.error-summary{margin:0 0 1.25rem;padding:1rem;border:2px solid #c62828;border-radius:8px;background:#fff5f5}
.error-summary ul{margin:0;padding-left:1.25rem}.error-summary a{color:#c62828}
.field{margin-bottom:1.1rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{margin:0 0 .25rem;color:#5b6470;font-size:.875rem}
.field-error{margin:0 0 .25rem;color:#c62828;font-weight:600;font-size:.875rem}
input{width:100%;padding:.65rem .75rem;font:inherit;border:1px solid #a9b1bb;border-radius:6px}
input:focus{outline:3px solid #8ab4f8;outline-offset:1px}
.has-error input{border:2px solid #c62828}
button{width:100%;padding:.75rem;font:inherit;font-weight:600;color:#fff;background:#1d4ed8;border:0;border-radius:6px;cursor:pointer}
button:hover{background:#1e40af}
.note{margin:1.25rem 0 0;color:#5b6470;font-size:.8rem;text-align:center}
`;

function layout(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLES}</style>
</head>
<body>
${content}
</body>
</html>
`;
}

interface FieldSpec {
  field: PayeeField;
  label: string;
  hint?: string;
  autocomplete: string;
  maxLength: number;
  /** IBAN and BIC are codes: no auto-correction or capitalisation games from mobile keyboards. */
  code: boolean;
}

const FIELDS: readonly FieldSpec[] = [
  { field: 'name', label: 'Account holder name', autocomplete: 'name', maxLength: 140, code: false },
  {
    field: 'iban',
    label: 'IBAN',
    hint: 'For example FR76 3000 6000 0112 3456 7890 189',
    autocomplete: 'off',
    maxLength: 42, // 34 characters plus the spaces people type between groups
    code: true,
  },
  {
    field: 'bic',
    label: 'BIC (SWIFT code)',
    hint: '8 or 11 characters, for example BNPAFRPP',
    autocomplete: 'off',
    maxLength: 14,
    code: true,
  },
];

function inputId(field: PayeeField): string {
  return `payee-${field}`;
}

function renderField(spec: FieldSpec, value: string, messages: string[]): string {
  const id = inputId(spec.field);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [spec.hint ? hintId : null, messages.length > 0 ? errorId : null].filter(Boolean);
  const attributes = [
    `id="${id}"`,
    `name="${spec.field}"`,
    'type="text"',
    `value="${escapeHtml(value)}"`,
    `autocomplete="${spec.autocomplete}"`,
    `maxlength="${spec.maxLength}"`,
    'required',
    ...(spec.code ? ['autocapitalize="characters"', 'autocorrect="off"', 'spellcheck="false"'] : []),
    ...(describedBy.length > 0 ? [`aria-describedby="${describedBy.join(' ')}"`] : []),
    ...(messages.length > 0 ? ['aria-invalid="true"'] : []),
  ];
  return [
    `<div class="field${messages.length > 0 ? ' has-error' : ''}">`,
    `<label for="${id}">${escapeHtml(spec.label)}</label>`,
    spec.hint ? `<p class="hint" id="${hintId}">${escapeHtml(spec.hint)}</p>` : '',
    messages.length > 0
      ? `<p class="field-error" id="${errorId}">${messages.map(escapeHtml).join('<br>')}</p>`
      : '',
    `<input ${attributes.join(' ')}>`,
    '</div>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function renderErrorSummary(errors: { field: PayeeField; message: string }[]): string {
  if (errors.length === 0) return '';
  const items = errors
    .map((error) => `<li><a href="#${inputId(error.field)}">${escapeHtml(error.message)}</a></li>`)
    .join('\n');
  return `<div class="error-summary" role="alert" aria-labelledby="error-summary-title">
<h2 id="error-summary-title">Please correct the following</h2>
<ul>
${items}
</ul>
</div>`;
}

/** The form where the payee enters the account to be paid into; re-rendered with errors on a bad submit. */
export function renderPayeePage(view: PayeePageView): string {
  const errors = view.errors ?? [];
  const fields = FIELDS.map((spec) =>
    renderField(
      spec,
      view.values?.[spec.field] ?? '',
      errors.filter((error) => error.field === spec.field).map((error) => error.message),
    ),
  ).join('\n');

  const title = errors.length > 0 ? 'Error: receive your payout' : 'Receive your payout';
  return layout(
    title,
    `<main>
<h1>Receive your payout</h1>
<p>${escapeHtml(view.merchantName)} is sending you a payout. Enter the bank account it should be paid into.</p>
<dl class="summary">
<dt>Amount</dt><dd id="payee-amount">${escapeHtml(view.amount)} ${escapeHtml(view.currency)}</dd>
<dt>Reference</dt><dd id="payee-communication">${escapeHtml(view.communication)}</dd>
</dl>
${renderErrorSummary(errors)}
<form method="post" action="${escapeHtml(view.formAction)}" enctype="application/x-www-form-urlencoded" data-session-id="${escapeHtml(view.sessionId)}">
${fields}
<button type="submit" id="payee-submit">Send bank details</button>
</form>
<p class="note">Fintecture sandbox: no money moves.</p>
</main>`,
  );
}

const CLOSED_PAGES: Readonly<Record<ClosedReason, { title: string; message: string }>> = {
  expired: {
    title: 'This payout link has expired',
    message: 'Ask the sender of the payout for a new link.',
  },
  cancelled: {
    title: 'This payout was cancelled',
    message: 'The sender cancelled this payout, so no bank details are needed.',
  },
  used: {
    title: 'Your bank details were already received',
    message: 'The payout is on its way to your account. You can close this page.',
  },
  unknown: {
    title: 'This payout link is not valid',
    message: 'Check that you opened the complete link you were sent, or ask the sender for a new one.',
  },
};

/** Shown instead of the form when the link can no longer be used. */
export function renderClosedPage(reason: ClosedReason): string {
  // Callers outside the type system (a stored status, a query string) still get a sensible page.
  const known: ClosedReason = Object.hasOwn(CLOSED_PAGES, reason) ? reason : 'unknown';
  const page = CLOSED_PAGES[known];
  return layout(
    page.title,
    `<main id="closed-reason" data-reason="${escapeHtml(known)}">
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>
</main>`,
  );
}
