import { type CreatedPayout } from './payout-session';

// What the session activities established, as facts: the activities report, the workflow decides.

/**
 * What `createPayoutSession` established, as facts for the workflow to decide on. `created`/`adopted`: the
 * order's one session. `ambiguous`: several sessions carry the order's reference; `mismatch`: the one found
 * has another amount or currency; `search_incomplete`: the whole list could not be read within the
 * configured bound, so absence is not proven. None of the last three ever sends a create.
 */
export type CreateSessionResult =
  | { kind: 'created' | 'adopted'; session: CreatedPayout }
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
