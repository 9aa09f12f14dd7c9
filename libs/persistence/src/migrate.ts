import { Client } from 'pg';
import { createDataSource } from './data-source';

/** Advisory lock key held while migrating, so concurrent runners take turns. */
const MIGRATION_LOCK = 7_305_481_922;

/**
 * Creates the database when it is missing (when `createDatabase`), then
 * applies pending migrations under an advisory lock. Returns their names.
 */
export async function migrate(url: string, options: { createDatabase?: boolean } = {}): Promise<string[]> {
  if (options.createDatabase) await createDatabaseIfMissing(url);
  const dataSource = await createDataSource({ url, applicationName: 'switchyard-migrate', poolSize: 1 }).initialize();
  try {
    await dataSource.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await dataSource.destroy();
  }
}

/** Reverts the last `steps` migrations. */
export async function revert(url: string, steps = 1): Promise<void> {
  const dataSource = await createDataSource({ url, applicationName: 'switchyard-migrate', poolSize: 1 }).initialize();
  try {
    for (let i = 0; i < steps; i += 1) await dataSource.undoLastMigration({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

export async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) return false;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } catch (err) {
    // Two processes creating the same database at once: the loser sees 42P04.
    if ((err as { code?: string }).code === '42P04') return false;
    throw err;
  } finally {
    await client.end();
  }
}
