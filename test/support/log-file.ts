import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino, { type DestinationStream } from 'pino';

/**
 * A real pino destination on a temporary file, read back as text and as parsed JSON lines: logger tests
 * see exactly what a process would write. Call inside a test file (it registers its own clean-up).
 */
export function logFiles(prefix: string) {
  let dir = '';
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), prefix))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return <T>(makeLogger: (destination: DestinationStream) => T) => {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.log`);
    const logger = makeLogger(pino.destination({ dest: file, sync: true, mkdir: true }));
    const text = () => readFileSync(file, 'utf8');
    const lines = () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { logger, text, lines };
  };
}
