/** Unit specs live next to the code (src/**\/*.spec.ts); integration and e2e tests under test/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '\\.(spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  // One test file at a time (--maxWorkers=1) in a worker process that is replaced once it holds
  // more than this after a file: the e2e apps' heaps otherwise add up to GC pauses of seconds
  // (Redis commands timing out in a later file) and a process that never exits.
  workerIdleMemoryLimit: '1500MB',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
