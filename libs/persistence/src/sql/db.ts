import type { Pool, PoolClient, QueryResultRow } from 'pg';

/** Anything that runs a parameterised statement: the pool or a client inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** Runs `fn` in one transaction on a dedicated client; rolls back on any throw. */
export async function inTransaction<T>(pool: Pool, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
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
