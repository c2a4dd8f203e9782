// `npm run test:cluster`: the suite of test/cluster/ on the PostgreSQL-backed Temporal cluster (issue 14),
// with the settings of jest.config.js. One file at a time: the cluster and its processes take both cores.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/'],
  testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
  testTimeout: 300_000,
  maxWorkers: 1,
};
