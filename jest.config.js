/**
 * Jest in ESM mode (Nest 12 is ESM-only): run with NODE_OPTIONS=--experimental-vm-modules (the npm
 * scripts do, with --disable-warning=ExperimentalWarning: Node's notice that VM modules are experimental
 * is expected here, and would otherwise open every run). ts-jest transpiles only; `npm run typecheck`
 * does the type checking once for everything.
 */
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^nest-redis-session$': '<rootDir>/libs/redis-session/src/index.ts',
    '^nest-redis-session/testing$': '<rootDir>/libs/redis-session/src/testing/index.ts',
    '^nest-redis-session/websockets$': '<rootDir>/libs/redis-session/src/websockets/index.ts',
    '^nest-redis-session/terminus$': '<rootDir>/libs/redis-session/src/terminus/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.jest.json' }],
    // @nestjs/throttler is CommonJS and require()s Nest's ES modules, which Node does and Jest on Node 20
    // does not: see test/support/jest/require-esm.transform.mjs.
    '/node_modules/@nestjs/throttler/.+\\.js$': '<rootDir>/test/support/jest/require-esm.transform.mjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/throttler/)'],
  setupFilesAfterEnv: ['<rootDir>/test/support/jest/esm-for-require.setup.ts'],
};

export default {
  maxWorkers: 2,
  testTimeout: 30_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    },
  ],
};
