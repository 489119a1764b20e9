/**
 * The soak run (`npm run test:soak`): one long test against a real redis-server, kept out of `npm test`.
 * Same transform and module mapping as the main config.
 */
export default {
  rootDir: '../..',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^nest-redis-session$': '<rootDir>/libs/redis-session/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  testMatch: ['<rootDir>/test/soak/**/*.soak.ts'],
  testTimeout: 30 * 60_000,
};
