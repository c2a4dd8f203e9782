import { DefaultLogger, Runtime } from '@temporalio/worker';

// One Runtime per process (DESIGN.md §6). Jest reuses worker processes across test files, so a second
// install is expected and harmless; only warnings and errors are worth reading in test output.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}
