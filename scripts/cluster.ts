/**
 * `npm run cluster`: the production topology on one machine, everything under `START_DATA_DIR/cluster`.
 * PostgreSQL (its own data folder, port and socket; never the system service), Temporal's frontend, history,
 * matching and worker services as separate processes over 4 history shards, the Web UI, the sandbox (unless
 * FINTECTURE_APP_ID is set), two workers, two ingresses (INGRESS_PORT and INGRESS_PORT + 1, one API key) and
 * the codec server. Ctrl-C stops the edge first and PostgreSQL last; the next run resumes in-flight payouts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadTemporalConfig } from '../common/temporal-config';
import { bundleWorkflows } from './bundle-workflows';
import { TemporalCluster } from './cluster/temporal-cluster';
import {
  codecEndpointOf,
  exampleLines,
  launcherSettings,
  startPayoutServices,
  Supervisor,
} from './supervisor';
import { PROJECT_ROOT } from './temporal-dev-server';

const env = process.env;
const { dataRoot, ingressPort, sandboxPort, uiPort, codecPort, workerMetricsPort, publicBaseUrl } =
  launcherSettings(env);
const dataDir = path.join(dataRoot, 'cluster');
const frontendPort = Number(env.CLUSTER_TEMPORAL_PORT ?? 7233);

const supervisor = new Supervisor(dataDir);
const say = (line: string) => supervisor.say(line);

/** Temporal's Web UI server (ui-server), pointed at the frontend, decoding through our codec server. */
function startWebUi(codecEndpoint: string | null): void {
  const root = path.join(dataDir, 'web-ui');
  mkdirSync(path.join(root, 'config'), { recursive: true });
  writeFileSync(
    path.join(root, 'config', 'cluster.yaml'),
    [
      `temporalGrpcAddress: 127.0.0.1:${frontendPort}`,
      'host: 127.0.0.1',
      `port: ${uiPort}`,
      'enableUi: true',
      'defaultNamespace: default',
      'cors:',
      '  cookieInsecure: true',
      '  allowOrigins:',
      `    - http://127.0.0.1:${uiPort}`,
      ...(codecEndpoint ? ['codec:', `  endpoint: ${codecEndpoint}`] : []),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const child = spawn(
    path.join(PROJECT_ROOT, '.tools', 'bin', 'temporal-ui-server'),
    ['--root', root, '--config', 'config', '--env', 'cluster', 'start'],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (/error|fatal/i.test(line)) say(`[web-ui] ${line}`);
  });
  supervisor.atStop(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
}

async function main(): Promise<void> {
  supervisor.handleSignals();
  say('installing the Temporal server, its SQL tool, the Web UI and PostgreSQL if missing…');
  await supervisor.runInstaller('scripts/install-temporal-server.sh');
  const bundleFile = path.join(dataDir, 'workflow-bundle.js');
  say('bundling the workflow code…');
  const bundling = bundleWorkflows(bundleFile);

  const cluster = await TemporalCluster.open({
    dir: path.join(dataDir, 'temporal'),
    frontendPort,
    historyShards: 4,
    // The workers' queue (they inherit TEMPORAL_TASK_QUEUE): its read queue on one partition.
    payoutTaskQueues: [loadTemporalConfig(env).taskQueue],
    onLine: (service, line) => {
      if (line.includes('"level":"fatal"')) say(`[${service}] ${line}`);
    },
  });
  supervisor.atStop(() => cluster.stop());
  say(`starting PostgreSQL (${cluster.postgres.dataDir}) and migrating the Temporal schemas…`);
  await cluster.prepare();
  say('starting Temporal: history, matching, frontend and worker services (4 history shards)…');
  await cluster.start();

  const { codecToken, codecEndpoint } = codecEndpointOf(supervisor, codecPort);
  const webUi = env.CLUSTER_WEB_UI !== '0';
  if (webUi) startWebUi(env.PAYLOAD_CODEC === 'off' ? null : codecEndpoint);

  const ingressPorts = [ingressPort, ingressPort + 1];
  const workerMetricsPorts = [workerMetricsPort, workerMetricsPort + 1];
  const { apiKey, sandboxUrl } = await startPayoutServices(supervisor, {
    temporalAddress: cluster.address,
    bundleFile,
    ingressPorts,
    workerMetricsPorts,
    sandboxPort,
    codecPort,
    codecToken,
    uiOrigin: `http://127.0.0.1:${uiPort}`,
    publicBaseUrl,
    beforeWorkers: bundling,
  });

  say(
    [
      '',
      'Payout orchestrator is running on a Temporal cluster.',
      `  Temporal frontend  ${cluster.address}`,
      `  Temporal Web UI    ${webUi ? `http://127.0.0.1:${uiPort}` : '(off: CLUSTER_WEB_UI=0)'}`,
      `  PostgreSQL         127.0.0.1:${cluster.postgres.options.port} (data ${cluster.postgres.dataDir})`,
      `  codec server       http://127.0.0.1:${codecPort}`,
      ...ingressPorts.map(
        (port, index) =>
          `  ingress ${index + 1}          http://127.0.0.1:${port}   (API key in ${path.join(dataDir, 'ingress-api-key')})`,
      ),
      `  worker metrics     ${workerMetricsPorts.map((port) => `http://127.0.0.1:${port}/metrics`).join(', ')}`,
      ...(sandboxUrl
        ? [`  Fintecture         sandbox at ${sandboxUrl}`]
        : ['  Fintecture         ' + env.FINTECTURE_API_URL]),
      `  Temporal logs      ${path.join(dataDir, 'temporal', 'logs')}`,
      '',
      ...exampleLines(ingressPort, apiKey),
      'Ctrl-C stops everything; in-flight payouts resume on the next `npm run cluster`.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  say(`npm run cluster failed: ${error instanceof Error ? error.message : String(error)}`);
  void supervisor.stop(1);
});
