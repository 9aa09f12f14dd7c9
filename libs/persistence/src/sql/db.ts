import type { Pool, PoolClient, QueryResultRow } from 'pg';

/** A statement Postgres parses and plans once per connection, found again by its name (see `prepared`). */
export interface NamedStatement {
  name: string;
  text: string;
  values: unknown[];
}

/** Anything that runs a parameterised statement: the pool or a client inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(
    statement: string | NamedStatement,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * A statement run on every batch of the hot path, as a named prepared
 * statement: each connection parses and plans it once instead of on every
 * call (planning was as long as executing for the batch insert and the
 * batch succeed). Made once, at module level, from constant text; each call
 * binds its values. Its result must name its columns (`COMMAND_COLUMNS`),
 * never `*` of a table: a cached plan whose result type changes fails, and a
 * migration that adds a column to a table would change a `*` while the old
 * services still run.
 */
export function prepared(name: string, text: string): (values: unknown[]) => NamedStatement {
  const statementName = `sy_${name}`;
  return (values) => ({ name: statementName, text, values });
}

/**
 * Runs `fn` in one transaction on a dedicated client; rolls back on any throw.
 *
 * A checked-out client has no pool listener for 'error': a backend that is
 * terminated between two statements (a restart, `pg_terminate_backend`, a
 * network cut) would emit an unhandled 'error' and kill the process. Here it
 * is held until release, the next statement fails instead, and the broken
 * client is discarded rather than returned to the pool.
 */
export async function inTransaction<T>(pool: Pool, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => {
      broken ??= rollbackErr;
    });
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/**
 * Runs `fn` inside a savepoint of an open transaction so that one row's
 * failure undoes only that row's writes.
 */
export async function inSavepoint<T>(tx: PoolClient, fn: () => Promise<T>): Promise<T> {
  await tx.query('SAVEPOINT row_step');
  try {
    const result = await fn();
    await tx.query('RELEASE SAVEPOINT row_step');
    return result;
  } catch (err) {
    await tx.query('ROLLBACK TO SAVEPOINT row_step');
    throw err;
  }
}
