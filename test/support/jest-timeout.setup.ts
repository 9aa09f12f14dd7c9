// Jest ignores `testTimeout` inside `projects` entries (jestjs/jest#9696), so
// jest.config.ts hands each project's timeout over as the global
// SWITCHYARD_TEST_TIMEOUT and this file (setupFilesAfterEnv) applies it.
import { jest } from '@jest/globals';

const timeout = (globalThis as { SWITCHYARD_TEST_TIMEOUT?: unknown }).SWITCHYARD_TEST_TIMEOUT;
if (typeof timeout === 'number') {
  jest.setTimeout(timeout);
}
