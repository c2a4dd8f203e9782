import { type PayoutStatusView } from '../../workflows/messages';
import { type PayoutSummary } from '../payouts/payout-service';

/** Human-readable renderings for the CLI. IDs and states only, like the status view itself. */

const dash = (value: string | number | null | undefined) =>
  value === null || value === undefined || value === '' ? '—' : String(value);

const SCENARIO_NAMES = { 1: 'payee link', 2: 'verified beneficiary' } as const;

export function formatPayout(view: PayoutStatusView): string {
  const lines = [
    `Payout for order ${view.orderId} (workflow ${view.workflowId})`,
    `  scenario      ${view.scenario} (${SCENARIO_NAMES[view.scenario]})`,
    `  phase         ${view.phase}`,
    `  outcome       ${dash(view.outcome)}${view.outcomeReason ? ` (${view.outcomeReason})` : ''}`,
    `  session       ${dash(view.sessionId)} ${dash(view.sessionStatus)}`,
    `  transfer      ${dash(view.transferState)}${view.transferReason ? ` (${view.transferReason})` : ''}`,
    `  end-to-end ID ${dash(view.endToEndId)}`,
    `  execution     ${dash(view.executionDate)}`,
    `  connect URL   ${dash(view.connectUrl)}`,
    `  polls         ${view.polls}${view.nextPollAt ? `, next at ${view.nextPollAt}` : ''}`,
    ...(view.watch
      ? [
          `  quiet watch   ${view.watch.reads} reads, nothing new` +
            (view.watch.lastReadAt ? `, last at ${view.watch.lastReadAt}` : '') +
            (view.watch.nextReadAt ? `, next at ${view.watch.nextReadAt}` : ''),
        ]
      : []),
    `  timeline`,
  ];
  if (view.timeline.length === 0) lines.push('    (nothing yet)');
  for (const entry of view.timeline) {
    lines.push(
      `    ${entry.at}  ${entry.source.padEnd(8)}  ${dash(entry.sessionStatus).padEnd(20)}  ${dash(
        entry.transferState,
      )}${entry.transferReason ? ` (${entry.transferReason})` : ''}`,
    );
  }
  if (view.notifications?.length) {
    // Outcome events to the order system; `failed` ones are re-sent with `payouts notify`.
    lines.push('  events to the order system');
    for (const entry of view.notifications) {
      lines.push(
        `    ${entry.type.padEnd(20)}  ${entry.status}${entry.attempts ? `, ${entry.attempts} attempt(s)` : ''}` +
          `${entry.lastError ? ` (${entry.lastError})` : ''}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

export function formatPayoutList(payouts: PayoutSummary[]): string {
  if (payouts.length === 0) return 'No payouts.\n';
  const header = ['ORDER', 'STATUS', 'SCENARIO', 'TRANSFER', 'WORKFLOW', 'STARTED'];
  const rows = payouts.map((p) => [
    p.orderId,
    dash(p.status),
    dash(p.scenario),
    dash(p.transferState),
    p.executionStatus,
    p.startedAt,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const render = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [render(header), ...rows.map(render)].join('\n') + '\n';
}
