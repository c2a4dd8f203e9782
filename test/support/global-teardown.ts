import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__TEMPORAL_DEV_SERVER__?.stop();
  const dbFile = process.env.TEMPORAL_TEST_DB_FILE;
  const bundle = process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE;
  if (bundle) rmSync(bundle, { force: true });
  if (dbFile) for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true });
}
