/** Markdown helpers shared by the bench reports (RESULTS.md, CLUSTER.md). */

/** A duration: milliseconds below 10 s, seconds with one decimal above. */
export const ms = (value: number) =>
  value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;

export const num = (value: number) => (Number.isFinite(value) ? String(value) : 'n/a');

/** A GitHub table: the first column left-aligned, the others right-aligned. */
export const table = (head: string[], rows: (string | number)[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
