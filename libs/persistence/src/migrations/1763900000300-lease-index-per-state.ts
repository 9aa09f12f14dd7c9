import { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from './concurrent-index';

/**
 * Replaces commands_lease (dispatched and running rows by lease end) with one
 * partial index per state: commands_dispatched_lease for the ack-timeout job,
 * commands_running_lease for heartbeat-loss.
 *
 * Why: each job claims one state, `state = <s> AND lease_expires_at <= now
 * ORDER BY lease_expires_at`. Against the shared index the planner misjudged
 * the claim on a 1,000,000-row ledger (docs/ticker.md, "Scan cost"): it read
 * every row of the state through commands_state_id and sorted them, or
 * bitmap-scanned both states' due rows and sorted those. With an index whose
 * predicate is exactly the claim's state, the claim reads its own due rows in
 * lease order and stops at the batch size. Every dispatched or running row is
 * in exactly one of the two, as it was in commands_lease, so a heartbeat's
 * lease renewal writes no more index entries than before.
 *
 * Built CONCURRENTLY, outside a transaction, so that writes to `commands`
 * never wait for the build; an INVALID leftover of a failed build is dropped
 * and built again.
 */
export class LeaseIndexPerState1763900000300 implements MigrationInterface {
  name = 'LeaseIndexPerState1763900000300';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await createIndexConcurrently(
      q,
      'commands_dispatched_lease',
      `ON commands (lease_expires_at) WHERE state = 'dispatched'`,
    );
    await createIndexConcurrently(
      q,
      'commands_running_lease',
      `ON commands (lease_expires_at) WHERE state = 'running'`,
    );
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS commands_lease`);
  }

  /** Runs inside the revert's transaction, so not CONCURRENTLY. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS commands_lease ON commands (lease_expires_at) WHERE state IN ('dispatched', 'running')`,
    );
    await q.query(`DROP INDEX IF EXISTS commands_running_lease`);
    await q.query(`DROP INDEX IF EXISTS commands_dispatched_lease`);
  }
}
