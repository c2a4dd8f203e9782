import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING } from '../../common/payload-codec';
import { PayoutStatus } from '../../domain/search-attributes';
import { testDataConverter } from '../support/codec';
import { historyFromJson, type History } from './history-json';
import {
  payoutWorkflowId,
  type PayoutResult,
  type PayoutWorkflowInput,
  type TimelineSource,
} from '../../workflows/messages';
import {
  BUDGETED_QUIET_WAITING_PATCH,
  FINTECTURE_AS_DOCUMENTED_PATCH,
  NOTIFY_ORDER_SYSTEM_PATCH,
  OUTCOME_AFTER_FINAL_SWEEP_PATCH,
  WAKE_ON_OUTCOME_PATCH,
  WATCH_ENDS_WITH_ITS_WAIT_PATCH,
} from '../../workflows/payout-workflow';

/**
 * The catalogue of recorded workflow histories (DESIGN.md §5 G6): one per path through PayoutWorkflow.
 * `scripts/record-histories.ts` records them, test/replay/replay.test.ts replays every one against the
 * current workflow code and fails when a file is missing. Adding a path here without recording it fails
 * the replay suite, as it should.
 *
 * Generations, one per patch in `PATCH_GENERATIONS`: the paths recorded before
 * `patched('fintecture-as-documented')` (`predates` it) take the old path on replay and are kept exactly as
 * recorded — they are the proof that payouts started before the patch still replay, and today's code could
 * not record them again. The `documented-*` paths hold that patch's marker but were recorded before
 * `patched('notify-order-system')` (`predates` it): kept as recorded too, they send no outcome events on
 * replay. The `notify-*` paths predate `budgeted-quiet-waiting`, the `budgeted-*` paths predate
 * `watch-ends-with-its-wait` (their watches are never cancelled), the `watch-ends-*` paths predate
 * `outcome-after-final-sweep` (they show the outcome before the final sweep). The `final-sweep-*` paths are
 * recorded by today's code: one marker, which implies every earlier patch.
 */
export interface RecordedPath {
  name: string;
  /**
   * How the recording drives it (the script does exactly this; for a path that `predates` a patch, the
   * script's version in git history from before the patch did).
   */
  what: string;
  /** `continuedAsNew`: the run ends by continue-as-new instead of a result. */
  closes: 'completed' | 'continuedAsNew';
  /** This run was started by continue-as-new (its input carries `resume`). */
  resumed?: boolean;
  outcome?: PayoutResult['outcome'];
  outcomeReason?: string;
  /** The sources of the result's timeline, comma-joined. */
  timeline?: RegExp;
  /** How many `payoutEvent` signals the history holds. */
  signals?: number;
  /** How many `cancel` updates the history holds. */
  cancels?: number;
  /** The `patched()` markers the history holds, in any order (none when absent). */
  patches?: readonly string[];
  /**
   * The outcome events in the result's view, in order, as `type:status` comma-joined (checked only when
   * given; histories before NOTIFY_ORDER_SYSTEM_PATCH have none).
   */
  notifications?: string;
  /** The `PayoutStatus` values the run upserted, in order, comma-joined (checked only when given). */
  searchStatuses?: RegExp;
  /** How many times the history schedules each activity named here (retries are not new schedules). */
  activities?: Readonly<Record<string, number>>;
  /** How many times the workflow asks to cancel each activity named here (checked only when given). */
  cancelledActivities?: Readonly<Record<string, number>>;
  /**
   * The patch this history was recorded before (one of `PATCH_GENERATIONS`; it predates every later one
   * too): it takes the old path on replay and is kept as recorded. The recorder refuses to record it again
   * (the current code would take the new path).
   */
  predates?: (typeof PATCH_GENERATIONS)[number];
}

/**
 * The patches that each started a generation of recordings, oldest first. A history holds the marker of
 * every generation's patch it does not predate: none before the first, all of them when recorded today.
 */
export const PATCH_GENERATIONS = [
  FINTECTURE_AS_DOCUMENTED_PATCH,
  NOTIFY_ORDER_SYSTEM_PATCH,
  BUDGETED_QUIET_WAITING_PATCH,
  WATCH_ENDS_WITH_ITS_WAIT_PATCH,
  OUTCOME_AFTER_FINAL_SWEEP_PATCH,
] as const;

/**
 * Whether `recorded` (a catalogue entry) was recorded by code that already had `patch` (a generation's). Its
 * history then holds that marker, or a later generation's marker that implies it.
 */
export function recordedWith(recorded: RecordedPath, patch: (typeof PATCH_GENERATIONS)[number]): boolean {
  if (!recorded.predates) return true;
  return PATCH_GENERATIONS.indexOf(patch) < PATCH_GENERATIONS.indexOf(recorded.predates);
}

/** Recorded before FINTECTURE_AS_DOCUMENTED_PATCH; all but one before WAKE_ON_OUTCOME_PATCH too: no marker. */
const BEFORE_DOCUMENTED = { predates: FINTECTURE_AS_DOCUMENTED_PATCH, patches: [] } as const;

/**
 * Recorded after FINTECTURE_AS_DOCUMENTED_PATCH, before NOTIFY_ORDER_SYSTEM_PATCH: both markers of the code
 * then (the second one before the wait loop), no outcome events.
 */
const DOCUMENTED_PATCHES = [FINTECTURE_AS_DOCUMENTED_PATCH, WAKE_ON_OUTCOME_PATCH] as const;
const BEFORE_NOTIFY = { predates: NOTIFY_ORDER_SYSTEM_PATCH, patches: DOCUMENTED_PATCHES } as const;

/** Recorded after NOTIFY_ORDER_SYSTEM_PATCH, before BUDGETED_QUIET_WAITING_PATCH: three markers. */
const NOTIFY_PATCHES = [
  FINTECTURE_AS_DOCUMENTED_PATCH,
  NOTIFY_ORDER_SYSTEM_PATCH,
  WAKE_ON_OUTCOME_PATCH,
] as const;
const BEFORE_BUDGETED = { predates: BUDGETED_QUIET_WAITING_PATCH, patches: NOTIFY_PATCHES } as const;

/** Recorded after BUDGETED_QUIET_WAITING_PATCH, before WATCH_ENDS_WITH_ITS_WAIT_PATCH: its one marker. */
const BUDGETED_PATCHES = [BUDGETED_QUIET_WAITING_PATCH] as const;
const BEFORE_WATCH_ENDS = {
  predates: WATCH_ENDS_WITH_ITS_WAIT_PATCH,
  patches: BUDGETED_PATCHES,
} as const;

/** Recorded after WATCH_ENDS_WITH_ITS_WAIT_PATCH, before OUTCOME_AFTER_FINAL_SWEEP_PATCH: its one marker. */
const WATCH_ENDS_PATCHES = [WATCH_ENDS_WITH_ITS_WAIT_PATCH] as const;
const BEFORE_FINAL_SWEEP = {
  predates: OUTCOME_AFTER_FINAL_SWEEP_PATCH,
  patches: WATCH_ENDS_PATCHES,
} as const;

/** What every run of the current code records: one marker, which implies every earlier patch. */
const FINAL_SWEEP_PATCHES = [OUTCOME_AFTER_FINAL_SWEEP_PATCH] as const;

/** The path `settlesOnWebhookBesideTheWatch` records (scripts/record-histories.ts), in each generation since. */
const SETTLES_ON_WEBHOOK_BESIDE_THE_WATCH = {
  closes: 'completed',
  outcome: 'SETTLED',
  outcomeReason: 'completed',
  timeline: /^create,webhook$/,
  signals: 1,
  notifications: 'payout.created:not_configured,payout.settled:not_configured',
  activities: { createPayoutSession: 1, watchSession: 1, fetchPayout: 1, sweepDuplicates: 1 },
  cancelledActivities: { watchSession: 1 },
} as const;

export const RECORDED_PATHS: readonly RecordedPath[] = [
  {
    name: 'scenario1-webhook',
    ...BEFORE_DOCUMENTED,
    what: 'payout link; the payee submits; webhooks (one forged, one duplicate) wake the workflow; settles',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create,webhook,webhook$/,
    signals: 4,
  },
  {
    name: 'scenario1-redirect',
    ...BEFORE_DOCUMENTED,
    what: 'payout link; the payee submits and is redirected back; the redirect wakes the workflow; settles',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create,redirect$/,
    signals: 1,
  },
  {
    name: 'scenario1-polling',
    ...BEFORE_DOCUMENTED,
    what: 'payout link; the payee submits; no event arrives, polling alone follows it to settlement',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create(,poll)+$/,
    signals: 0,
  },
  {
    name: 'scenario2-settled',
    ...BEFORE_DOCUMENTED,
    what: 'verified beneficiary; polling follows the transfer to completed',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create(,poll)+$/,
    signals: 0,
  },
  {
    name: 'rejected',
    ...BEFORE_DOCUMENTED,
    what: 'verified beneficiary; the bank rejects the transfer (amount 400.01)',
    closes: 'completed',
    outcome: 'REJECTED',
    outcomeReason: 'insufficient_funds',
    timeline: /^create(,poll)+$/,
    signals: 0,
  },
  {
    name: 'expired',
    ...BEFORE_DOCUMENTED,
    what: 'payout link that expires at Fintecture (sandbox expire); the webhook says so',
    closes: 'completed',
    outcome: 'EXPIRED',
    outcomeReason: 'payment_expired',
    timeline: /^create,webhook$/,
    signals: 1,
  },
  {
    name: 'link-deadline',
    ...BEFORE_DOCUMENTED,
    what: 'payout link nobody uses: at expiry + grace the workflow cancels it itself',
    closes: 'completed',
    outcome: 'EXPIRED',
    outcomeReason: 'link_expired',
    timeline: /^create,poll$/,
    signals: 0,
  },
  {
    name: 'cancelled',
    ...BEFORE_DOCUMENTED,
    what: 'payout link cancelled through the `cancel` update before the payee acts',
    closes: 'completed',
    outcome: 'CANCELLED',
    outcomeReason: 'api_cancellation',
    timeline: /^create,operator$/,
    signals: 0,
    cancels: 1,
  },
  {
    name: 'needs-review',
    ...BEFORE_DOCUMENTED,
    what: 'verified beneficiary; the transfer stays blocked (409.00) past maxWaitSeconds',
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'poll_schedule_exhausted',
    timeline: /^create(,poll)*$/,
    signals: 0,
  },
  {
    name: 'continued-as-new',
    ...BEFORE_DOCUMENTED,
    what: 'a long poll loop (409.00 stuck) until the server suggests continue-as-new: the first run',
    closes: 'continuedAsNew',
    signals: 0,
  },
  {
    name: 'continued-as-new-resumed',
    ...BEFORE_DOCUMENTED,
    what: 'the run continue-as-new started, resuming from the carried state; settles',
    closes: 'completed',
    resumed: true,
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create(,poll)+$/,
    signals: 0,
  },
  {
    name: 'create-failed',
    ...BEFORE_DOCUMENTED,
    what: 'Fintecture refuses the create (422): parked for review without waiting',
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'create_failed:FintectureValidationFailed',
    timeline: /^$/,
    signals: 0,
  },
  {
    name: 'create-unconfirmed',
    ...BEFORE_DOCUMENTED,
    // Recorded after WAKE_ON_OUTCOME_PATCH (the only one of them).
    patches: [WAKE_ON_OUTCOME_PATCH],
    what: 'every create answer is ambiguous (503) for the 24 h a create may take: parked as possibly paid',
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'create_unconfirmed:FintectureAmbiguousOutcome',
    timeline: /^$/,
    signals: 0,
  },
  {
    name: 'session-not-found',
    ...BEFORE_DOCUMENTED,
    what: 'the session is unknown to Fintecture when the workflow looks (404)',
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'session_not_found',
    timeline: /^create$/,
    signals: 0,
  },
  {
    name: 'link-deadline-unresolved',
    ...BEFORE_DOCUMENTED,
    what: 'at the link deadline Fintecture refuses the cancel yet still waits for the payee',
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'link_deadline_unresolved',
    timeline: /^create$/,
    signals: 0,
  },

  // Fintecture as documented (FINTECTURE_AS_DOCUMENTED_PATCH), recorded against the sandbox's
  // `documented` profile, before NOTIFY_ORDER_SYSTEM_PATCH.
  {
    name: 'documented-scenario2-settled',
    ...BEFORE_NOTIFY,
    what: 'verified beneficiary; the create reads the whole list, finds no session and sends; swept after the create and at the end; polling follows the transfer to completed',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create(,poll)+$/,
    signals: 0,
    activities: { createPayoutSession: 1, identifySession: 0, sweepDuplicates: 2, createPayout: 0 },
  },
  {
    name: 'documented-scenario1-webhook',
    ...BEFORE_NOTIFY,
    what: "payout link (the guide's create answer has no status: the create reads it); the payee submits; webhooks (one forged, one duplicate) wake the workflow; settles",
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create,webhook,webhook$/,
    signals: 4,
    activities: { createPayoutSession: 1, identifySession: 0, sweepDuplicates: 2 },
  },
  {
    name: 'documented-create-ambiguous',
    ...BEFORE_NOTIFY,
    what: "two sessions carrying the order's reference already exist at Fintecture: the create sends nothing and the payout is parked",
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'create_ambiguous',
    timeline: /^$/,
    signals: 0,
    activities: { createPayoutSession: 1, sweepDuplicates: 0, fetchPayout: 0 },
  },
  {
    name: 'documented-duplicate-payout',
    ...BEFORE_NOTIFY,
    what: "while the create's POST is held (sandbox delay), another session with the order's reference commits, already paying: the sweep after the create cannot cancel it",
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'duplicate_payout',
    timeline: /^create$/,
    signals: 0,
    activities: { createPayoutSession: 1, sweepDuplicates: 1, fetchPayout: 0 },
  },
  {
    name: 'documented-adopted-from-event',
    ...BEFORE_NOTIFY,
    what: "payout link; the create's answer is lost (commit-then-drop) and its retry waits for a late commit; webhooks name a foreign session (not ours) then ours: identified and adopted, the create cancelled; the payee submits; settles",
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create,webhook$/,
    signals: 3,
    activities: { createPayoutSession: 1, identifySession: 2, sweepDuplicates: 2 },
  },
  {
    name: 'documented-unrecognised-state',
    ...BEFORE_NOTIFY,
    what: "verified beneficiary; every read shows a status and transfer state the docs do not list (payout_scheduled/returned, as the sandbox's foreign payouts do; the recorder rewrites the read answers, the sandbox cannot show them for a payout): nothing moves, and at maxWaitSeconds the payout is parked naming them",
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'unrecognised_state:payout_scheduled/returned',
    timeline: /^create$/,
    signals: 0,
    activities: { createPayoutSession: 1, sweepDuplicates: 2, cancelPayout: 0 },
  },
  {
    name: 'documented-link-deadline-cancel-failed',
    ...BEFORE_NOTIFY,
    what: 'payout link nobody uses; at expiry + grace the cancel fails (403): parked for review, not failed',
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'link_deadline_cancel_failed:FintectureForbidden',
    timeline: /^create$/,
    signals: 0,
    activities: { createPayoutSession: 1, cancelPayout: 1, sweepDuplicates: 2 },
  },

  // Outcome events to the order system (NOTIFY_ORDER_SYSTEM_PATCH): `payout.created` once the session
  // exists, the outcome's event at the end, delivered in the background by `notifyOrderSystem`.
  {
    name: 'notify-scenario2-settled',
    what: 'verified beneficiary; the worker has a receiver (NOTIFY_WEBHOOK_URL) that refuses the first delivery (503) then accepts: payout.created is delivered on its retry, then payout.settled; polling follows the transfer to completed',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create(,poll)+$/,
    signals: 0,
    ...BEFORE_BUDGETED,
    notifications: 'payout.created:delivered,payout.settled:delivered',
    activities: { createPayoutSession: 1, sweepDuplicates: 2, notifyOrderSystem: 2 },
  },
  {
    name: 'notify-not-configured',
    what: 'verified beneficiary; the worker has no NOTIFY_WEBHOOK_URL: notifyOrderSystem answers not configured for both events; polling follows the transfer to completed',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create(,poll)+$/,
    signals: 0,
    ...BEFORE_BUDGETED,
    notifications: 'payout.created:not_configured,payout.settled:not_configured',
    activities: { createPayoutSession: 1, sweepDuplicates: 2, notifyOrderSystem: 2 },
  },
  {
    name: 'notify-delivery-failed',
    what: "verified beneficiary; the worker's receiver refuses every delivery (503) and the payout's settings.notifyRetry gives each event 2 s: both events end failed in the view, the payout still settles",
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create(,poll)+$/,
    signals: 0,
    ...BEFORE_BUDGETED,
    notifications: 'payout.created:failed,payout.settled:failed',
    activities: { createPayoutSession: 1, sweepDuplicates: 2, notifyOrderSystem: 2 },
  },

  // Issue 15 (BUDGETED_QUIET_WAITING_PATCH): reads on the read queue, the rest on the write queue; scenario 1
  // waits quietly for its payee (one watchSession whose retries are the reads); upserts only on change.
  {
    name: 'budgeted-scenario2-settled',
    what: 'verified beneficiary; the first create attempt created the session after a clean search, so the only duplicate sweep is the final one; reads on the read queue, create and sweep on the write queue; polling follows the transfer to completed',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create(,poll)+$/,
    signals: 0,
    ...BEFORE_WATCH_ENDS,
    notifications: 'payout.created:not_configured,payout.settled:not_configured',
    activities: { createPayoutSession: 1, sweepDuplicates: 1, watchSession: 0, notifyOrderSystem: 2 },
  },
  {
    name: 'budgeted-scenario1-quiet-webhook',
    what: 'payout link; while the payee has not acted one watchSession waits quietly (4 h reads); the payee submits and the webhook is looked at beside the running watch (left to end at its next read); that read settles it',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create,webhook$/,
    signals: 1,
    ...BEFORE_WATCH_ENDS,
    notifications: 'payout.created:not_configured,payout.settled:not_configured',
    activities: { createPayoutSession: 1, watchSession: 1, fetchPayout: 1, sweepDuplicates: 1 },
    // Before WATCH_ENDS_WITH_ITS_WAIT_PATCH the watch was left running until the workflow closed.
    cancelledActivities: { watchSession: 0 },
  },
  {
    name: 'budgeted-scenario1-quiet-read',
    what: 'payout link; no webhook ever comes: the watch reads every second (quietPollSeconds 1), its unchanged reads leave no history, and the read that shows the payee acted ends it; polling follows the transfer to completed',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create,poll(,poll)*$/,
    signals: 0,
    ...BEFORE_WATCH_ENDS,
    notifications: 'payout.created:not_configured,payout.settled:not_configured',
    activities: { createPayoutSession: 1, watchSession: 1, sweepDuplicates: 1 },
  },
  {
    name: 'budgeted-transfer-watched',
    what: 'verified beneficiary; the transfer stays blocked (409.00) through the poll schedule, so a watch takes over the reading at its last delay; the sandbox then completes it and the watch returns that read',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create(,poll)+$/,
    signals: 0,
    ...BEFORE_WATCH_ENDS,
    notifications: 'payout.created:not_configured,payout.settled:not_configured',
    activities: { createPayoutSession: 1, watchSession: 1, sweepDuplicates: 1 },
  },

  // WATCH_ENDS_WITH_ITS_WAIT_PATCH: a watch ends with its wait (the outcome, the payee acting, a look that
  // moved the payout) instead of reading until the workflow closes.
  {
    name: 'watch-ends-scenario1-webhook',
    what: 'payout link; while the payee has not acted one watchSession waits quietly (4 h reads); the payee submits and the webhook is looked at beside the running watch: that read settles it, and the watch is cancelled with the outcome',
    ...SETTLES_ON_WEBHOOK_BESIDE_THE_WATCH,
    ...BEFORE_FINAL_SWEEP,
  },

  // OUTCOME_AFTER_FINAL_SWEEP_PATCH: the outcome is shown (query, search attributes) once the final
  // duplicate sweep has confirmed it.
  {
    name: 'final-sweep-scenario1-webhook',
    what: 'payout link; while the payee has not acted one watchSession waits quietly (4 h reads); the payee submits and the webhook is looked at beside the running watch: that read settles it, the watch is cancelled, and SETTLED is shown once the final sweep found no duplicate',
    ...SETTLES_ON_WEBHOOK_BESIDE_THE_WATCH,
    patches: FINAL_SWEEP_PATCHES,
    searchStatuses: /^AWAITING_PAYEE,SETTLED$/,
  },
  {
    name: 'final-sweep-duplicate-payout',
    what: "while the create's POST is held (sandbox delay), another session with the order's reference commits, already paying; the create proved its own session unique (no early sweep); the transfer completes and the final sweep finds the duplicate: NEEDS_REVIEW, and SETTLED was never shown",
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'duplicate_payout',
    timeline: /^create(,poll)+$/,
    signals: 0,
    patches: FINAL_SWEEP_PATCHES,
    // SETTLED was reached, held while the final sweep ran, and never upserted.
    searchStatuses: /^IN_PROGRESS,NEEDS_REVIEW$/,
    notifications: 'payout.created:not_configured,payout.needs_review:not_configured',
    activities: { createPayoutSession: 1, sweepDuplicates: 1 },
  },
];

export const HISTORIES_DIR = path.join(__dirname, 'histories');

export function historyFile(name: string): string {
  return path.join(HISTORIES_DIR, `${name}.json`);
}

/**
 * Histories kept from before a workflow change (`legacy/<patch-id>/*.json`): recorded by older code, they
 * stand for payouts still in flight when the change ships, so they keep replaying until the patch is
 * deprecated (docs/operator-guide.md). Names are paths relative to `histories/`, without `.json`.
 */
export const LEGACY_DIR = path.join(HISTORIES_DIR, 'legacy');

export function legacyHistoryNames(): string[] {
  if (!existsSync(LEGACY_DIR)) return [];
  return readdirSync(LEGACY_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .map((file) => path.join('legacy', file).replace(/\.json$/, ''))
    .sort();
}

/** The top-level history files (one per catalogue path). */
export function recordedFiles(): string[] {
  return readdirSync(HISTORIES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}

/** The order ID a recording uses: stable, so re-recording changes only what really changed. */
export function recordedOrderId(name: string): string {
  return `replay-${name.replace(/-resumed$/, '')}`;
}

export function readHistory(name: string): History {
  return historyFromJson(JSON.parse(readFileSync(historyFile(name), 'utf8')));
}

type HistoryEvent = NonNullable<History['events']>[number];

/**
 * Payloads in a history are encrypted (G5) with the committed test key (test/fixtures/codec-test-keys.json):
 * the recordings use the production data converter, so replay needs the same one.
 */
const codecs = () => testDataConverter().payloadCodecs ?? [];

async function decodePayload(payload: Payload | null | undefined): Promise<Payload> {
  if (!payload) throw new Error('history event without a payload');
  let decoded = [payload];
  for (const codec of [...codecs()].reverse()) decoded = await codec.decode(decoded);
  return decoded[0]!;
}

async function decode<T>(payload: Payload | null | undefined): Promise<T> {
  return defaultPayloadConverter.fromPayload<T>(await decodePayload(payload));
}

/** What a recorded run says about itself: enough to check it is the path its file name claims. */
export interface RunSummary {
  input: PayoutWorkflowInput;
  workflowId: string;
  closes: 'completed' | 'continuedAsNew' | 'other';
  result?: PayoutResult;
  continuedWith?: PayoutWorkflowInput;
  signals: number;
  cancels: number;
  /** The IDs of the `patched()` markers the run recorded, in order. */
  patches: string[];
  /** How many times the run scheduled each activity type. */
  activities: Record<string, number>;
  /** How many times the run asked to cancel an activity, by type. */
  cancelledActivities: Record<string, number>;
  /** The `PayoutStatus` values the run upserted, in order. */
  searchStatuses: string[];
}

/** The marker `patched()` records (SDK core): its `patch-data` detail names the patch, unencoded. */
const PATCH_MARKER = 'core_patch';

export async function summarize(history: History): Promise<RunSummary> {
  const events: HistoryEvent[] = history.events ?? [];
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error('the history does not begin with WorkflowExecutionStarted');
  const input = await decode<PayoutWorkflowInput>(started.input?.payloads?.[0]);
  const last = events.at(-1);
  const completed = last?.workflowExecutionCompletedEventAttributes;
  const continued = last?.workflowExecutionContinuedAsNewEventAttributes;
  return {
    input,
    workflowId: payoutWorkflowId(input.order.orderId),
    closes: completed ? 'completed' : continued ? 'continuedAsNew' : 'other',
    result: completed ? await decode<PayoutResult>(completed.result?.payloads?.[0]) : undefined,
    continuedWith: continued ? await decode<PayoutWorkflowInput>(continued.input?.payloads?.[0]) : undefined,
    signals: events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'payoutEvent')
      .length,
    cancels: events.filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'cancel',
    ).length,
    patches: events.flatMap((e) => {
      const marker = e.markerRecordedEventAttributes;
      if (marker?.markerName !== PATCH_MARKER) return [];
      const data = marker.details?.['patch-data']?.payloads?.[0];
      return data ? [defaultPayloadConverter.fromPayload<{ id: string }>(data).id] : [];
    }),
    activities: events.reduce<Record<string, number>>((counts, e) => {
      const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (type) counts[type] = (counts[type] ?? 0) + 1;
      return counts;
    }, {}),
    cancelledActivities: cancelRequestsByType(events),
    searchStatuses: events.flatMap((e) => {
      const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
      const status = fields?.[PayoutStatus.name];
      // Search attribute payloads are never encrypted (the server indexes them).
      return status ? [String(defaultPayloadConverter.fromPayload<unknown>(status))] : [];
    }),
  };
}

function cancelRequestsByType(events: readonly HistoryEvent[]): Record<string, number> {
  const typeOf = new Map<string, string>();
  const counts: Record<string, number> = {};
  for (const e of events) {
    const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (type) typeOf.set(String(e.eventId), type);
    const requested = e.activityTaskCancelRequestedEventAttributes;
    if (requested) {
      const cancelled = typeOf.get(String(requested.scheduledEventId)) ?? 'unknown';
      counts[cancelled] = (counts[cancelled] ?? 0) + 1;
    }
  }
  return counts;
}

/** Every way `summary` differs from what `expected` promises; empty when the recording is that path. */
export function mismatches(expected: RecordedPath, summary: RunSummary): string[] {
  const problems: string[] = [];
  const check = (what: string, ok: boolean, actual: unknown) => {
    if (!ok) problems.push(`${expected.name}: ${what} (got ${JSON.stringify(actual)})`);
  };
  check(`ends as ${expected.closes}`, summary.closes === expected.closes, summary.closes);
  const resumed = Boolean(summary.input.resume);
  check(`resumed run: ${Boolean(expected.resumed)}`, resumed === Boolean(expected.resumed), resumed);
  if (expected.closes === 'continuedAsNew') {
    check(
      'carries its state into the next run',
      Boolean(summary.continuedWith?.resume),
      summary.continuedWith,
    );
  }
  const { result } = summary;
  if (expected.outcome)
    check(`outcome ${expected.outcome}`, result?.outcome === expected.outcome, result?.outcome);
  if (expected.outcomeReason) {
    const reason = result?.outcomeReason;
    check(`reason ${expected.outcomeReason}`, reason === expected.outcomeReason, reason);
  }
  if (expected.timeline) {
    const sources = (result?.timeline ?? []).map((entry) => entry.source as TimelineSource).join(',');
    check(`timeline ${expected.timeline}`, expected.timeline.test(sources), sources);
  }
  if (expected.signals !== undefined) {
    check(`${expected.signals} signals`, summary.signals === expected.signals, summary.signals);
  }
  const cancels = expected.cancels ?? 0;
  check(`${cancels} cancel updates`, summary.cancels === cancels, summary.cancels);
  const patches = [...(expected.patches ?? [])].sort();
  const recorded = [...summary.patches].sort();
  check(`patch markers [${patches.join(', ')}]`, recorded.join() === patches.join(), summary.patches);
  if (expected.notifications !== undefined) {
    const notifications = (result?.notifications ?? [])
      .map((entry) => `${entry.type}:${entry.status}`)
      .join(',');
    check(`notifications ${expected.notifications}`, notifications === expected.notifications, notifications);
  }
  if (expected.searchStatuses) {
    const statuses = summary.searchStatuses.join(',');
    check(
      `PayoutStatus upserts ${expected.searchStatuses}`,
      expected.searchStatuses.test(statuses),
      statuses,
    );
  }
  for (const [type, count] of Object.entries(expected.activities ?? {})) {
    const scheduled = summary.activities[type] ?? 0;
    check(`${count} × ${type} scheduled`, scheduled === count, scheduled);
  }
  for (const [type, count] of Object.entries(expected.cancelledActivities ?? {})) {
    const cancelled = summary.cancelledActivities[type] ?? 0;
    check(`${count} × ${type} cancel requested`, cancelled === count, cancelled);
  }
  return problems;
}

/**
 * Secrets a history must never hold (G5): the workflow only ever sees a token's expiry, never the token,
 * the app secret or the signing key, nor the order system's webhook secret (`whsec_…`). Searched in the
 * file's text and in every payload, decrypted. `extra` adds literal values, e.g. the sandbox's app secret
 * when recording.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /access_token/i,
  /\bBearer\s+[A-Za-z0-9._~+/-]+/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /app_secret|client_secret|appSecret/i,
  /whsec_[A-Za-z0-9+/]/,
];

export async function findSecrets(jsonText: string, extra: readonly string[] = []): Promise<string[]> {
  const payloads: Payload[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record.data === 'string' && record.metadata && typeof record.metadata === 'object') {
      const metadata = record.metadata as Record<string, string>;
      payloads.push({
        metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
        data: Buffer.from(record.data, 'base64'),
      });
    }
    Object.values(record).forEach(visit);
  };
  visit(JSON.parse(jsonText));
  const texts = [jsonText];
  for (const payload of payloads) {
    texts.push(Buffer.from((await decodePayload(payload)).data ?? new Uint8Array()).toString('utf8'));
  }
  const found = new Set<string>();
  for (const text of texts) {
    for (const pattern of SECRET_PATTERNS) if (pattern.test(text)) found.add(String(pattern));
    for (const value of extra) if (value && text.includes(value)) found.add('a known secret value');
  }
  return [...found];
}

/** How many payloads of a history file are not encrypted (G5: none but search attributes). */
/**
 * Payloads the Temporal server writes itself, past every codec: a constant, no data. An activity cancelled
 * before it started (a quiet wait's watch between two reads) ends with these details.
 */
const SERVER_WRITTEN_PAYLOADS = new Set(['"ACTIVITY_ID_NOT_STARTED"']);

export function clearPayloads(jsonText: string): number {
  let clear = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record.data === 'string' && record.metadata && typeof record.metadata === 'object') {
      const encoding = (record.metadata as Record<string, string>).encoding;
      const serverWritten = SERVER_WRITTEN_PAYLOADS.has(Buffer.from(record.data, 'base64').toString());
      if (
        !serverWritten &&
        (!encoding || Buffer.from(encoding, 'base64').toString() !== ENCRYPTED_ENCODING)
      ) {
        clear += 1;
      }
    }
    // Search attributes are indexed by the server, so never encoded: IDs and states only, by design. A
    // `patched()` marker's `patch-data` is written by the SDK core past the codec: the patch ID only.
    for (const [key, value] of Object.entries(record))
      if (key !== 'searchAttributes' && key !== 'patch-data') visit(value);
  };
  visit(JSON.parse(jsonText));
  return clear;
}
