import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The folder roles (DESIGN.md §2) are kept by lint, not by review: these cases fail if a rule in
 * eslint.config.mjs is dropped or stops matching its folder. ESLint's Node API runs in a child process:
 * it loads eslint.config.mjs with a dynamic import, which Jest's module system does not allow.
 */

const PROJECT_ROOT = path.resolve(__dirname, '../..');

interface LintCase {
  name: string;
  /** Where the snippet is linted as if it were: the folder decides the rules. */
  filePath: string;
  code: string;
  /** Start of each restricted-import message expected, in order; empty: the imports are allowed. */
  expected: string[];
}

const DOMAIN_REFUSED = 'domain/ is pure';
const DOMAIN_FOLDERS = 'domain/ imports nothing from the folders';
const EDGE_REFUSED = 'client/ (the edge) never imports';

const CASES: LintCase[] = [
  {
    name: 'domain/ may not import a node builtin',
    filePath: 'domain/probe.ts',
    code: "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
    expected: [DOMAIN_REFUSED],
  },
  {
    name: 'domain/ may not import an HTTP client',
    filePath: 'domain/probe.ts',
    code: "import ky from 'ky';\nexport const http = ky;\n",
    expected: [DOMAIN_REFUSED],
  },
  {
    name: 'domain/ may not import the Temporal client',
    filePath: 'domain/probe.ts',
    code: "import { Client } from '@temporalio/client';\nexport const client = Client;\n",
    expected: [DOMAIN_REFUSED],
  },
  {
    name: 'domain/ may not import activities/',
    filePath: 'domain/probe.ts',
    code: "import { FintectureClient } from '../activities';\nexport const api = FintectureClient;\n",
    expected: [DOMAIN_FOLDERS],
  },
  {
    name: 'domain/ may not import common/',
    filePath: 'domain/probe.ts',
    code: "import { Secret } from '../common/secret';\nexport const secret = Secret;\n",
    expected: [DOMAIN_FOLDERS],
  },
  {
    name: 'domain/ may import @temporalio/workflow as types only',
    filePath: 'domain/probe.ts',
    code: "import { sleep } from '@temporalio/workflow';\nexport const wait = sleep;\n",
    expected: ['domain/ runs outside workflows too'],
  },
  {
    name: 'domain/ may import pure packages and other domain modules',
    filePath: 'domain/probe.ts',
    code:
      "import { z } from 'zod';\nimport { payoutWorkflowId } from './identifiers';\n" +
      "import type { WorkflowInfo } from '@temporalio/workflow';\n" +
      'export const pure = { z, payoutWorkflowId };\nexport type Info = WorkflowInfo;\n',
    expected: [],
  },
  {
    name: 'client/ may not import activities/',
    filePath: 'client/payouts/probe.ts',
    code: "import { FintectureClient } from '../../activities';\nexport const api = FintectureClient;\n",
    expected: [EDGE_REFUSED],
  },
  {
    name: 'client/ may not import workers/, not even types',
    filePath: 'client/payouts/probe.ts',
    code: "import type { WorkerEnv } from '../../workers/worker-config';\nexport type Env = WorkerEnv;\n",
    expected: [EDGE_REFUSED],
  },
];

/** Lints every case in one ESLint run; for each, the messages of the restricted-import rule. */
const LINT_RUNNER = `
const { ESLint } = require('eslint');
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const found = [];
  for (const { filePath, code } of JSON.parse(input)) {
    const [result] = await eslint.lintText(code, { filePath });
    found.push(
      result.messages
        .filter((message) => message.ruleId === '@typescript-eslint/no-restricted-imports')
        .map((message) => message.message),
    );
  }
  process.stdout.write(JSON.stringify(found));
});
`;

describe('lint keeps the folder roles', () => {
  let found: string[][];

  beforeAll(() => {
    const input = CASES.map(({ filePath, code }) => ({ filePath: path.join(PROJECT_ROOT, filePath), code }));
    found = JSON.parse(
      execFileSync(process.execPath, ['-e', LINT_RUNNER], {
        cwd: PROJECT_ROOT,
        input: JSON.stringify(input),
        encoding: 'utf8',
      }),
    ) as string[][];
  });

  it.each(CASES.map((lintCase, index) => [lintCase.name, lintCase, index] as const))(
    '%s',
    (_name, lintCase, index) => {
      expect(found[index]).toEqual(
        lintCase.expected.map((start) => expect.stringContaining(`pattern. ${start}`)),
      );
    },
  );
});
