import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface DataSourceOptions {
  url: string;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  poolSize?: number;
}

/**
 * The TypeORM data source of a service. The schema is owned by migrations
 * (never `synchronize`); entities and migrations are listed as classes.
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    applicationName: options.applicationName,
    extra: { max: options.poolSize ?? 10 },
  });
}

/** The pg pool under a data source: the claim and transition SQL runs on it directly. */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/**
 * Gives every client the pool hands out a lasting 'error' listener. pg-pool
 * listens only to idle clients; a checked-out one whose backend is terminated
 * while no statement is running (a Postgres restart, `pg_terminate_backend`)
 * emits an 'error' nobody handles, which kills the process. With the
 * listener, the next statement on it fails instead, and the pool discards the
 * client when it is released (it is no longer queryable). Found by the chaos
 * run (docs/chaos.md): gateway and orchestrators died on `kill-pg-backends`.
 */
export function guardCheckedOutClients(pool: Pool): Pool {
  const guarded = new WeakSet<object>();
  pool.on('acquire', (client) => {
    if (guarded.has(client)) return;
    guarded.add(client);
    client.on('error', () => undefined);
  });
  return pool;
}
