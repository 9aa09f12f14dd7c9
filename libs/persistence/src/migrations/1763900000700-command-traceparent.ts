import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `commands.traceparent`: the W3C trace context of the hop that recorded the
 * command (the gateway's, continuing the caller's `traceparent` header, or
 * the dispatcher's for a command submitted over NATS). Every later hop (the
 * delivery, lifecycle events, the agent's reports) continues this trace.
 * Nullable, without a backfill: a row recorded before this migration gets a
 * trace derived from its id (`traceOfCommandId`), the same on every hop.
 */
export class CommandTraceparent1763900000700 implements MigrationInterface {
  name = 'CommandTraceparent1763900000700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE commands ADD COLUMN traceparent text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE commands DROP COLUMN traceparent`);
  }
}
