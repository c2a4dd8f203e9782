/**
 * Where PostgreSQL's time goes under the cluster's bursts (`BENCH_CLUSTER_PG_STATEMENTS=1`): the
 * `pg_stat_statements` counters and the databases' block counters, snapshotted every few seconds for the
 * whole run. A phase's profile is the difference between the snapshots around its window, per webhook acted
 * on: which statements Temporal runs per wake, how long each takes, and how many pages it touches in
 * `shared_buffers` (hit) or has to fetch from the OS (read) — so the bursts at 1 000 and at 10 000 open can be
 * compared statement by statement (bench/README.md).
 */
import { writeFileSync } from 'node:fs';
import { type Postgres } from '../../scripts/cluster/postgres';
import { type ProfileWindow } from './history-profiles';
import { SamplingLoop } from './sampling-loop';

/** What the server needs at start: the extension's library, I/O timing. */
export const STATEMENT_PROFILE_SETTINGS = [
  'shared_preload_libraries=pg_stat_statements',
  'pg_stat_statements.max=2000',
  'track_io_timing=on',
] as const;

interface StatementCounters {
  query: string;
  calls: number;
  execMs: number;
  rows: number;
  sharedHit: number;
  sharedRead: number;
  readMs: number;
}

interface Snapshot {
  at: number;
  statements: Map<string, StatementCounters>;
  blocks: { hit: number; read: number; commits: number };
}

const STATEMENTS_SQL = `SELECT queryid, dbid, calls, total_exec_time, rows, shared_blks_hit, shared_blks_read,
  blk_read_time, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) FROM pg_stat_statements`;
const BLOCKS_SQL = `SELECT sum(blks_hit), sum(blks_read), sum(xact_commit) FROM pg_stat_database`;

export class PostgresStatements {
  private readonly snapshots: Snapshot[] = [];
  private readonly sampling: SamplingLoop;

  constructor(
    private readonly postgres: Pick<Postgres, 'query'>,
    log: (line: string) => void,
    private readonly options: { intervalMs?: number; now?: () => number } = {},
  ) {
    const intervalMs = options.intervalMs ?? 2_000;
    this.sampling = new SamplingLoop(() => this.sample(), 'PostgreSQL statistics snapshot', log, {
      afterStepMs: intervalMs,
      afterFailureMs: intervalMs,
    });
  }

  /** Creates the extension (the server must have started with `STATEMENT_PROFILE_SETTINGS`), then samples. */
  async start(): Promise<void> {
    await this.postgres.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    this.sampling.start();
  }

  async stop(): Promise<void> {
    await this.sampling.stop();
  }

  /** One snapshot of the counters, now (the loop's step). */
  async sample(): Promise<void> {
    const at = (this.options.now ?? Date.now)();
    const [rows, [blocks]] = await Promise.all([
      this.postgres.query(STATEMENTS_SQL),
      this.postgres.query(BLOCKS_SQL),
    ]);
    const statements = new Map<string, StatementCounters>();
    for (const [queryId, dbId, calls, execMs, rowCount, hit, read, readMs, query] of rows) {
      statements.set(`${dbId}:${queryId}`, {
        query: query ?? '',
        calls: Number(calls),
        execMs: Number(execMs),
        rows: Number(rowCount),
        sharedHit: Number(hit),
        sharedRead: Number(read),
        readMs: Number(readMs),
      });
    }
    this.snapshots.push({
      at,
      statements,
      blocks: { hit: Number(blocks?.[0]), read: Number(blocks?.[1]), commits: Number(blocks?.[2]) },
    });
  }

  /**
   * The statements' work inside `window`, per webhook acted on (`wakes`), written to `file`: totals, then the
   * statements by execution time. Null when no snapshot pair brackets the window.
   */
  report(window: ProfileWindow, wakes: number, label: string, file: string): string | null {
    const before = this.snapshots.filter((snapshot) => snapshot.at <= window.startedAt).at(-1);
    const after = this.snapshots.find((snapshot) => snapshot.at >= window.stoppedAt);
    if (!before || !after || wakes <= 0) return null;
    const rows = [...after.statements].map(([key, now]) => {
      const then = before.statements.get(key);
      const delta = (field: keyof Omit<StatementCounters, 'query'>) => now[field] - (then?.[field] ?? 0);
      return {
        query: now.query,
        calls: delta('calls'),
        execMs: delta('execMs'),
        rows: delta('rows'),
        sharedHit: delta('sharedHit'),
        sharedRead: delta('sharedRead'),
        readMs: delta('readMs'),
      };
    });
    const moved = rows.filter((row) => row.calls > 0).sort((a, b) => b.execMs - a.execMs);
    const sum = (field: 'calls' | 'execMs' | 'sharedHit' | 'sharedRead' | 'readMs') =>
      moved.reduce((total, row) => total + row[field], 0);
    const perWake = (value: number, digits = 2) => (value / wakes).toFixed(digits);
    const seconds = (after.at - before.at) / 1000;
    const blocksHit = after.blocks.hit - before.blocks.hit;
    const blocksRead = after.blocks.read - before.blocks.read;
    const lines = [
      `PostgreSQL statements during ${label}: ${wakes} webhooks acted on; snapshots ${new Date(before.at).toISOString()}` +
        ` → ${new Date(after.at).toISOString()} (${seconds.toFixed(1)} s, around the burst)`,
      '',
      `per wake: ${perWake(sum('calls'), 1)} statements, ${perWake(sum('execMs'))} ms executing, ` +
        `${perWake(sum('sharedHit'), 0)} shared blocks hit, ${perWake(sum('sharedRead'), 1)} read from the OS ` +
        `(${perWake(sum('readMs'))} ms reading); all databases: ${perWake(blocksHit, 0)} hit, ` +
        `${perWake(blocksRead, 1)} read, ${perWake(after.blocks.commits - before.blocks.commits, 1)} commits`,
      '',
      [
        'calls/wake'.padStart(10),
        'ms/wake'.padStart(8),
        'ms/call'.padStart(8),
        'rows/call'.padStart(9),
        'hit/call'.padStart(8),
        'read/call'.padStart(9),
        '  statement',
      ].join(' '),
      ...moved
        .slice(0, 25)
        .map((row) =>
          [
            perWake(row.calls).padStart(10),
            perWake(row.execMs, 3).padStart(8),
            (row.execMs / row.calls).toFixed(3).padStart(8),
            (row.rows / row.calls).toFixed(1).padStart(9),
            (row.sharedHit / row.calls).toFixed(1).padStart(8),
            (row.sharedRead / row.calls).toFixed(2).padStart(9),
            `  ${row.query}`,
          ].join(' '),
        ),
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }
}
