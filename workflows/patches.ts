/**
 * patched() IDs: one per change of workflow logic (docs/operator-guide.md, changing workflow code). A new
 * run records the marker; a recorded history without it keeps the old path on replay.
 */

/** Before it, the loop slept until its poll timer after a cancel update had already finished the payout. */
export const WAKE_ON_OUTCOME_PATCH = 'wake-on-outcome';
/**
 * Issue 10, Fintecture as documented: the create returns facts (ambiguous, incomplete search), a session
 * named by an event is adopted while the create is unconfirmed, duplicates are swept after the create and
 * at the end, and every activity failure ends NEEDS_REVIEW.
 */
export const FINTECTURE_AS_DOCUMENTED_PATCH = 'fintecture-as-documented';
/**
 * Issue 15, performance at scale: Fintecture reads on their own rate-limited task queue and writes on
 * another; scenario 1 waits quietly for its payee (one activity whose retries are the reads); no search
 * attribute upsert that changes nothing; no early duplicate sweep after a create proven unique. It implies
 * every earlier patch: a new run records this one marker only (each marker also costs an upsert of
 * TemporalChangeVersion, which the SDK makes per patch).
 */
export const BUDGETED_QUIET_WAITING_PATCH = 'budgeted-quiet-waiting';
/**
 * Issue 11, outcome events to the order system: `payout.created` once the session exists, the outcome's
 * event at the end, delivered in the background by `notifyOrderSystem`.
 */
export const NOTIFY_ORDER_SYSTEM_PATCH = 'notify-order-system';
/**
 * A watch ends with its wait: once the payout has its outcome, once the next turn is not a watched wait
 * (the payee acted), and once a look beside it moved the payout (its known state and schedule are stale).
 * Before it, such a watch kept reading (up to every few hours) until the workflow closed, and a read it made
 * meanwhile was applied at the next watched wait. It implies every earlier patch (one marker per new run).
 */
export const WATCH_ENDS_WITH_ITS_WAIT_PATCH = 'watch-ends-with-its-wait';
/**
 * The outcome is shown once it is final: after the final duplicate sweep. Before it, the query, the cancel
 * answer and the search attributes showed SETTLED (say) while that sweep ran, and a duplicate it found then
 * turned it into NEEDS_REVIEW: an order system that read in between saw an outcome that did not hold. It
 * implies every earlier patch (one marker per new run).
 */
export const OUTCOME_AFTER_FINAL_SWEEP_PATCH = 'outcome-after-final-sweep';
