import type { QueryRunner } from 'typeorm';

/**
 * Builds an index CONCURRENTLY (for a migration with `transaction = false`),
 * so that writes to the table never wait for the build; an INVALID leftover
 * of a failed build is dropped and built again.
 */
export async function createIndexConcurrently(q: QueryRunner, name: string, definition: string): Promise<void> {
  const invalid = (await q.query(
    `SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace AND NOT i.indisvalid`,
    [name],
  )) as unknown[];
  if (invalid.length) await q.query(`DROP INDEX CONCURRENTLY ${name}`);
  await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ${definition}`);
}
