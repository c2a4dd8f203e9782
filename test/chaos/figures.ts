import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../scripts/temporal-dev-server';

export const FIGURES_DIR = path.join(PROJECT_ROOT, '.data', 'chaos');

/** What every chaos test reports (docs/chaos-results.md is written from these files). */
export interface ChaosFigures {
  test: string;
  /** What was done to the stack, in words. */
  injected: string;
  payouts: number;
  /** Faults injected, by kind (process kills, outages, sandbox fault modes…). */
  faults: Record<string, number>;
  /** Extra payouts at the sandbox beyond one per order (G1: must be 0). */
  duplicates: number;
  /** Payouts without a final outcome, orders without a payout, acknowledged webhooks not signalled. */
  lost: number;
  /** From the end of the fault (restart) to the last payout's outcome. */
  timeToRecoverMs: number | null;
  wallMs: number;
  outcomes: Record<string, number>;
  [more: string]: unknown;
}

/** Writes `.data/chaos/<test>.json` and returns its path. Called before the assertions, so a failing run leaves its figures too. */
export function writeFigures(figures: ChaosFigures): string {
  mkdirSync(FIGURES_DIR, { recursive: true });
  const file = path.join(FIGURES_DIR, `${figures.test}.json`);
  writeFileSync(file, `${JSON.stringify({ ...figures, recordedAt: new Date().toISOString() }, null, 2)}\n`);
  return file;
}

/** Counts values: `{ SETTLED: 3 }`. */
export function tally(values: Iterable<string | null | undefined>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value ?? 'none'] = (counts[value ?? 'none'] ?? 0) + 1;
  return counts;
}
