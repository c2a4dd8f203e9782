/**
 * The workflow's decisions, as pure functions of what it knows: when to look next, when the wait is over,
 * why a payout ended, whether a failed create may have paid. No clock (the caller passes `now`), no I/O.
 */
import { reasonWith, type PayoutOutcome } from './outcomes';
import type { PayoutSettings } from './payout-settings';
import type { PayoutScenario, SessionStatus, TransferState } from './session-states';
import type { PayoutProgress } from './status-model';

/** The wait's bookkeeping, carried across continue-as-new. ISO-8601 instants. */
export interface WaitClock {
  pollIndex: number;
  /** When the current wait began (creation, or the payee's action); bounds it by `maxWaitSeconds`. */
  waitStartedAt: string | null;
  /** Scenario 1 while the payee has not acted: link expiry plus grace. */
  linkDeadline: string | null;
}

/** The instant the current wait ends: the payee's link deadline, else the transfer wait's bound. */
export function waitDeadlineMs(
  clock: WaitClock,
  settings: Pick<PayoutSettings, 'maxWaitSeconds'>,
  now: number,
) {
  if (clock.linkDeadline) return Date.parse(clock.linkDeadline);
  return Date.parse(clock.waitStartedAt ?? new Date(now).toISOString()) + settings.maxWaitSeconds * 1000;
}

/** How long to sleep before the next look: the poll schedule (its last delay repeats), never past the deadline. */
export function nextPollDelayMs(
  clock: WaitClock,
  settings: Pick<PayoutSettings, 'pollDelaysSeconds' | 'maxWaitSeconds'>,
  now: number,
): number {
  const delays = settings.pollDelaysSeconds;
  const delay = (delays[Math.min(clock.pollIndex, delays.length - 1)] ?? 60) * 1000;
  return Math.max(0, Math.min(delay, waitDeadlineMs(clock, settings, now) - now));
}

/** Scenario 1: when the unused link stops being worth waiting for (its expiry plus the grace). */
export function linkDeadlineAt(now: number, expiresInSeconds: number, linkGraceSeconds: number): string {
  return new Date(now + (expiresInSeconds + linkGraceSeconds) * 1000).toISOString();
}

/**
 * Scenario 1 before the payee acted. With `documented` (Fintecture as documented), a fresh scenario-1
 * session whose status the create answer did not give counts too: the guide's answer carries none.
 */
export function isAwaitingPayee(
  payout: {
    scenario: PayoutScenario;
    sessionStatus: SessionStatus | null;
    transferState: TransferState | null;
  },
  documented: boolean,
): boolean {
  if (payout.sessionStatus === 'iban_required') return true;
  return (
    documented && payout.scenario === 1 && payout.sessionStatus === null && payout.transferState === null
  );
}

/** Why a payout reached `outcome` from a final state: the most specific thing Fintecture said. */
export function finalStateReason(progress: PayoutProgress, outcome: PayoutOutcome): string {
  return progress.transferReason ?? progress.transferState ?? progress.sessionStatus ?? outcome;
}

/** Why the create did not give a session, from what its failure says. */
export interface CreateFailure {
  /** The failure's type, for operators (`FintectureValidationFailed`, `Timeout:START_TO_CLOSE`, …). */
  type: string;
  /** Whether the request may have been applied at Fintecture (a timeout, an unreadable answer…). */
  mayHaveBeenApplied: boolean;
}

/** `create_unconfirmed`: a payout may exist that we could not confirm; `create_failed`: nothing was paid. */
export function createFailureReason(failure: CreateFailure): string {
  return reasonWith(failure.mayHaveBeenApplied ? 'createUnconfirmed' : 'createFailed', failure.type);
}

/** Why a cancel is refused: already finished, or money is on its way. Safe to show (statuses only). */
export function cancelRefusal(payout: {
  outcome: PayoutOutcome | null;
  sessionStatus: SessionStatus | null;
  transferState: TransferState | null;
}): string {
  if (payout.outcome) return `The payout is already finished (${payout.outcome})`;
  return `The payout can no longer be cancelled: money is on its way (session ${payout.sessionStatus}, transfer ${
    payout.transferState ?? 'none'
  })`;
}
