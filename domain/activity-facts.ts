import { type CreatedPayout, type PayoutSnapshot } from './payout-session';
import { type UnrecognisedStates } from './session-states';

// What the session activities established, as facts: the activities report, the workflow decides.

/**
 * What `createPayoutSession` established, as facts for the workflow to decide on. `created`/`adopted`: the
 * order's one session. `ambiguous`: several sessions carry the order's reference; `mismatch`: the one found
 * has another amount or currency; `search_incomplete`: the whole list could not be read within the
 * configured bound, so absence is not proven. None of the last three ever sends a create.
 */
export type CreateSessionResult =
  | {
      kind: 'created' | 'adopted';
      session: CreatedPayout;
      /**
       * The activity attempt that established it. `created` on attempt 1: the search proved no session existed
       * and one create was sent, so no earlier attempt of ours can have left another. Absent in results
       * recorded before it was reported.
       */
      attempt?: number;
    }
  | { kind: 'ambiguous'; sessionIds: string[] }
  | { kind: 'mismatch'; sessionId: string }
  | { kind: 'search_incomplete'; pagesRead: number };

/** Whether a session named by an event (webhook, redirect) is this order's payout, read from Fintecture. */
export type SessionIdentification = { ours: true; session: CreatedPayout } | { ours: false };

/**
 * The duplicate sweep: other sessions carrying the order's reference. `cancelled`: each could still be
 * cancelled and was; `duplicate`: at least one could not (money may move twice: a person must look).
 */
export type DuplicateSweepResult =
  | { outcome: 'clean' }
  | { outcome: 'cancelled'; cancelledSessionIds: string[] }
  | { outcome: 'duplicate'; sessionIds: string[] }
  | { outcome: 'incomplete'; pagesRead: number };

/** What the workflow has confirmed of a session when a quiet wait starts. */
export interface KnownSessionState {
  sessionStatus: string | null;
  transferState: string | null;
  transferReason: string | null;
  unrecognised: UnrecognisedStates | null;
}

/**
 * The quiet wait's activity type (its retries are the reads): the payout service finds it among the pending
 * activities to show the reads that left no history (client/payouts/watch-progress.ts). Type-checked against
 * the activities in workflows/activity-stubs.ts.
 */
export const WATCH_SESSION_ACTIVITY = 'watchSession';

/** `watchSession`'s request: which session, what is known of it, the reads' schedule (`watchReadDelaysSeconds`). */
export interface SessionWatchRequest {
  sessionId: string;
  known: KnownSessionState;
  delaysSeconds: number[];
}

/** Whether a read shows something the workflow does not know yet (also a new unranked value). */
export function readShowsChange(known: KnownSessionState, read: PayoutSnapshot): boolean {
  const unrecognised = read.unrecognised ?? null;
  return (
    read.sessionStatus !== known.sessionStatus ||
    read.transferState !== known.transferState ||
    (read.transferReason ?? null) !== (known.transferReason ?? null) ||
    unrecognised?.sessionStatus !== known.unrecognised?.sessionStatus ||
    unrecognised?.transferState !== known.unrecognised?.transferState
  );
}
