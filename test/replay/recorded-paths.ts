import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING } from '../../common/payload-codec';
import { testDataConverter } from '../support/codec';
import { historyFromJson, type History } from './history-json';
import {
  payoutWorkflowId,
  type PayoutResult,
  type PayoutWorkflowInput,
  type TimelineSource,
} from '../../workflows/messages';

/**
 * The catalogue of recorded workflow histories (DESIGN.md §5 G6): one per path through PayoutWorkflow.
 * `scripts/record-histories.ts` records them, test/replay/replay.test.ts replays every one against the
 * current workflow code and fails when a file is missing. Adding a path here without recording it fails
 * the replay suite, as it should.
 */
export interface RecordedPath {
  name: string;
  /** How the recording drives it (the script does exactly this). */
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
}

export const RECORDED_PATHS: readonly RecordedPath[] = [
  {
    name: 'scenario1-webhook',
    what: 'payout link; the payee submits; webhooks (one forged, one duplicate) wake the workflow; settles',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create,webhook,webhook$/,
    signals: 4,
  },
  {
    name: 'scenario1-redirect',
    what: 'payout link; the payee submits and is redirected back; the redirect wakes the workflow; settles',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create,redirect$/,
    signals: 1,
  },
  {
    name: 'scenario1-polling',
    what: 'payout link; the payee submits; no event arrives, polling alone follows it to settlement',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create(,poll)+$/,
    signals: 0,
  },
  {
    name: 'scenario2-settled',
    what: 'verified beneficiary; polling follows the transfer to completed',
    closes: 'completed',
    outcome: 'SETTLED',
    outcomeReason: 'completed',
    timeline: /^create(,poll)+$/,
    signals: 0,
  },
  {
    name: 'rejected',
    what: 'verified beneficiary; the bank rejects the transfer (amount 400.01)',
    closes: 'completed',
    outcome: 'REJECTED',
    outcomeReason: 'insufficient_funds',
    timeline: /^create(,poll)+$/,
    signals: 0,
  },
  {
    name: 'expired',
    what: 'payout link that expires at Fintecture (sandbox expire); the webhook says so',
    closes: 'completed',
    outcome: 'EXPIRED',
    outcomeReason: 'payment_expired',
    timeline: /^create,webhook$/,
    signals: 1,
  },
  {
    name: 'link-deadline',
    what: 'payout link nobody uses: at expiry + grace the workflow cancels it itself',
    closes: 'completed',
    outcome: 'EXPIRED',
    outcomeReason: 'link_expired',
    timeline: /^create,poll$/,
    signals: 0,
  },
  {
    name: 'cancelled',
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
    what: 'verified beneficiary; the transfer stays blocked (409.00) past maxWaitSeconds',
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'poll_schedule_exhausted',
    timeline: /^create(,poll)*$/,
    signals: 0,
  },
  {
    name: 'continued-as-new',
    what: 'a long poll loop (409.00 stuck) until the server suggests continue-as-new: the first run',
    closes: 'continuedAsNew',
    signals: 0,
  },
  {
    name: 'continued-as-new-resumed',
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
    what: 'Fintecture refuses the create (422): parked for review without waiting',
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'create_failed:FintectureValidationFailed',
    timeline: /^$/,
    signals: 0,
  },
  {
    name: 'create-unconfirmed',
    what: 'every create answer is ambiguous (503) for the 24 h a create may take: parked as possibly paid',
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'create_unconfirmed:FintectureAmbiguousOutcome',
    timeline: /^$/,
    signals: 0,
  },
  {
    name: 'session-not-found',
    what: 'the session is unknown to Fintecture when the workflow looks (404)',
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'session_not_found',
    timeline: /^create$/,
    signals: 0,
  },
  {
    name: 'link-deadline-unresolved',
    what: 'at the link deadline Fintecture refuses the cancel yet still waits for the payee',
    closes: 'completed',
    outcome: 'NEEDS_REVIEW',
    outcomeReason: 'link_deadline_unresolved',
    timeline: /^create$/,
    signals: 0,
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
}

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
  };
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
  return problems;
}

/**
 * Secrets a history must never hold (G5): the workflow only ever sees a token's expiry, never the token,
 * the app secret or the signing key. Searched in the file's text and in every payload, decrypted.
 * `extra` adds literal values, e.g. the sandbox's app secret when recording.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /access_token/i,
  /\bBearer\s+[A-Za-z0-9._~+/-]+/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /app_secret|client_secret|appSecret/i,
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
export function clearPayloads(jsonText: string): number {
  let clear = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record.data === 'string' && record.metadata && typeof record.metadata === 'object') {
      const encoding = (record.metadata as Record<string, string>).encoding;
      if (!encoding || Buffer.from(encoding, 'base64').toString() !== ENCRYPTED_ENCODING) clear += 1;
    }
    // Search attributes are indexed by the server, so never encoded: IDs and states only, by design. A
    // `patched()` marker's `patch-data` is written by the SDK core past the codec: the patch ID only.
    for (const [key, value] of Object.entries(record))
      if (key !== 'searchAttributes' && key !== 'patch-data') visit(value);
  };
  visit(JSON.parse(jsonText));
  return clear;
}
