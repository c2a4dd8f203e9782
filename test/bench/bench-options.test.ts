/**
 * Which `npm run bench` is a default run: results.json says so (`mode`), and the figures must come
 * from one. Settings that change no figure keep it default; any size or rate makes it custom.
 */
import { defaultOptions, optionsFromEnv } from '../../bench/run';

it('stays a default run with only where results go, kept data and the time limit changed', () => {
  const options = optionsFromEnv({
    BENCH_KEEP_DATA: '1',
    BENCH_TIME_LIMIT_MINUTES: '120',
    BENCH_OUT_DIR: '/tmp/bench-elsewhere',
  });
  expect(options.mode).toBe('default');
  expect(options.timeLimitMs).toBe(120 * 60_000);
  expect(options.keepData).toBe(true);
  expect(options.waitingSizes).toEqual(defaultOptions().waitingSizes);
});

it.each([
  ['BENCH_SIZES', '100,1000'],
  ['BENCH_READS_PER_SECOND', '50'],
  ['BENCH_WEEK_SAMPLE', '0'],
  ['BENCH_PACED_WEBHOOKS', '100'],
  ['BENCH_PACED_WEBHOOKS_PER_SECOND', '5'],
  ['BENCH_WORKER_HEAP_GROWING_PERCENT', '0'],
])('is a custom run with %s set', (name, value) => {
  expect(optionsFromEnv({ [name]: value }).mode).toBe('custom');
});

it('a default run measures the 10 000-open level and 10 000 payouts end to end', () => {
  expect(optionsFromEnv({}).waitingSizes).toEqual([100, 1000, 10_000]);
  expect(optionsFromEnv({}).e2eSizes).toEqual([100, 1000, 10_000]);
});

it('keeps a custom run short: BENCH_SIZES alone caps the end-to-end series at 1000 payouts', () => {
  expect(optionsFromEnv({ BENCH_SIZES: '100,10000' }).e2eSizes).toEqual([100]);
  expect(optionsFromEnv({ BENCH_SIZES: '100,10000', BENCH_E2E_SIZES: '10000' }).e2eSizes).toEqual([10_000]);
});

it('passes dynamic-config values to the dev server, and names the variable when one is malformed', () => {
  expect(
    optionsFromEnv({ BENCH_SERVER_DYNAMIC_CONFIG: 'history.cacheMaxSize=20000, limit.x=2' })
      .serverDynamicConfig,
  ).toEqual(['history.cacheMaxSize=20000', 'limit.x=2']);
  expect(optionsFromEnv({}).serverDynamicConfig).toEqual([]);
  expect(() => optionsFromEnv({ BENCH_SERVER_DYNAMIC_CONFIG: 'history.cacheMaxSize' })).toThrow(
    /BENCH_SERVER_DYNAMIC_CONFIG: "history.cacheMaxSize" is not key=value/,
  );
});

it("gives the worker's heap growth limit only when set, 0 included (V8's own factor)", () => {
  expect(optionsFromEnv({}).workerHeapGrowingPercent).toBeUndefined();
  expect(optionsFromEnv({ BENCH_WORKER_HEAP_GROWING_PERCENT: '0' }).workerHeapGrowingPercent).toBe(0);
  expect(optionsFromEnv({ BENCH_WORKER_HEAP_GROWING_PERCENT: '100' }).workerHeapGrowingPercent).toBe(100);
});
