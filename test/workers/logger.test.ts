import { readFileSync } from 'node:fs';
import path from 'node:path';
import { log as activityLog } from '@temporalio/activity';
import { type LogLevel } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { LogTimestamp } from '@temporalio/worker';
import { jsonLogger } from '../../workers/logger';
import { logFiles } from '../support/log-file';

/** PEM-shaped text that is no key (test/fixtures): no private-key-shaped text outside the fixtures. */
const PEM_SHAPED_TEXT = readFileSync(path.join(__dirname, '../fixtures/not-a-private-key.pem'), 'utf8');

/** The worker's Temporal `Logger` over pino, writing through a real pino destination (a file, synchronously). */

const logFile = logFiles('worker-logger-');
const loggerToFile = (level?: LogLevel) => logFile((destination) => jsonLogger(level, destination));

function logEveryLevel(logger: ReturnType<typeof jsonLogger>) {
  logger.trace('a trace');
  logger.debug('a debug');
  logger.info('an info');
  logger.warn('a warning');
  logger.error('an error');
  logger.log('INFO', 'through log()');
}

it.each<[LogLevel, string[]]>([
  ['TRACE', ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'INFO']],
  ['DEBUG', ['DEBUG', 'INFO', 'WARN', 'ERROR', 'INFO']],
  ['INFO', ['INFO', 'WARN', 'ERROR', 'INFO']],
  ['WARN', ['WARN', 'ERROR']],
  ['ERROR', ['ERROR']],
])(
  'at WORKER_LOG_LEVEL=%s writes only that level and above, labelled as Temporal names them',
  (level, written) => {
    const { logger, lines } = loggerToFile(level);
    logEveryLevel(logger);
    expect(lines().map((line) => line.level)).toEqual(written);
  },
);

it("writes the SDK's warning about an activity-only worker (the read and write queues) at DEBUG only", () => {
  const notice = 'No workflows registered, not polling for workflow tasks';
  const fromSdk = { sdkComponent: 'worker', taskQueue: 'payouts-fintecture-reads' };
  const atInfo = loggerToFile('INFO');
  atInfo.logger.warn(notice, fromSdk);
  atInfo.logger.warn(notice, { orderId: 'order-1' });
  atInfo.logger.warn('Worker state changed', fromSdk);
  expect(atInfo.lines().map((line) => [line.level, line.msg, line.sdkComponent])).toEqual([
    ['WARN', notice, undefined],
    ['WARN', 'Worker state changed', 'worker'],
  ]);
  const atDebug = loggerToFile('DEBUG');
  atDebug.logger.warn(notice, fromSdk);
  expect(atDebug.lines().map((line) => [line.level, line.msg])).toEqual([['DEBUG', notice]]);
});

it('defaults to INFO', () => {
  const { logger, lines } = loggerToFile();
  logEveryLevel(logger);
  expect(lines().map((line) => line.msg)).toEqual(['an info', 'a warning', 'an error', 'through log()']);
});

it('writes `at` from the entry timestamp, `msg` and the metadata, bigints as strings', () => {
  const { logger, lines, text } = loggerToFile();
  const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  logger.info('payout worker started', {
    [LogTimestamp]: BigInt(at) * 1_000_000n,
    orderId: 'order-1',
    attempt: 2,
    nanos: 12345678901234567890n,
    nested: { sequence: 7n },
  });
  expect(lines()).toEqual([
    {
      level: 'INFO',
      at: '2026-01-02T03:04:05.678Z',
      orderId: 'order-1',
      attempt: 2,
      nanos: '12345678901234567890',
      nested: { sequence: '7' },
      msg: 'payout worker started',
    },
  ]);
  // What the process stack and the benchmarks wait for.
  expect(text()).toContain('"payout worker started"');
  expect(text()).toContain('"orderId":"order-1"');
});

it('censors personal data and secrets that reach the metadata', () => {
  const { logger, lines, text } = loggerToFile('DEBUG');
  logger.debug('Fintecture call', {
    orderId: 'order-1',
    beneficiary: { name: 'John Doe', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPXXX' },
    payee: { name: 'Jane Roe', email: 'jane@roe.example', phone: '+33601020304' },
    headers: { authorization: 'Bearer token-0123456789' },
    access_token: 'token-0123456789',
    privateKey: PEM_SHAPED_TEXT,
  });
  for (const value of [
    'John Doe',
    'FR1420041010050500013M02606',
    'PSSTFRPPXXX',
    'Jane Roe',
    'jane@roe.example',
  ]) {
    expect(text()).not.toContain(value);
  }
  expect(text()).not.toContain('+33601020304');
  expect(text()).not.toContain('token-0123456789');
  expect(text()).not.toContain(PEM_SHAPED_TEXT.split('\n')[0]);
  expect(lines()[0]).toMatchObject({
    orderId: 'order-1',
    beneficiary: { iban: '[redacted]' },
    msg: 'Fintecture call',
  });
});

it("carries an activity's Context.log lines, with the activity's metadata", async () => {
  const { logger, lines } = loggerToFile();
  const env = new MockActivityEnvironment({ activityType: 'createPayout' }, { logger });
  await env.run(async () => activityLog.info('Fintecture payout created', { sessionId: 'session-1' }));
  expect(lines()).toEqual([
    expect.objectContaining({
      level: 'INFO',
      msg: 'Fintecture payout created',
      sessionId: 'session-1',
      activityType: 'createPayout',
      sdkComponent: 'activity',
    }),
  ]);
});
