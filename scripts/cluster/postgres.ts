/**
 * A private PostgreSQL for the cluster: its own data folder, port and socket folder, run with Debian's
 * `initdb`/`pg_ctl` — never the system service. PostgreSQL refuses to run as root, so as root every command
 * runs as the `postgres` user (the Debian package creates it) and the folders are handed to it.
 */
import { execFile, type ExecFileOptions } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PostgresOptions {
  /** Holds `data/` (the cluster), `socket/` and `postgres.log`. */
  dir: string;
  port: number;
  /** The role Temporal connects as (password authentication over TCP on 127.0.0.1). */
  user: string;
  password: string;
  /**
   * Server settings (`name=value`) given at every start, e.g. `shared_buffers=512MB`: the bench's knobs. The
   * defaults are initdb's.
   */
  settings?: readonly string[];
}

/** A server setting as `name=value`, with nothing in it that could reach a shell word or a quote. */
export const POSTGRES_SETTING = /^[a-z_][a-z0-9_.]*=[A-Za-z0-9_.,:-]+$/;

/** The newest Debian PostgreSQL's binaries (`/usr/lib/postgresql/<major>/bin`). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((entry) => existsSync(path.join(root, entry, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors[0]) {
    throw new Error(
      'PostgreSQL is not installed: run scripts/install-temporal-server.sh (apt-get install postgresql)',
    );
  }
  return path.join(root, majors[0], 'bin');
}

export class Postgres {
  /** Found on first use: a Postgres can be described (and its settings checked) where none is installed. */
  private binDir: string | undefined;
  private readonly asRoot = process.getuid?.() === 0;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly logFile: string;

  constructor(readonly options: PostgresOptions) {
    // They go into pg_ctl's `-o` string.
    for (const setting of options.settings ?? []) {
      if (!POSTGRES_SETTING.test(setting))
        throw new Error(`PostgreSQL setting "${setting}" is not name=value`);
    }
    this.dataDir = path.join(options.dir, 'data');
    this.socketDir = path.join(options.dir, 'socket');
    this.logFile = path.join(options.dir, 'postgres.log');
  }

  /** The superuser: the OS user that ran initdb. */
  private get superuser(): string {
    return this.asRoot ? 'postgres' : userInfo().username;
  }

  /** Runs a PostgreSQL binary as the user that owns the cluster. */
  private async exec(binary: string, args: string[]): Promise<string> {
    this.binDir ??= postgresBinDir();
    const file = path.join(this.binDir, binary);
    const [command, argv] = this.asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    // Its own process group (the server inherits it): a terminal's Ctrl-C does not stop PostgreSQL under
    // Temporal; the launcher stops it last.
    // (execFile passes `detached` on to spawn; its option type only omits it.)
    const options: ExecFileOptions = { maxBuffer: 16 * 1024 * 1024, ...{ detached: true } };
    const { stdout } = await run(command, argv, options);
    return String(stdout);
  }

  /** Creates the cluster on first use (data folder, config: port, socket folder, loopback only). */
  async init(): Promise<void> {
    mkdirSync(this.options.dir, { recursive: true });
    mkdirSync(this.socketDir, { recursive: true });
    if (this.asRoot) this.handToPostgres(this.options.dir);
    if (existsSync(path.join(this.dataDir, 'PG_VERSION'))) return;
    // Local socket: trust (only this machine's postgres user reaches it); TCP: passwords.
    await this.exec('initdb', [
      '-D',
      this.dataDir,
      '-U',
      this.superuser,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--no-instructions',
    ]);
  }

  /** Starts the server unless it already runs (a previous run that did not stop it). */
  async start(): Promise<void> {
    if (await this.status()) return;
    await this.exec('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      this.logFile,
      '-w',
      '-t',
      '60',
      '-o',
      this.serverOptions(),
      'start',
    ]);
  }

  /** The server's command line (pg_ctl `-o`): port, socket folder, loopback only, connections, settings. */
  private serverOptions(): string {
    const settings = ['listen_addresses=127.0.0.1', 'max_connections=300', ...(this.options.settings ?? [])];
    return [
      `-p ${this.options.port} -k ${this.socketDir}`,
      ...settings.map((setting) => `-c ${setting}`),
    ].join(' ');
  }

  /** `pg_ctl stop`; `immediate` is a crash (no checkpoint: recovery on the next start). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!(await this.status())) return;
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
  }

  /** `pg_ctl restart -m immediate`: what a crash and an automatic restart look like to Temporal. */
  async restartImmediate(): Promise<void> {
    await this.exec('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      this.logFile,
      '-m',
      'immediate',
      '-w',
      '-t',
      '60',
      '-o',
      this.serverOptions(),
      'restart',
    ]);
  }

  /** `pg_ctl status`: whether a server runs on this data folder. */
  private async status(): Promise<boolean> {
    return this.exec('pg_ctl', ['-D', this.dataDir, 'status']).then(
      () => true,
      () => false,
    );
  }

  /** The role Temporal uses, created or given its password again (idempotent). */
  async ensureRole(): Promise<void> {
    const { user, password } = this.options;
    if (!/^[a-z_][a-z0-9_]*$/.test(user)) throw new Error(`unsafe PostgreSQL role name: ${user}`);
    const literal = `'${password.replace(/'/g, "''")}'`;
    const sql = `DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${user}') THEN
    CREATE ROLE ${user} LOGIN CREATEDB PASSWORD ${literal};
  ELSE
    ALTER ROLE ${user} LOGIN CREATEDB PASSWORD ${literal};
  END IF;
END $$;`;
    // The password goes through a file readable by the cluster's owner only, never a command line.
    const file = path.join(this.options.dir, 'role.sql');
    writeFileSync(file, sql, { mode: 0o600 });
    if (this.asRoot) chownSync(file, ...postgresUserIds());
    try {
      await this.psql('postgres', ['-f', file]);
    } finally {
      writeFileSync(file, '');
    }
  }

  /** Runs `sql` as the superuser in `database`: its rows, tab-separated fields (the bench's statistics). */
  async query(sql: string, database = 'postgres'): Promise<string[][]> {
    const out = await this.psql(database, ['-X', '-A', '-t', '-F', '\t', '-c', sql]);
    return out
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split('\t'));
  }

  /** `psql` as the superuser over the socket, into `database`, stopping at the first error. */
  private psql(database: string, args: string[]): Promise<string> {
    return this.exec('psql', [
      ...['-h', this.socketDir, '-p', String(this.options.port), '-U', this.superuser, '-d', database],
      ...['-v', 'ON_ERROR_STOP=1', '-q', ...args],
    ]);
  }

  private handToPostgres(dir: string): void {
    const [uid, gid] = postgresUserIds();
    for (const folder of [dir, this.socketDir]) chownSync(folder, uid, gid);
  }
}

let cachedIds: [number, number] | undefined;

/** The `postgres` user's uid and gid, from /etc/passwd. */
function postgresUserIds(): [number, number] {
  if (cachedIds) return cachedIds;
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error('no postgres user: is PostgreSQL installed from Debian?');
  cachedIds = [Number(uid), Number(gid)];
  return cachedIds;
}
