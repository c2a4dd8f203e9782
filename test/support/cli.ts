import { runCli, type CliIo } from '../../client/cli/commands';
import { TEST_CODEC_KEYS_FILE } from './codec';
import { testNamespace, testTemporalAddress } from './temporal';

/**
 * Runs the `payouts` CLI in this process against the test run's Temporal server and task queue, with the
 * test codec keys; returns its exit code and what it printed.
 */
export async function runTestCli(
  argv: string[],
  options: { taskQueue: string; env?: Record<string, string>; openService?: CliIo['openService'] },
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: {
      TEMPORAL_ADDRESS: testTemporalAddress(),
      TEMPORAL_NAMESPACE: testNamespace(),
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      PAYLOAD_CODEC_KEYS_FILE: TEST_CODEC_KEYS_FILE,
      ...options.env,
    },
    ...(options.openService ? { openService: options.openService } : {}),
  });
  return { code, stdout, stderr };
}
