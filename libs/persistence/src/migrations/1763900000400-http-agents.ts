import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agents that speak only HTTP.
 *
 * - `agents.transport`: how the dispatcher reaches the agent. `nats` agents
 *   get each attempt as a NATS request; `http` agents collect theirs from the
 *   gateway with a long poll, and the dispatcher only wakes that poll. Set by
 *   every session connect.
 * - `commands.delivered_attempt`: the attempt last handed to an HTTP agent's
 *   claim, so a poll never hands out the same attempt twice. A new attempt has
 *   a higher number, so nothing needs resetting on retry.
 */
export class HttpAgents1763900000400 implements MigrationInterface {
  name = 'HttpAgents1763900000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE agents ADD COLUMN transport text NOT NULL DEFAULT 'nats'
         CONSTRAINT agents_transport_check CHECK (transport IN ('nats', 'http'))`,
    );
    await q.query(`ALTER TABLE commands ADD COLUMN delivered_attempt integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE commands DROP COLUMN delivered_attempt`);
    await q.query(`ALTER TABLE agents DROP COLUMN transport`);
  }
}
