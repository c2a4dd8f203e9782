import { type ClientOverheadResult } from '../benchmarks/client-overhead';
import { type DecryptCeilingResult } from '../benchmarks/decrypt-ceiling';
import { type PayoutRunResult } from '../benchmarks/e2e';
import { type ReadBudgetResult } from '../benchmarks/read-budget';
import { type CreationRun, type WaitingWindow } from '../benchmarks/waiting';
import { type WebhookRunResult } from '../benchmarks/webhooks';
import { type WeekResult } from '../benchmarks/week';
import { type CeilingInput } from '../engine-ceiling/workflows';
import { type HistoryShape } from './history';
import { type MachineInfo } from './machine';
import { type ProfileSummary } from './cpu-profile';

/**
 * The shape of bench/results/results.json (`schemaVersion` changes when it does). 2: `readBudget` and
 * `goals` added; the waiting window's steady state comes from the quiet delay (`quietPollSeconds`); the week
 * counts Fintecture reads from the sandbox log and events per payout-week.
 */

export interface ComparedRun {
  concurrency: number;
  payouts: number;
  e2e: PayoutRunResult;
  ceiling: PayoutRunResult;
  /** e2e payouts/s ÷ ceiling workflows/s. */
  ratio: number;
}

export interface WebhookLevel {
  openPayouts: number;
  /** The burst: as fast as the ingress acknowledges (capacity; its wake latency is mostly backlog). */
  run: WebhookRunResult;
  /** Then webhooks at a fixed offered rate (the wake latency of a load the system carries); null: skipped. */
  paced: WebhookRunResult | null;
  /** Raw RSA-OAEP decryptions per second, one thread (the ceiling). */
  ceilingPerSecond: number;
  ratio: number;
}

export interface WaitingLevel {
  openPayouts: number;
  creation: CreationRun;
  window: WaitingWindow;
}

export interface ProfileRun {
  what: string;
  payouts: number;
  perSecond: number;
  worker: ProfileSummary[];
  ingress: ProfileSummary[];
  /** CPU seconds per process during the profiled run (V8 samples cover JavaScript threads only). */
  processCpuSeconds: Record<string, number>;
}

export interface GrowthRow {
  figure: string;
  unit: string;
  values: { size: number; value: number }[];
  /** log(v2/v1) / log(s2/s1) per step: 0 flat, 1 linear, above 1 worse than linear. */
  elasticity: number[];
  verdict: string;
}

/** One goal of issue 15, measured in this run. */
export interface GoalRow {
  goal: string;
  /** What was measured, in words and figures (or why it was not). */
  measured: string;
  value: number | null;
  target: string;
  status: 'met' | 'not met' | 'not measured';
}

export interface BenchResults {
  schemaVersion: 2;
  mode: 'quick' | 'default' | 'custom';
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  machine: MachineInfo;
  options: Record<string, unknown>;
  shape: {
    /** Scenario-2 payouts whose histories were counted. */
    sampled: number;
    real: HistoryShape;
    ceilingInput: CeilingInput;
    ceiling: HistoryShape;
  };
  micro: { clientOverhead: ClientOverheadResult; decrypt: DecryptCeilingResult };
  e2e: { sweep: ComparedRun[]; series: ComparedRun[] };
  /**
   * The ceiling again, with as many search-attribute upserts as a real payout makes (counted from its
   * history): how much of the gap the upserts explain (compare `perPayout.persistenceByOperation`).
   */
  diagnostics: { ceilingWithUpserts: { upserts: number; run: PayoutRunResult } | null };
  webhooks: WebhookLevel[];
  waiting: WaitingLevel[];
  week: WeekResult | null;
  /** Two workers under one Fintecture read budget (null: skipped, `BENCH_BUDGET_PAYOUTS=0`). */
  readBudget: ReadBudgetResult | null;
  profile: ProfileRun[];
  growth: GrowthRow[];
  goals: GoalRow[];
  headline: {
    /** Best end-to-end throughput ÷ best ceiling throughput (each at its own best concurrency). */
    e2eToCeiling: {
      ratio: number;
      e2ePerSecond: number;
      e2eConcurrency: number;
      ceilingPerSecond: number;
      ceilingConcurrency: number;
    };
    webhooksToDecrypt: {
      ratio: number;
      webhooksPerSecond: number;
      decryptsPerSecond: number;
      openPayouts: number;
    };
    clientToSdk: { fetchRatio: number; createRatio: number };
  };
}
