import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { parseConfig, ServiceName, SwitchyardConfig } from '@switchyard/config';
import { streamsFor } from '@switchyard/messaging';
import { Pool } from 'pg';
import { testServers } from './servers';
import { closePool } from './close-pool';
import { createTestDatabase } from './test-database';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';
export const TEST_PEPPER = 'test-pepper-0123456789abcdef';

/**
 * Everything one test file needs to stay apart from the others: its own
 * database and its own namespace on the shared NATS server.
 */
export interface TestEnv {
  databaseUrl: string;
  natsUrl: string;
  namespace: string;
  /** Environment variables for a service process or in-process module. */
  env: Record<string, string>;
  config(service: ServiceName, overrides?: Record<string, string>): SwitchyardConfig;
  pool: Pool;
  teardown(): Promise<void>;
}

export async function createTestEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const servers = await testServers();
  const database = await createTestDatabase(servers.databaseUrl);
  const namespace = `t${randomBytes(5).toString('hex')}`;
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    NATS_URL: servers.natsUrl,
    SWITCHYARD_NAMESPACE: namespace,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    API_KEY_PEPPER: TEST_PEPPER,
    LOG_LEVEL: 'warn',
    // Test files run in parallel against one Postgres: a few connections per service process is plenty.
    DATABASE_POOL_SIZE: '10',
    ...overrides,
  };
  const pool = new Pool({ connectionString: database.url, max: 25 });
  return {
    databaseUrl: database.url,
    natsUrl: servers.natsUrl,
    namespace,
    env,
    pool,
    config: (service, more = {}) => parseConfig({ ...env, ...more }, service),
    async teardown() {
      await closePool(pool);
      await deleteStreams(servers.natsUrl, namespace);
      await database.drop();
    },
  };
}

/** Removes a namespace's streams (and with them its consumers) from the shared server. */
export async function deleteStreams(natsUrl: string, namespace: string): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    for (const name of Object.values(streamsFor(namespace))) {
      await jsm.streams.delete(name).catch(() => undefined);
    }
  } finally {
    await nc.close();
  }
}
