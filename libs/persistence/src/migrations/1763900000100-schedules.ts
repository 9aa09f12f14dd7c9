import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Schedules: recurring commands from a cron expression and time zone.
 *
 * Exactly one command per fire time needs no column on `commands`: a fired
 * command's caller is `schedule:<id>` and its idempotency key the fire time,
 * so `commands_idempotency` turns a second insert into a no-op.
 *
 * Deletion is soft (`deleted_at`), so the commands a schedule fired keep a
 * schedule to point at. Partial indexes hold live schedules only:
 * - schedules_due        by next_fire_at   (the schedule-fire claim)
 * - schedules_caller_id  per caller, by id (a caller's listing, keyset)
 */
export class Schedules1763900000100 implements MigrationInterface {
  name = 'Schedules1763900000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE schedules (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        cron text NOT NULL,
        timezone text NOT NULL,
        catch_up text NOT NULL DEFAULT 'once'
          CONSTRAINT schedules_catch_up_known CHECK (catch_up IN ('once', 'all', 'none')),
        command jsonb NOT NULL,
        caller text NOT NULL,
        next_fire_at timestamptz NOT NULL,
        last_fired_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(`CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX schedules_caller_id ON schedules (caller, id) WHERE deleted_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE schedules`);
  }
}
