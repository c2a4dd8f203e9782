// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** The only packages domain/ may import: each does no I/O (@temporalio/common: the workflow sandbox loads it). */
const PURE_PACKAGES = ['zod', 'ibantools', '@temporalio/common'];
/** Folders domain/ must not reach into: they do I/O or wire processes. */
const PROCESS_FOLDERS = [
  'activities',
  'workers',
  'client',
  'common',
  'workflows',
  'sandbox',
  'scripts',
  'bench',
  'test',
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.data/**',
      '.tools/**',
      'coverage/**',
      'jest.config.js',
      'jest.cluster.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Workflow code is replayed: it must stay deterministic. No I/O modules, no HTTP client,
    // and activities only as types (their implementations run in the worker, not the sandbox).
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'Node builtins are not deterministic: not in workflow code.',
            })),
            { name: 'ky', message: 'HTTP belongs in activities, not in workflow code.' },
          ],
          patterns: [
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Import activities as types only (proxyActivities<typeof …>).',
            },
            { group: ['ky/**'], message: 'HTTP belongs in activities, not in workflow code.' },
          ],
        },
      ],
    },
  },
  {
    // Domain rules are pure: the same answer wherever they run (workflow, activity, edge). Packages are
    // allowed one by one, each checked to do no I/O; nothing from the folders that do.
    files: ['domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(?!\\.{1,2}/)(?!(?:${PURE_PACKAGES.join('|')}|@temporalio/workflow)$)`,
              message: `domain/ is pure: it imports only ${PURE_PACKAGES.join(', ')} and domain/ modules (a package joins that list once checked to do no I/O).`,
            },
            {
              group: ['@temporalio/workflow'],
              allowTypeImports: true,
              message: 'domain/ runs outside workflows too: @temporalio/workflow as types only.',
            },
            {
              regex: `^\\.{1,2}/(?:.*/)?(?:${PROCESS_FOLDERS.join('|')})(?:/|$)`,
              message: 'domain/ imports nothing from the folders that do I/O or wire processes.',
            },
          ],
        },
      ],
    },
  },
  {
    // The edge talks to Temporal only: activities and the worker run in the worker process.
    files: ['client/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/activities', '**/activities/**', '**/workers', '**/workers/**'],
              message: 'client/ (the edge) never imports activities/ or workers/: they run in the worker.',
            },
          ],
        },
      ],
    },
  },
  {
    // The sandbox is an independent implementation of Fintecture: sharing code with our client
    // would let the tests check the client against itself.
    files: ['sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/common/**',
                '**/domain/**',
                '**/activities/**',
                '**/workflows/**',
                '**/workers/**',
                '**/client/**',
                '**/common',
                '**/domain',
                '**/activities',
                '**/workflows',
                '**/workers',
                '**/client',
              ],
              message: 'The sandbox imports nothing from the rest of the project.',
            },
          ],
        },
      ],
    },
  },
);
