import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { FAILURE_CONVERTER_PATH } from '../../common/codec-config';
import { PROJECT_ROOT } from '../../scripts/temporal-dev-server';
import { WORKFLOWS_PATH } from '../../workers/payout-worker';
import {
  BUDGETED_QUIET_WAITING_PATCH,
  FINTECTURE_AS_DOCUMENTED_PATCH,
  NOTIFY_ORDER_SYSTEM_PATCH,
  OUTCOME_AFTER_FINAL_SWEEP_PATCH,
  WATCH_ENDS_WITH_ITS_WAIT_PATCH,
} from '../../workflows/payout-workflow';
import {
  DEMO_PATCH_ID,
  payoutWorkflowVariantSource,
  writePayoutWorkflowVariant,
} from '../fixtures/payout-workflow-variants';
import { testDataConverter } from '../support/codec';
import { uniqueId } from '../support/temporal';
import {
  clearPayloads,
  findSecrets,
  historyFile,
  legacyHistoryNames,
  mismatches,
  PATCH_GENERATIONS,
  readHistory,
  RECORDED_PATHS,
  recordedFiles,
  recordedWith,
  summarize,
  type RecordedPath,
} from './recorded-paths';

// G6: the recorded history of every path replays against the current workflow code. A failure here means
// a change to workflows/ is not replay-safe: guard it with patched() (docs/operator-guide.md), or, for a
// deliberate new path, record it (`npm run record-histories`).

const NAMES = RECORDED_PATHS.map((p) => p.name);

/** The workflow code workers run: the run's prebundled code (Jest globalSetup), else the sources. */
const CURRENT_CODE: Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath'> = process.env
  .TEMPORAL_TEST_WORKFLOW_BUNDLE
  ? { workflowBundle: { codePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE } }
  : { workflowsPath: WORKFLOWS_PATH };

/** Replays every recorded history with `code`; answers each one's error (undefined: replayed cleanly). */
async function replayAll(
  code: Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath'>,
  names: string[] = NAMES,
): Promise<Record<string, Error | undefined>> {
  const histories = await Promise.all(
    names.map(async (name) => {
      const history = readHistory(name);
      // The real workflow ID: the workflow shows it in its status view, which continue-as-new carries.
      return { name, history, workflowId: (await summarize(history)).workflowId };
    }),
  );
  const results: Record<string, Error | undefined> = {};
  const replays = Worker.runReplayHistories(
    { ...code, dataConverter: testDataConverter(), replayName: uniqueId('replay') },
    histories.map(({ history, workflowId }) => ({ history, workflowId })),
  );
  // One at a time, in order.
  let index = 0;
  for await (const result of replays) results[histories[index++]!.name] = result.error;
  expect(Object.keys(results)).toEqual(names);
  return results;
}

const describeErrors = (results: Record<string, Error | undefined>) =>
  Object.fromEntries(
    Object.entries(results).map(([name, error]) => [name, error ? `${error.name}: ${error.message}` : 'ok']),
  );

describe('recorded histories (test/replay/histories)', () => {
  it.each(NAMES)('%s is recorded', (name) => {
    expect(existsSync(historyFile(name))).toBe(true);
  });

  it('holds no file outside the catalogue (test/replay/recorded-paths.ts)', () => {
    expect(recordedFiles()).toEqual(NAMES.map((name) => `${name}.json`).sort());
  });

  it.each(RECORDED_PATHS)('$name is the path it claims, without secrets, encrypted', async (expected) => {
    expect(mismatches(expected, await summarize(readHistory(expected.name)))).toEqual([]);
    const text = readFileSync(historyFile(expected.name), 'utf8');
    expect(await findSecrets(text)).toEqual([]);
    expect(clearPayloads(text)).toBe(0);
  });

  it.each(PATCH_GENERATIONS)(
    'holds the %s marker (or a later one, which implies it) in every history but those recorded before it',
    async (patch) => {
      const impliedBy: readonly string[] = PATCH_GENERATIONS.slice(PATCH_GENERATIONS.indexOf(patch));
      const marked = async (name: string) =>
        (await summarize(readHistory(name))).patches.some((marker) => impliedBy.includes(marker));
      const markers = Object.fromEntries(
        await Promise.all(RECORDED_PATHS.map(async (p) => [p.name, await marked(p.name)] as const)),
      );
      expect(markers).toEqual(
        Object.fromEntries(RECORDED_PATHS.map((p) => [p.name, recordedWith(p, patch)])),
      );
      // Both generations are there: the old path's proof, and the new path's.
      expect(new Set(Object.values(markers))).toEqual(new Set([true, false]));
    },
  );

  it('names the generations in order: a path that predates a patch holds no later one', () => {
    expect(PATCH_GENERATIONS).toEqual([
      FINTECTURE_AS_DOCUMENTED_PATCH,
      NOTIFY_ORDER_SYSTEM_PATCH,
      BUDGETED_QUIET_WAITING_PATCH,
      WATCH_ENDS_WITH_ITS_WAIT_PATCH,
      OUTCOME_AFTER_FINAL_SWEEP_PATCH,
    ]);
    const generation = (predates: RecordedPath['predates']) => {
      const recorded = RECORDED_PATHS.find((p) => p.predates === predates)!;
      return PATCH_GENERATIONS.map((patch) => recordedWith(recorded, patch));
    };
    expect(generation(FINTECTURE_AS_DOCUMENTED_PATCH)).toEqual([false, false, false, false, false]);
    expect(generation(NOTIFY_ORDER_SYSTEM_PATCH)).toEqual([true, false, false, false, false]);
    expect(generation(BUDGETED_QUIET_WAITING_PATCH)).toEqual([true, true, false, false, false]);
    expect(generation(WATCH_ENDS_WITH_ITS_WAIT_PATCH)).toEqual([true, true, true, false, false]);
    expect(generation(OUTCOME_AFTER_FINAL_SWEEP_PATCH)).toEqual([true, true, true, true, false]);
    expect(generation(undefined)).toEqual([true, true, true, true, true]);
  });
});

describe('the history checks themselves', () => {
  it('find a token or key inside an encrypted payload, and count payloads left in clear', async () => {
    const [codec] = testDataConverter().payloadCodecs ?? [];
    const plain = {
      metadata: { encoding: Buffer.from('json/plain') },
      data: Buffer.from('"Bearer eyJhbGciOi.x"'),
    };
    const [sealed] = await codec!.encode([plain]);
    const asJson = (payload: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
      metadata: Object.fromEntries(
        Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(payload.data ?? []).toString('base64'),
    });
    const file = (payload: object) => JSON.stringify({ events: [{ input: { payloads: [payload] } }] });
    expect(await findSecrets(file(asJson(sealed!)))).toEqual([expect.stringContaining('Bearer')]);
    expect(clearPayloads(file(asJson(sealed!)))).toBe(0);
    expect(clearPayloads(file(asJson(plain)))).toBe(1);
    expect(await findSecrets(file(asJson(sealed!)), ['eyJhbGciOi'])).toContain('a known secret value');
  });
});

describe('replay against the current workflow code', () => {
  it('replays every recorded history, and every legacy one, without non-determinism', async () => {
    const names = [...NAMES, ...legacyHistoryNames()];
    const results = await replayAll(CURRENT_CODE, names);
    expect(describeErrors(results)).toEqual(Object.fromEntries(names.map((name) => [name, 'ok'])));
  });
});

describe('a workflow change guarded by patched() stays replay-safe', () => {
  const variantsDir = path.join(PROJECT_ROOT, '.data', 'test', uniqueId('replay-variants'));
  const bundles: Partial<Record<'patched' | 'unpatched', string>> = {};

  beforeAll(async () => {
    await Promise.all(
      (['patched', 'unpatched'] as const).map(async (kind) => {
        const { code } = await bundleWorkflowCode({
          workflowsPath: writePayoutWorkflowVariant(kind, variantsDir),
          failureConverterPath: FAILURE_CONVERTER_PATH,
          logger: new DefaultLogger('WARN'),
        });
        bundles[kind] = code;
      }),
    );
  }, 120_000);
  afterAll(() => rmSync(variantsDir, { recursive: true, force: true }));

  it('the variants carry the change (guarded by the patch in one, unguarded in the other)', () => {
    expect(payoutWorkflowVariantSource('patched')).toContain(`__patched(${JSON.stringify(DEMO_PATCH_ID)})`);
    expect(payoutWorkflowVariantSource('unpatched')).not.toContain('__patched(');
    expect(payoutWorkflowVariantSource('unpatched')).toContain(
      "if (!payout.outcome) await __look(payout, 'poll');",
    );
  });

  it('with patched(), the changed workflow replays every recorded history', async () => {
    const results = await replayAll({ workflowBundle: { code: bundles.patched! } });
    expect(describeErrors(results)).toEqual(Object.fromEntries(NAMES.map((name) => [name, 'ok'])));
  });

  it('without patched(), the same change fails replay with a DeterminismViolationError', async () => {
    const results = await replayAll({ workflowBundle: { code: bundles.unpatched! } });
    // The change runs once the create (and on the documented path, the sweep after it) leaves the payout
    // unfinished: only histories that end before, or a resumed run, are unaffected.
    const unaffected = new Set([
      'create-failed',
      'create-unconfirmed',
      'continued-as-new-resumed',
      'documented-create-ambiguous',
      'documented-duplicate-payout',
    ]);
    const verdict = (error: Error | undefined) =>
      !error ? 'ok' : error instanceof DeterminismViolationError ? 'non-deterministic' : String(error);
    expect(Object.fromEntries(NAMES.map((name) => [name, verdict(results[name])]))).toEqual(
      Object.fromEntries(NAMES.map((name) => [name, unaffected.has(name) ? 'ok' : 'non-deterministic'])),
    );
  });
});
