import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * commands_retention: terminal rows by finished_at, the retention job's scan
 * (oldest first, `finished_at <= now - RETENTION_MS`). The predicate repeats
 * the claim's state list word for word, so the planner can prove the claim
 * implies it.
 *
 * Built CONCURRENTLY, outside a transaction: the ledger this lands on may hold
 * millions of rows, and a plain CREATE INDEX would block every write to
 * `commands` for the length of the build. A concurrent build that failed
 * leaves an INVALID index behind; it is dropped and built again.
 */
export class RetentionIndex1763900000200 implements MigrationInterface {
  name = 'RetentionIndex1763900000200';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const leftover = (await q.query(
      `SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE c.relname = 'commands_retention' AND c.relnamespace = current_schema()::regnamespace AND NOT i.indisvalid`,
    )) as unknown[];
    if (leftover.length) await q.query(`DROP INDEX CONCURRENTLY commands_retention`);
    await q.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS commands_retention ON commands (finished_at)
       WHERE state IN ('succeeded', 'failed', 'cancelled', 'expired', 'stuck')`,
    );
  }

  /** Runs inside the revert's transaction, so not CONCURRENTLY; dropping an index is quick. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS commands_retention`);
  }
}
