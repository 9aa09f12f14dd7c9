import type { Config } from 'jest';
import { pathsToModuleNameMapper } from 'ts-jest';
import ts from 'typescript';

// Path aliases (@switchyard/*) live in tsconfig.json; read them from there
// instead of duplicating them here.
const { config: tsconfig } = ts.readConfigFile(
  './tsconfig.json',
  ts.sys.readFile,
);
const paths = (tsconfig?.compilerOptions?.paths ?? {}) as Record<
  string,
  string[]
>;

// Nest 12 ships ESM, so on Node 20 Jest must run in ESM mode (see
// /work/shared/TOOLCHAIN.md): ts-jest with useESM, `.ts` treated as ESM, and
// the scripts keep `node --experimental-vm-modules`. In this mode the global
// `jest` object is undefined; tests `import { jest } from '@jest/globals'`.
const shared: Config = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.(t|j)s$': [
      'ts-jest',
      {
        useESM: true,
        tsconfig: { module: 'esnext', moduleResolution: 'bundler' },
      },
    ],
  },
  moduleNameMapper: {
    ...pathsToModuleNameMapper(paths, { prefix: '<rootDir>/' }),
    // Relative imports written with a `.js` suffix resolve to the `.ts` source.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

// Jest ignores `testTimeout` inside a `projects` entry (jestjs/jest#9696), so
// a project's timeout goes in as a global that a setup file applies.
const withTimeout = (ms: number): Config => ({
  globals: { SWITCHYARD_TEST_TIMEOUT: ms },
  setupFilesAfterEnv: ['<rootDir>/test/support/jest-timeout.setup.ts'],
});

const config: Config = {
  // Integration and e2e suites talk to the one local Postgres and NATS, so
  // keep parallelism modest rather than one worker per core.
  maxWorkers: 2,
  coverageDirectory: './coverage',
  collectCoverageFrom: ['{apps,libs}/**/src/**/*.ts', '!**/*.spec.ts'],
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      ...withTimeout(60_000),
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      ...withTimeout(120_000),
    },
  ],
};

export default config;
