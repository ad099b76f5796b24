/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: '<rootDir>/test/helpers/timeLimit.ts',
  // Per-test time limit. The slowest test measured on the 2-core machine took 7.7 s (a mirror
  // threshold experiment, test/theorems/mirror.test.ts) with the whole suite running; 30 s leaves
  // 4× for slower machines and loaded CI. Tests and hooks that need more set their own (the package
  // test's beforeAll: 240 s). Synchronous tests are held to it by the environment above: they fail
  // when they return late, and a test still running at twice its limit is killed.
  testTimeout: 30_000,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/setup.ts'],
  // Assembles numeric/kernels.wasm when it is missing or older than its source (numeric/kernels.wat).
  globalSetup: '<rootDir>/scripts/build-wasm.js',
};
