// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', '.tools/**', 'coverage/**', 'jest.config.js'] },
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
