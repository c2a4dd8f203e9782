/**
 * The PostgreSQL statement profile of `bench:cluster` (BENCH_CLUSTER_PG_STATEMENTS=1): a burst's figures are
 * the differences between the snapshots around it, per webhook acted on. The counters come from a scripted
 * `query` (PostgreSQL itself runs in the cluster bench and in test/cluster).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PostgresStatements } from '../../bench/cluster/postgres-statements';
import { Postgres } from '../../scripts/cluster/postgres';

type Row = [
  queryId: string,
  calls: number,
  execMs: number,
  rows: number,
  hit: number,
  read: number,
  query: string,
];

/** A `query` answering the statements' and the databases' counters from the script, one step per sample. */
function scripted(steps: { statements: Row[]; blocks: [hit: number, read: number, commits: number] }[]) {
  let step = -1;
  return {
    advance: () => (step += 1),
    postgres: {
      query: async (sql: string) => {
        const now = steps[step]!;
        if (sql.includes('pg_stat_database')) return [now.blocks.map(String)];
        if (sql.includes('pg_stat_statements')) {
          return now.statements.map(([id, calls, execMs, rows, hit, read, query]) =>
            [id, '16384', calls, execMs, rows, hit, read, 0, query].map(String),
          );
        }
        return [];
      },
    },
  };
}

it('reports each statement per wake from the snapshots around the burst, busiest first', async () => {
  const updates = 'UPDATE executions SET next_event_id = $1 WHERE shard_id = $2';
  const appends = 'INSERT INTO history_node (shard_id, tree_id) VALUES ($1, $2)';
  const script = scripted([
    { statements: [['1', 10, 50, 10, 100, 0, updates]], blocks: [1000, 10, 40] },
    {
      statements: [
        ['1', 30, 250, 30, 500, 20, updates],
        ['2', 40, 80, 40, 400, 0, appends],
      ],
      blocks: [2000, 30, 80],
    },
    { statements: [['1', 99, 999, 99, 999, 99, updates]], blocks: [9000, 90, 200] },
  ]);
  let now = 0;
  const statements = new PostgresStatements(script.postgres, () => {}, { now: () => now });
  for (const at of [1_000, 5_000, 9_000]) {
    now = at;
    script.advance();
    await statements.sample();
  }
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pg-statements-')), 'profile.txt');

  // 10 wakes between the first two snapshots: the third (after the window) is not used.
  expect(statements.report({ startedAt: 1_500, stoppedAt: 4_000 }, 10, 'the burst', file)).toBe(file);
  const text = readFileSync(file, 'utf8');
  expect(text).toContain('per wake: 6.0 statements, 28.00 ms executing, 80 shared blocks hit, 2.0 read');
  expect(text).toContain('all databases: 100 hit, 2.0 read, 4.0 commits');
  const [first, second] = text.split('\n').filter((line) => line.includes('shard_id'));
  // The UPDATE: 20 calls, 200 ms → 2 calls and 20 ms per wake, 10 ms per call, 20 hits and 1 read per call.
  expect(first!.trim().split(/\s+/).slice(0, 6)).toEqual(['2.00', '20.000', '10.000', '1.0', '20.0', '1.00']);
  expect(first).toContain(updates);
  expect(second!.trim().split(/\s+/).slice(0, 6)).toEqual(['4.00', '8.000', '2.000', '1.0', '10.0', '0.00']);
});

it('reports nothing when no snapshot pair brackets the window', async () => {
  const script = scripted([{ statements: [], blocks: [0, 0, 0] }]);
  const statements = new PostgresStatements(script.postgres, () => {}, { now: () => 2_000 });
  script.advance();
  await statements.sample();
  expect(
    statements.report({ startedAt: 1_000, stoppedAt: 3_000 }, 5, 'the burst', '/nonexistent'),
  ).toBeNull();
});

it('refuses a PostgreSQL setting that is not name=value, naming it', () => {
  const options = { dir: '/nonexistent', port: 1, user: 'temporal', password: 'x' };
  expect(() => new Postgres({ ...options, settings: ['shared_buffers 1GB'] })).toThrow(
    /PostgreSQL setting "shared_buffers 1GB" is not name=value/,
  );
  expect(() => new Postgres({ ...options, settings: ["work_mem=8MB' -c x=1"] })).toThrow(/not name=value/);
});
