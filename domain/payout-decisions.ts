/**
 * The workflow's decisions, as pure functions of what it knows: when to look next, when the wait is over,
 * why a payout ended, whether a failed create may have paid. No clock (the caller passes `now`), no I/O.
 */
import { reasonWith, type PayoutOutcome } from './outcomes';
import { DEFAULT_QUIET_POLL_SECONDS, type PayoutSettings } from './payout-settings';
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

/**
 * The reads of a watched wait, which the watch activity's retries follow. Waiting for the payee (`quiet`): the
 * poll schedule from where it stands, each delay capped at the quiet delay, then the quiet delay for ever.
 * Otherwise the poll schedule from where it stands, its last delay repeating.
 */
export function watchReadDelaysSeconds(
  clock: Pick<WaitClock, 'pollIndex'>,
  settings: Pick<PayoutSettings, 'pollDelaysSeconds' | 'quietPollSeconds'>,
  quiet: boolean,
): number[] {
  const delays = settings.pollDelaysSeconds;
  const ordinary = delays.slice(Math.min(clock.pollIndex, delays.length - 1));
  if (!quiet) return ordinary;
  const quietDelay = settings.quietPollSeconds ?? DEFAULT_QUIET_POLL_SECONDS;
  return [...ordinary.map((delay) => Math.min(delay, quietDelay)), quietDelay];
}

/**
 * Whether the wait is better watched (one activity whose retries are the reads) than polled on timers: while
 * the payee has not acted, and once a poll at the schedule's last delay found nothing new (nothing moved for
 * a while). Timers stay for the lively part, where webhooks come and a wake is cheaper without a watch to stop.
 */
export function isWatchedWait(
  clock: Pick<WaitClock, 'pollIndex'>,
  settings: Pick<PayoutSettings, 'pollDelaysSeconds'>,
  awaitingPayee: boolean,
): boolean {
  return awaitingPayee || clock.pollIndex >= settings.pollDelaysSeconds.length;
}

/** The watch activity's delay before attempt `attempt + 1` (Temporal counts attempts from 1). */
export function watchDelaySeconds(delaysSeconds: readonly number[], attempt: number): number {
  return delaysSeconds[Math.min(Math.max(attempt, 1), delaysSeconds.length) - 1] ?? 60;
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

/**
 * Whether the create proved its session the order's only one: its first attempt searched the list, found
 * none and sent one create, so no earlier attempt of ours can have left another. The early duplicate sweep
 * is then not needed; the final one still runs (a reset run racing an old attempt).
 */
export function createProvedUnique(result: { kind: string; attempt?: number } | undefined): boolean {
  return result?.kind === 'created' && result.attempt === 1;
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
  /** An outcome was reached and is being confirmed (the final duplicate sweep): not named yet. */
  outcomeHeld?: boolean;
}): string {
  if (payout.outcomeHeld) return 'The payout is finishing: its outcome is being confirmed with Fintecture';
  if (payout.outcome) return `The payout is already finished (${payout.outcome})`;
  return `The payout can no longer be cancelled: money is on its way (session ${payout.sessionStatus}, transfer ${
    payout.transferState ?? 'none'
  })`;
}
