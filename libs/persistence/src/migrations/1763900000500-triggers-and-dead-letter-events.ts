import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Triggers, and what dead letters need to become events.
 *
 * - `triggers`: rules that turn events into commands. Exactly one command per
 *   (trigger, event) needs no column on `commands`: a triggered command's
 *   caller is `trigger:<id>` and its idempotency key the event id, so
 *   `commands_idempotency` turns a second insert into a no-op. Deletion is
 *   soft, so the commands a trigger created keep a trigger to point at (and
 *   stay visible to its owner). `triggers_caller_id` serves a caller's
 *   listing; the consumer reads every live trigger at once (a small table).
 * - `commands.handles_dead_letter`: the dead letter a dead-letter handler was
 *   created for. Such a command never writes a dead letter; its failure
 *   annotates this one. No foreign key: a dangling id (the dead letter was
 *   purged with its command) only makes the annotation match nothing, and a
 *   key would make every purge scan `commands`.
 * - `dead_letters.published_at`: when the dead letter's event was
 *   acknowledged by JetStream; null until then. The dead-letter-relay job
 *   republishes rows still null after RELAY_AFTER_MS through
 *   `dead_letters_unpublished`. Rows older than this migration are marked
 *   published: they predate triggers and must not fire handlers now.
 * - `dead_letters.handler_failed_at`, `handler_command_id`: the first
 *   dead-letter handler that failed for this dead letter.
 */
export class TriggersAndDeadLetterEvents1763900000500 implements MigrationInterface {
  name = 'TriggersAndDeadLetterEvents1763900000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE triggers (
        id uuid PRIMARY KEY,
        subject_pattern text NOT NULL,
        target_kind text NOT NULL CONSTRAINT triggers_target_kind_known CHECK (target_kind IN ('agent', 'pool')),
        target text NOT NULL,
        type text NOT NULL,
        payload_template jsonb,
        options jsonb NOT NULL DEFAULT '{}',
        caller text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(`CREATE INDEX triggers_caller_id ON triggers (caller, id) WHERE deleted_at IS NULL`);
    await q.query(`ALTER TABLE commands ADD COLUMN handles_dead_letter uuid`);
    await q.query(
      `ALTER TABLE dead_letters ADD COLUMN published_at timestamptz,
         ADD COLUMN handler_failed_at timestamptz,
         ADD COLUMN handler_command_id uuid`,
    );
    await q.query(`UPDATE dead_letters SET published_at = created_at`);
    await q.query(`CREATE INDEX dead_letters_unpublished ON dead_letters (created_at) WHERE published_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX dead_letters_unpublished`);
    await q.query(
      `ALTER TABLE dead_letters DROP COLUMN handler_command_id, DROP COLUMN handler_failed_at, DROP COLUMN published_at`,
    );
    await q.query(`ALTER TABLE commands DROP COLUMN handles_dead_letter`);
    await q.query(`DROP TABLE triggers`);
  }
}
