import path from 'node:path';
import { rmSync } from 'node:fs';
import { bundleWorkflows } from '../../scripts/bundle-workflows';
import { PROJECT_ROOT, startDevServer, type DevServer } from '../../scripts/temporal-dev-server';

declare global {
  var __TEMPORAL_DEV_SERVER__: DevServer | undefined;
}

/**
 * One real Temporal dev server per Jest run (DESIGN.md §6: `createLocal()` allows the server only 5 s to
 * come up, so we start it ourselves and wait until it answers). Test files reach it through
 * TEMPORAL_TEST_ADDRESS, which Jest workers inherit because they are forked after this runs.
 */
export default async function globalSetup(): Promise<void> {
  const dbFile = path.join(PROJECT_ROOT, '.data', 'test', `temporal-${process.pid}.db`);
  rmSync(dbFile, { force: true });
  // Workflow code is bundled once per run (DESIGN.md §6), while the server starts.
  const bundleFile = path.join(PROJECT_ROOT, '.data', 'test', `workflow-bundle-${process.pid}.js`);
  const [server] = await Promise.all([startDevServer({ dbFile }), bundleWorkflows(bundleFile)]);
  process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE = bundleFile;
  globalThis.__TEMPORAL_DEV_SERVER__ = server;
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = server.namespace;
  process.env.TEMPORAL_TEST_DB_FILE = dbFile;
}
