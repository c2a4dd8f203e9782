import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Connection } from '@temporalio/client';
import { bundleWorkflows } from '../../scripts/bundle-workflows';
import { TEMPORAL_SERVICES, type TemporalCluster } from '../../scripts/cluster/temporal-cluster';
import { type DevServer } from '../../scripts/temporal-dev-server';
import { type BenchService } from '../lib/services';
import {
  connectClients,
  logFilesIn,
  sharedStackMembers,
  startPayoutServices,
  type Stack,
} from '../lib/stack';

/**
 * The payout services on a running Temporal cluster, started exactly as `bench/lib/stack.ts` starts them on
 * the dev server (same sandbox profile, same worker and ingress settings, same task queue, same codec keys),
 * so the only differences between the stacks are Temporal itself and the number of workers. It implements
 * the bench's `Stack` so `runE2e` and `PhaseMeter` run on it unchanged; the engine-ceiling members, which
 * the cluster bench does not use, throw.
 */
export interface ClusterStack extends Stack {
  /** Starts one more worker (same settings) and waits until it polls. */
  addWorker(): Promise<void>;
  readonly workerCount: number;
}

export async function startClusterStack(
  cluster: TemporalCluster,
  options: { runDir: string; readsPerSecond?: number; log: (line: string) => void },
): Promise<ClusterStack> {
  const { runDir, log } = options;
  const logFile = logFilesIn(runDir);
  const services: BenchService[] = [];
  let connection: Connection | undefined;
  const stopAll = async () => {
    await connection?.close().catch(() => {});
    // Reverse order: the edge first; the cluster itself is stopped by its owner, after this.
    for (const service of [...services].reverse()) await service.stop().catch(() => {});
  };

  try {
    log('bundling workflow code…');
    const payoutBundle = path.join(runDir, 'payout-workflow-bundle.js');
    await bundleWorkflows(payoutBundle);

    const payout = await startPayoutServices({
      runDir,
      temporalAddress: cluster.address,
      namespace: cluster.namespace,
      payoutBundle,
      services,
      logFile,
      log,
      readsPerSecond: options.readsPerSecond,
    });

    const clients = await connectClients(cluster.address, cluster.namespace);
    connection = clients.connection;
    const notHere = (what: string) => () => {
      throw new Error(`${what}: not part of the cluster bench`);
    };

    return {
      ...sharedStackMembers(cluster.address, payout, clients),
      get devServer(): DevServer {
        throw new Error('the cluster stack has no dev server');
      },
      // The cluster's config opens no Prometheus endpoint: PhaseMeter reports `server: null`.
      serverMetricsUrl: '',
      pids: () => ({
        ...Object.fromEntries(
          TEMPORAL_SERVICES.map((name) => [`temporal-${name}`, cluster.service(name)?.pid]),
        ),
        ...postgresPids(cluster.postgres.dataDir),
        ...Object.fromEntries(payout.workers.map((worker) => [worker.name, worker.pid])),
        ingress: payout.ingress.pid,
        sandbox: payout.sandboxService.pid,
        driver: process.pid,
      }),
      startCeilingWorker: notHere('the engine ceiling'),
      stopCeilingWorker: notHere('the engine ceiling'),
      restartWorkerAndIngress: notHere('restarting the worker'),
      startupMs: () => payout.startup,
      async addWorker() {
        await payout.addWorker();
      },
      get workerCount() {
        return payout.workers.filter((worker) => worker.running).length;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * PostgreSQL's processes: the postmaster (first line of `postmaster.pid`) and its children (one backend per
 * Temporal connection, plus the background writers). A backend's CPU is not in the postmaster's counters
 * until it exits, so each is metered on its own (`postgres-<pid>`) and summed by the report.
 */
export function postgresPids(dataDir: string): Record<string, number> {
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return {};
  }
  if (!Number.isInteger(postmaster) || postmaster <= 0) return {};
  const pids: Record<string, number> = { postgres: postmaster };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) pids[`postgres-${entry}`] = Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
