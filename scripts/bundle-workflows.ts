import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../common/codec-config';
import { WORKFLOWS_PATH } from '../workers/payout-worker';

/**
 * Bundles the workflow code once (webpack), so workers start fast and run exactly the code that was
 * built — the same bundle the replay tests load.
 */
export async function bundleWorkflows(outFile: string): Promise<string> {
  // Webpack's statistics are noise at start-up; warnings and errors still show.
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    // Workflow code builds its failures with the same converter as every other process.
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  return outFile;
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
  bundleWorkflows(out).then(
    (file) => console.log(`workflow bundle written to ${file}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
