// Jest runs TypeScript through swc (fast, no type-check: `npm run typecheck` does that).
// ky@1 is ESM-only, so it is transformed too (DESIGN.md §6), and so is content-disposition@3 (required by
// @fastify/static, which @fastify/swagger-ui serves /docs with: Node loads it natively, Jest does not).
/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The production-topology suite needs the PostgreSQL cluster: `npm run test:cluster` (jest.cluster.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
  transform: { '^.+\\.(t|j)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!ky/|content-disposition/)'],
  setupFiles: ['<rootDir>/test/support/setup-runtime.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  // Two cores: more workers only contend with the Temporal server and the sandbox processes.
  maxWorkers: 2,
};
