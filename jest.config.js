/** Two cores: at most two test files at once; one Temporal dev server for the whole run. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // 20 worker kills during 50 journeys: minutes of wall time on 2 cores, run on its own (npm run test:crashes).
  testPathIgnorePatterns: process.env.DH_CRASH_TEST ? [] : ['<rootDir>/test/reliability/worker-crashes.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 60000,
};
