/**
 * `npm start`: the whole system on one machine — the embedded Temporal dev server (unless TEMPORAL_ADDRESS
 * points elsewhere), the Fintecture sandbox (unless FINTECTURE_APP_ID is set), the worker and the ingress.
 * State lives under .data/, so stopping (Ctrl-C) and starting again resumes in-flight payouts.
 * `npm run cluster` (scripts/cluster.ts) runs the same services on the production topology.
 */
import path from 'node:path';
import { bundleWorkflows } from './bundle-workflows';
import {
  codecEndpointOf,
  exampleLines,
  launcherSettings,
  startPayoutServices,
  Supervisor,
} from './supervisor';
import { startDevServer, type DevServer } from './temporal-dev-server';

const env = process.env;
const {
  dataRoot: dataDir,
  ingressPort,
  sandboxPort,
  uiPort,
  codecPort,
  workerMetricsPort,
  publicBaseUrl,
} = launcherSettings(env);
const temporalPort = Number(env.TEMPORAL_DEV_PORT ?? 7233);

const supervisor = new Supervisor(dataDir);
const say = (line: string) => supervisor.say(line);
let devServer: DevServer | undefined;

async function main(): Promise<void> {
  supervisor.handleSignals();
  supervisor.atStop(async () => devServer?.stop());

  let temporalAddress = env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    // An external cluster needs no local binary; the embedded dev server needs the pinned CLI.
    say('installing the Temporal CLI if missing (scripts/install-temporal.sh)…');
    await supervisor.runInstaller('scripts/install-temporal.sh', ['temporal']);
  } else {
    say(`using the Temporal cluster at ${temporalAddress} (no local Temporal CLI needed)`);
  }
  const bundleFile = path.join(dataDir, 'workflow-bundle.js');
  say('bundling the workflow code…');
  const bundling = bundleWorkflows(bundleFile);
  const { codecToken, codecEndpoint } = codecEndpointOf(supervisor, codecPort);
  if (!temporalAddress) {
    say(`starting the Temporal dev server (SQLite ${path.join(dataDir, 'temporal', 'dev.db')})…`);
    devServer = await startDevServer({
      dbFile: path.join(dataDir, 'temporal', 'dev.db'),
      port: temporalPort,
      uiPort,
      logLevel: 'error',
      extraArgs: env.PAYLOAD_CODEC === 'off' ? [] : ['--ui-codec-endpoint', codecEndpoint],
    });
    temporalAddress = devServer.address;
  }

  const { apiKey, sandboxUrl } = await startPayoutServices(supervisor, {
    temporalAddress,
    bundleFile,
    ingressPorts: [ingressPort],
    workerMetricsPorts: [workerMetricsPort],
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
      'Payout orchestrator is running.',
      `  Temporal Web UI   ${devServer?.uiUrl ?? `(external Temporal at ${temporalAddress})`}`,
      `  codec server      http://127.0.0.1:${codecPort}   (payloads are encrypted; the Web UI decodes through it)`,
      `  ingress           http://127.0.0.1:${ingressPort}   (API key in ${path.join(dataDir, 'ingress-api-key')})`,
      `  API reference     http://127.0.0.1:${ingressPort}/docs   (OpenAPI 3.1: /openapi.json)`,
      `  metrics           http://127.0.0.1:${ingressPort}/metrics (ingress), http://127.0.0.1:${workerMetricsPort}/metrics (worker)`,
      ...(sandboxUrl
        ? [`  Fintecture        sandbox at ${sandboxUrl}`]
        : ['  Fintecture        ' + env.FINTECTURE_API_URL]),
      '',
      ...exampleLines(ingressPort, apiKey),
      'Ctrl-C stops everything; in-flight payouts resume on the next `npm start`.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  say(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  void supervisor.stop(1);
});
