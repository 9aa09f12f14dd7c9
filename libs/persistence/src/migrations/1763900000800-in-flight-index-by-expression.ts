import { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from './concurrent-index';

/**
 * Replaces commands_in_flight_agent (`(assigned_agent) WHERE state IN
 * ('dispatched', 'running')`) with commands_in_flight_by_agent, the same rows
 * keyed by an expression that only the in-flight count uses (inFlightAgent
 * in sql/in-flight.ts).
 *
 * Why: the count `assigned_agent = $1 AND state IN (...)` could also be
 * answered by commands_assigned_id, reading every command the agent ever had
 * and filtering on state. Without statistics on the table (a new ledger, or
 * autovacuum off) the planner costs both the same, and which one it takes
 * changes as the two indexes grow: in 4 of about 30 benchmark runs at
 * 1,000 commands/s the claim-on-insert statement read 5,000 buffers instead
 * of 15, and Postgres spent half as much CPU again (performance.md, section
 * 17). No other index has this expression, so the count reads only in-flight
 * entries whatever the planner knows.
 */
export class InFlightIndexByExpression1763900000800 implements MigrationInterface {
  name = 'InFlightIndexByExpression1763900000800';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await createIndexConcurrently(
      q,
      'commands_in_flight_by_agent',
      `ON commands ((CASE WHEN state IN ('dispatched', 'running') THEN assigned_agent END))
       WHERE state IN ('dispatched', 'running')`,
    );
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS commands_in_flight_agent`);
  }

  /** Runs inside the revert's transaction, so not CONCURRENTLY. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS commands_in_flight_agent ON commands (assigned_agent) WHERE state IN ('dispatched', 'running')`,
    );
    await q.query(`DROP INDEX IF EXISTS commands_in_flight_by_agent`);
  }
}
