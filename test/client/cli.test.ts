import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CliIo } from '../../client/cli/commands';
import { runTestCli } from '../support/cli';
import { startContractWorker, type ContractWorker } from '../support/ingress-harness';
import { TEST_BIC, TEST_IBAN } from '../support/payout-bodies';
import { uniqueId } from '../support/temporal';
import { eventually } from '../support/wait';
import { tsxNodeArgs } from '../../scripts/service-process';

let worker: ContractWorker;
beforeAll(async () => {
  worker = await startContractWorker();
});
afterAll(async () => {
  await worker?.stop();
});

const cli = (argv: string[], env: Record<string, string> = {}, openService?: CliIo['openService']) =>
  runTestCli(argv, { taskQueue: worker.taskQueue, env, ...(openService ? { openService } : {}) });

const neverConnect: CliIo['openService'] = async () => {
  throw new Error('the CLI must not connect for this');
};

const startArgs = (orderId: string, extra: string[] = []) => [
  'start',
  '--order',
  orderId,
  '--amount',
  '26.99',
  '--communication',
  'MyShop REFUND',
  '--payee-name',
  'John Doe',
  ...extra,
];

describe('usage errors exit with 2', () => {
  it.each([
    [[], /Usage:/],
    [['launch'], /unknown command "launch"/],
    [['start', '--colour', 'red'], /Unknown option '--colour'/],
    [['show'], /expected exactly one ORDER_ID/],
    [['list', '--limit', '0'], /--limit must be/],
    [['cancel', 'x', '--by', 'john@doe.example'], /--by must be/],
  ])('%j', async (argv, message) => {
    const result = await cli(argv as string[], {}, neverConnect);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('validation errors name the flags, and nothing is started', async () => {
    const result = await cli(
      ['start', '--order', 'bad id', '--amount', '26.999', '--communication', 'x', '--iban', 'FR00'],
      {},
      neverConnect,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--order (orderId):');
    expect(result.stderr).toContain('--amount (amount):');
    expect(result.stderr).toContain('--payee-name (payee.name):');
    expect(result.stderr).toContain('--iban (beneficiary.iban):');
    expect(result.stderr).toContain('--bic (beneficiary.bic):');
    expect(result.stderr).not.toContain('FR00');
  });

  it('a bad Temporal setting is a usage error naming the variable', async () => {
    const result = await cli(['show', 'x'], { TEMPORAL_ADDRESS: 'nowhere' }, neverConnect);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TEMPORAL_ADDRESS must be host:port');
  });
});

describe('against Temporal', () => {
  it('start, start again, show, list and cancel a payee-link payout', async () => {
    const orderId = uniqueId('order');
    const started = await cli(startArgs(orderId, ['--delivery', 'link']));
    expect(started).toMatchObject({ code: 0, stderr: '' });
    expect(started.stdout).toContain(`Started payout for order ${orderId} (workflow payout-${orderId})`);
    expect(started.stdout).toContain(`Payee link: https://pay.example/${orderId}`);

    const again = await cli(startArgs(orderId));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Found existing payout for order ${orderId}`);

    const shown = await cli(['show', orderId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/scenario\s+1 \(payee link\)/);
    expect(shown.stdout).toMatch(/timeline\n\s+\S+Z\s+create\s+iban_required/);

    const listed = await eventually(
      () => cli(['list', '--status', 'CREATING', '--limit', '1000']),
      (result) => result.stdout.includes(orderId),
      { what: 'the payout in the list' },
    );
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ORDER\s+STATUS\s+SCENARIO/);

    const cancelled = await cli(['cancel', orderId, '--by', 'support']);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain('Cancelled');
  });

  it('starts from a JSON file; a refused cancel and an unknown order exit with 1', async () => {
    const orderId = uniqueId('order');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'cli-')), 'order.json');
    writeFileSync(
      file,
      JSON.stringify({
        orderId,
        amount: '10.00',
        currency: 'EUR',
        communication: 'Refund',
        payee: { name: 'John Doe' },
        beneficiary: { name: 'John Doe', iban: TEST_IBAN, bic: TEST_BIC },
      }),
    );
    const started = await cli(['start', '--json', file]);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/scenario\s+2 \(verified beneficiary\)/);

    const refused = await cli(['cancel', orderId]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Not cancelled: The payout can no longer be cancelled');

    const unknown = await cli(['show', uniqueId('order')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No payout for order/);
  });

  it('says so when Temporal is unreachable, with exit code 1', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await cli(['show', 'x'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Temporal is unavailable');
  });
});

describe('the executable', () => {
  it('exits with the code runCli returns', () => {
    const run = spawnSync(
      process.execPath,
      [...tsxNodeArgs('client/cli/main.ts'), 'start', '--amount', 'x'],
      {
        env: { PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--amount (amount):');
  });
});
