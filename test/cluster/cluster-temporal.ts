import { rmSync } from 'node:fs';
import path from 'node:path';
import { TemporalCluster } from '../../scripts/cluster/temporal-cluster';
import { freePort, PROJECT_ROOT } from '../../scripts/temporal-dev-server';
import { type StackTemporal } from '../support/process-stack';

/** Where the cluster tests keep their clusters (under the project: PostgreSQL's own user must reach it). */
const CLUSTER_TEST_DIR = path.join(PROJECT_ROOT, '.data', 'cluster-test');

/**
 * A fresh PostgreSQL-backed Temporal cluster (4 history shards, the four services as separate processes),
 * as a `StackTemporal` for the process stack, plus the cluster itself for the faults the tests inject.
 * Fatal service lines are echoed, so a failing run says why.
 */
export async function startTestCluster(
  name: string,
  options: { payoutTaskQueues?: string[] } = {},
): Promise<{ temporal: StackTemporal; cluster: TemporalCluster }> {
  const dir = path.join(CLUSTER_TEST_DIR, `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const cluster = await TemporalCluster.open({
    dir,
    frontendPort: await freePort(),
    historyShards: 4,
    payoutTaskQueues: options.payoutTaskQueues,
    onLine: (service, line) => {
      if (line.includes('"level":"fatal"')) process.stderr.write(`[${service}] ${line}\n`);
    },
  });
  await cluster.prepare();
  await cluster.start();
  const temporal: StackTemporal = {
    address: cluster.address,
    namespace: cluster.namespace,
    own: true,
    get running() {
      return cluster.service('frontend') !== undefined;
    },
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      for (const service of ['frontend', 'history', 'matching', 'worker'] as const) {
        await cluster.killService(service, signal);
      }
    },
    async start() {
      await cluster.start();
    },
    async close() {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return { temporal, cluster };
}
