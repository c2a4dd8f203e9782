/**
 * Temporal as production runs it, on one machine: PostgreSQL persistence (schema set up or migrated with
 * Temporal's SQL tool), several history shards, and the frontend, history, matching and worker services as
 * separate processes of the server binary (`temporal-server --service <name>`), all under one folder.
 * It registers the `default` namespace and the payout search attributes, which a bare server lacks.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { PAYOUT_SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import {
  freePortIn,
  PROJECT_ROOT,
  STABLE_PORT_BANDS,
  waitUntilNamespaceAnswers,
} from '../temporal-dev-server';
import { dynamicConfigYaml, payoutDynamicConfig } from './dynamic-config';
import { Postgres } from './postgres';

const execFileAsync = promisify(execFile);

export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

const TOOLS = path.join(PROJECT_ROOT, '.tools');

/** The pinned server version, read from the installer (the one place it is written). */
export function pinnedServerVersion(): string {
  const script = readFileSync(path.join(PROJECT_ROOT, 'scripts', 'install-temporal-server.sh'), 'utf8');
  const version = /^TEMPORAL_SERVER_VERSION=(\S+)$/m.exec(script)?.[1];
  if (!version) throw new Error('scripts/install-temporal-server.sh names no TEMPORAL_SERVER_VERSION');
  return version;
}

export interface TemporalClusterOptions {
  /** Everything lives here: `postgres/`, `config/`, `logs/`, `secrets`. */
  dir: string;
  /** The frontend's gRPC port (what workers and ingresses connect to). */
  frontendPort: number;
  historyShards?: number;
  namespace?: string;
  /** Days a closed workflow stays visible. */
  retentionDays?: number;
  /** Called with each output line of the services (prefixed by the service name). */
  onLine?: (service: TemporalService | 'postgres', line: string) => void;
  /**
   * Go's pprof endpoint (`/debug/pprof/`, on 127.0.0.1) for the services named, on the port given: the
   * bench profiles the history service with it. Each gets a config zone of its own (`cluster_<service>.yaml`,
   * loaded over `cluster.yaml`): pprof's port is a global setting, and the services share one config.
   */
  pprofPorts?: Partial<Record<TemporalService, number>>;
  /** PostgreSQL server settings (`name=value`) for every start: the bench's knobs (`PostgresOptions`). */
  postgresSettings?: readonly string[];
  /**
   * The payout workers' task queues (`TEMPORAL_TASK_QUEUE`): each one's read queue gets one partition
   * (`payoutDynamicConfig`), as docker-compose.yml gives the `payouts` queue. Written by `prepare()`, before
   * the services start: a new cluster's read queue has one partition from its first task. (A cluster made
   * before this option, resumed, moves from 4 partitions to 1 with its queued reads in the other three: the
   * README's "Task queues and the read budget" says how to move a running deployment.)
   */
  payoutTaskQueues?: readonly string[];
}

interface ClusterPorts {
  postgres: number;
  frontendHttp: number;
  grpc: Record<TemporalService, number>;
  membership: Record<TemporalService, number>;
}

export class TemporalCluster {
  readonly postgres: Postgres;
  readonly namespace: string;
  readonly address: string;
  private readonly processes = new Map<TemporalService, ChildProcess>();
  private readonly exits = new Map<TemporalService, Promise<void>>();
  private stopping = false;

  private constructor(
    readonly options: TemporalClusterOptions,
    private readonly ports: ClusterPorts,
    password: string,
  ) {
    this.namespace = options.namespace ?? 'default';
    this.address = `127.0.0.1:${options.frontendPort}`;
    this.postgres = new Postgres({
      dir: path.join(options.dir, 'postgres'),
      port: ports.postgres,
      user: 'temporal',
      password,
      settings: options.postgresSettings,
    });
  }

  /**
   * The cluster of `dir`: the ports chosen on first use are kept in `dir/ports.json`, so a second run (or a
   * restart) finds its database and peers where they were. The frontend port is always the one asked for.
   */
  static async open(options: TemporalClusterOptions): Promise<TemporalCluster> {
    mkdirSync(options.dir, { recursive: true });
    const portsFile = path.join(options.dir, 'ports.json');
    let ports: ClusterPorts;
    if (existsSync(portsFile)) ports = JSON.parse(readFileSync(portsFile, 'utf8')) as ClusterPorts;
    else {
      // Below the ephemeral range: kept in ports.json for the next run, they must not be taken meanwhile by
      // an outgoing connection; and Temporal keeps membership ports in a PostgreSQL smallint (< 32768).
      const chosen = new Set<number>();
      const next = async (): Promise<number> => {
        for (;;) {
          const port = await freePortIn(STABLE_PORT_BANDS.cluster);
          if (chosen.has(port)) continue;
          chosen.add(port);
          return port;
        }
      };
      ports = {
        postgres: await next(),
        frontendHttp: await next(),
        grpc: { frontend: 0, history: await next(), matching: await next(), worker: await next() },
        membership: {
          frontend: await next(),
          history: await next(),
          matching: await next(),
          worker: await next(),
        },
      };
      writeFileSync(portsFile, JSON.stringify(ports, null, 2));
    }
    ports.grpc.frontend = options.frontendPort;
    const secretFile = path.join(options.dir, 'postgres-password');
    if (!existsSync(secretFile)) {
      const { randomBytes } = await import('node:crypto');
      writeFileSync(secretFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
    }
    return new TemporalCluster(options, ports, readFileSync(secretFile, 'utf8').trim());
  }

  private get configDir(): string {
    return path.join(this.options.dir, 'config');
  }

  private get logDir(): string {
    return path.join(this.options.dir, 'logs');
  }

  /** PostgreSQL up, schemas current, config written: everything before the services start. */
  async prepare(): Promise<void> {
    await this.postgres.init();
    await this.postgres.start();
    await this.postgres.ensureRole();
    await this.migrate();
    this.writeConfig();
  }

  /** Creates the two databases if missing and migrates them to the schema the pinned server ships. */
  private async migrate(): Promise<void> {
    const schemaRoot = path.join(TOOLS, 'temporal-schema', pinnedServerVersion(), 'postgresql', 'v12');
    for (const [database, schema] of [
      ['temporal', 'temporal'],
      ['temporal_visibility', 'visibility'],
    ] as const) {
      const sqlTool = (...args: string[]) =>
        execFileAsync(
          path.join(TOOLS, 'bin', 'temporal-sql-tool'),
          [
            '--plugin',
            'postgres12',
            '--ep',
            '127.0.0.1',
            '-p',
            String(this.ports.postgres),
            '-u',
            this.postgres.options.user,
            '--db',
            database,
            ...args,
          ],
          // The password through the environment, never on a command line others can read.
          { env: { ...process.env, SQL_PASSWORD: this.postgres.options.password } },
        );
      await sqlTool('create-database').catch((error: { stderr?: string }) => {
        if (!/already exists/i.test(error.stderr ?? '')) throw error;
      });
      await sqlTool('setup-schema', '-v', '0.0').catch((error: { stderr?: string }) => {
        // A database set up before: update-schema below brings it to the current version.
        if (!/already exists/i.test(error.stderr ?? '')) throw error;
      });
      await sqlTool('update-schema', '-d', path.join(schemaRoot, schema, 'versioned'));
    }
  }

  private writeConfig(): void {
    mkdirSync(this.configDir, { recursive: true });
    const { ports } = this;
    const shards = this.options.historyShards ?? 4;
    const store = (database: string, maxConns: number) => `      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: "127.0.0.1:${ports.postgres}"
        connectProtocol: tcp
        user: ${this.postgres.options.user}
        password: "${this.postgres.options.password}"
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
    const service = (name: TemporalService) => `  ${name}:
    rpc:
      grpcPort: ${ports.grpc[name]}
      membershipPort: ${ports.membership[name]}
      bindOnLocalHost: true${name === 'frontend' ? `\n      httpPort: ${ports.frontendHttp}` : ''}`;
    const config = `# Written by scripts/cluster/temporal-cluster.ts on every start: edit that file, not this one.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${shards}
  datastores:
    default:
${store('temporal', 20)}
    visibility:
${store('temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
${TEMPORAL_SERVICES.map(service).join('\n')}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:${ports.grpc.frontend}"
      httpAddress: "127.0.0.1:${ports.frontendHttp}"
dcRedirectionPolicy:
  policy: noop
archival:
  history:
    state: disabled
  visibility:
    state: disabled
namespaceDefaults:
  archival:
    history:
      state: disabled
    visibility:
      state: disabled
dynamicConfigClient:
  filepath: ${path.join(this.configDir, 'dynamicconfig.yaml')}
  pollInterval: 10s
`;
    writeFileSync(path.join(this.configDir, 'cluster.yaml'), config, { mode: 0o600 });
    for (const name of TEMPORAL_SERVICES) {
      const port = this.options.pprofPorts?.[name];
      const zoneFile = path.join(this.configDir, `cluster_${name}.yaml`);
      if (port) writeFileSync(zoneFile, `global:\n  pprof:\n    port: ${port}\n    host: 127.0.0.1\n`);
      else rmSync(zoneFile, { force: true });
    }
    // Search attributes registered a moment ago must be usable at once (no cache wait before the first start).
    writeFileSync(
      path.join(this.configDir, 'dynamicconfig.yaml'),
      dynamicConfigYaml({
        'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true, constraints: {} }],
        ...payoutDynamicConfig(this.options.payoutTaskQueues ?? []),
      }),
    );
  }

  /** Starts one service process (its output to `logs/<service>.log` and `onLine`). */
  startService(name: TemporalService): void {
    if (this.service(name)) throw new Error(`${name} is already running`);
    mkdirSync(this.logDir, { recursive: true });
    const log = createWriteStream(path.join(this.logDir, `${name}.log`), { flags: 'a' });
    const child = spawn(
      path.join(TOOLS, 'bin', 'temporal-server'),
      [
        '--root',
        this.options.dir,
        '--config',
        'config',
        '--env',
        'cluster',
        '--allow-no-auth',
        ...(this.options.pprofPorts?.[name] ? ['--zone', name] : []),
        'start',
        '--service',
        name,
      ],
      // Its own process group: a terminal's Ctrl-C reaches the launcher, which stops the services after the
      // workers and ingresses, not all at once.
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        log.write(chunk);
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line) this.options.onLine?.(name, line);
      });
    }
    this.processes.set(name, child);
    this.exits.set(
      name,
      new Promise((resolve) =>
        child.once('exit', () => {
          log.end();
          resolve();
        }),
      ),
    );
  }

  /** Kills one service (SIGKILL by default: a crash) and waits until it is gone. */
  async killService(name: TemporalService, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.processes.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await this.exits.get(name);
  }

  /** The process of a running service (for its pid), or undefined. */
  service(name: TemporalService): ChildProcess | undefined {
    const child = this.processes.get(name);
    return child && child.exitCode === null && child.signalCode === null ? child : undefined;
  }

  /** Starts all four services, waits until the frontend serves, and registers namespace and attributes. */
  async start(): Promise<void> {
    // History alone first: on a fresh database every service would write the cluster metadata at once, and
    // the losers exit on the duplicate key. History listens only once it is written; then the others start.
    this.startService('history');
    await this.waitUntilListening('history');
    for (const name of ['matching', 'frontend', 'worker'] as const) this.startService(name);
    await this.waitUntilServing();
    await this.registerNamespace();
  }

  /** Resolves once the frontend answers and the system namespace is readable (the services found each other). */
  async waitUntilServing(timeoutMs = 120_000): Promise<void> {
    const frontend = this.processes.get('frontend');
    await waitUntilNamespaceAnswers({
      address: this.address,
      namespace: 'temporal-system',
      timeoutMs,
      gone: () =>
        frontend && frontend.exitCode !== null && !this.stopping
          ? `the Temporal frontend service exited (${frontend.exitCode}); see ${this.logDir}/frontend.log`
          : null,
      what: 'the Temporal cluster did not serve in time',
    });
  }

  /** Resolves once the service accepts TCP connections on its gRPC port; fails if it exits first. */
  private async waitUntilListening(name: TemporalService, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const child = this.processes.get(name);
      if (!this.service(name)) {
        throw new Error(
          `the Temporal ${name} service exited (${child?.exitCode}); see ${this.logDir}/${name}.log`,
        );
      }
      const listening = await new Promise<boolean>((resolve) => {
        const socket = connect(this.ports.grpc[name], '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (listening) return;
      if (Date.now() > deadline) throw new Error(`the Temporal ${name} service did not listen in time`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The namespace (if missing) and the payout search attributes (if missing), then waits until both show. */
  private async registerNamespace(): Promise<void> {
    const connection = await Connection.connect({ address: this.address });
    try {
      const namespace = this.namespace;
      const exists = await connection.workflowService
        .describeNamespace({ namespace })
        .then(() => true)
        .catch(() => false);
      if (!exists) {
        await connection.workflowService
          .registerNamespace({
            namespace,
            workflowExecutionRetentionPeriod: msToTs(`${this.options.retentionDays ?? 3} days`),
          })
          .catch((error: { code?: number }) => {
            if (error.code !== 6 /* ALREADY_EXISTS */) throw error;
          });
      }
      const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          const listed = await connection.operatorService.listSearchAttributes({ namespace });
          const missing = Object.keys(PAYOUT_SEARCH_ATTRIBUTES).filter(
            (name) => !(name in (listed.customAttributes ?? {})),
          );
          if (missing.length === 0) {
            await connection.workflowService.describeNamespace({ namespace });
            return;
          }
          await connection.operatorService.addSearchAttributes({
            namespace,
            searchAttributes: Object.fromEntries(missing.map((name) => [name, keyword])),
          });
        } catch (error) {
          // A namespace registered a moment ago is not visible to every service yet: ask again.
          if (Date.now() > deadline) throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await connection.close();
    }
  }

  /** Stops the services (the frontend first, so clients see it go before its peers), then PostgreSQL. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const name of ['frontend', 'worker', 'matching', 'history'] as const) {
      const child = this.service(name);
      if (!child) continue;
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await this.killService(name, 'SIGTERM');
      clearTimeout(timer);
    }
    await this.postgres.stop('fast');
  }
}
