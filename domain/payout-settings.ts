import type { FinalStateSets } from './final-states';
import { DEFAULT_FINAL_STATE_SETS } from './final-states';

/**
 * How a payout waits. Passed to the workflow at start (part of its input), so a replay and a
 * continue-as-new see the values the payout began with, whatever the worker's configuration is later.
 */
export interface PayoutSettings {
  /** Successive poll delays; the last one repeats. Reset to the first when something moved. */
  pollDelaysSeconds: number[];
  /** How long to follow a transfer after creation (or after the payee acted) before NEEDS_REVIEW. */
  maxWaitSeconds: number;
  /** Scenario 1: how long after the link expiry to keep looking before the last fetch. */
  linkGraceSeconds: number;
  finalStates: FinalStateSets;
}

export const DEFAULT_PAYOUT_SETTINGS: PayoutSettings = {
  pollDelaysSeconds: [30, 60, 300, 1800, 3600],
  maxWaitSeconds: 14 * 24 * 3600,
  linkGraceSeconds: 3600,
  finalStates: DEFAULT_FINAL_STATE_SETS,
};
