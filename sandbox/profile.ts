/**
 * How closely the sandbox sticks to what Fintecture documents (fintecture-api.md, corrected 2026-11-30).
 *
 * - `documented`: only what the guide shows — the bare scenario-1 create answer, our own `end_to_end_id`,
 *   lists that ignore filters and page size, give no page count and hold sessions that are not the
 *   client's, webhooks whose signed-header list varies and whose `Date` is the event's time. A client that
 *   passes against it relies on nothing marked [assumed].
 * - `friendly`: the sandbox as it was before that correction — every [assumed] convenience honoured.
 */
export const PROFILES = ['documented', 'friendly'] as const;
export type Profile = (typeof PROFILES)[number];
