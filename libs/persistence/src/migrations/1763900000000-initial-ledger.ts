import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ledger: agents, clients, API keys, commands (folded state),
 * command_events (append-only audit trail) and dead letters.
 *
 * Partial indexes back every claim and sweep so that their cost follows the
 * number of due rows, not the size of the table:
 * - commands_scheduled_due      scheduled rows by run_at            (runAt due)
 * - commands_queued_available   queued rows by available_at          (retry due, relay)
 * - commands_queued_target      queued rows per target               (drain on connect)
 * - commands_lease              dispatched/running rows by lease end (ack timeout, heartbeat loss)
 * - commands_open_deadline      non-terminal rows by deadline        (expiry)
 * - commands_in_flight_agent    dispatched/running rows per agent    (agent load)
 */
export class InitialLedger1763900000000 implements MigrationInterface {
  name = 'InitialLedger1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agents (
        id text PRIMARY KEY CONSTRAINT agents_id_slug CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
        name text NOT NULL,
        pools text[] NOT NULL DEFAULT '{}',
        labels jsonb NOT NULL DEFAULT '{}',
        max_concurrency integer NOT NULL DEFAULT 1 CONSTRAINT agents_concurrency_positive CHECK (max_concurrency > 0),
        status text NOT NULL DEFAULT 'offline'
          CONSTRAINT agents_status_known CHECK (status IN ('offline', 'idle', 'busy', 'draining', 'error')),
        activity text,
        detail text,
        status_command_id uuid,
        session_id text,
        last_heartbeat_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX agents_pools ON agents USING gin (pools)`);
    await q.query(`CREATE INDEX agents_live_heartbeat ON agents (last_heartbeat_at) WHERE status <> 'offline'`);

    await q.query(`
      CREATE TABLE clients (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        kind text NOT NULL CONSTRAINT api_keys_kind_known CHECK (kind IN ('client', 'agent')),
        client_id uuid REFERENCES clients (id) ON DELETE CASCADE,
        agent_id text REFERENCES agents (id) ON DELETE CASCADE,
        key_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        CONSTRAINT api_keys_owner CHECK ((kind = 'client') = (client_id IS NOT NULL) AND (kind = 'agent') = (agent_id IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX api_keys_active_agent ON api_keys (agent_id) WHERE revoked_at IS NULL`);

    await q.query(`
      CREATE TABLE commands (
        id uuid PRIMARY KEY,
        target_kind text NOT NULL CONSTRAINT commands_target_kind_known CHECK (target_kind IN ('agent', 'pool')),
        target text NOT NULL,
        type text NOT NULL,
        payload jsonb,
        payload_preview text,
        caller text NOT NULL,
        idempotency_key text,
        mode text NOT NULL DEFAULT 'async' CONSTRAINT commands_mode_known CHECK (mode IN ('async', 'sync')),
        state text NOT NULL CONSTRAINT commands_state_known CHECK (state IN
          ('scheduled', 'queued', 'dispatched', 'running', 'succeeded', 'failed', 'cancelled', 'expired', 'stuck')),
        attempt integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL CONSTRAINT commands_max_attempts_positive CHECK (max_attempts >= 1),
        backoff jsonb NOT NULL,
        run_at timestamptz,
        available_at timestamptz NOT NULL,
        published_at timestamptz,
        deadline_at timestamptz NOT NULL,
        ack_timeout_ms integer NOT NULL,
        heartbeat_timeout_ms integer NOT NULL,
        lease_expires_at timestamptz,
        assigned_agent text,
        dispatched_at timestamptz,
        accepted_at timestamptz,
        last_heartbeat_at timestamptz,
        finished_at timestamptz,
        result jsonb,
        result_preview text,
        error jsonb,
        depth integer NOT NULL DEFAULT 0,
        parent_id uuid REFERENCES commands (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX commands_idempotency ON commands (caller, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await q.query(`CREATE INDEX commands_caller_id ON commands (caller, id)`);
    await q.query(
      `CREATE INDEX commands_assigned_id ON commands (assigned_agent, id) WHERE assigned_agent IS NOT NULL`,
    );
    await q.query(`CREATE INDEX commands_state_id ON commands (state, id)`);
    await q.query(`CREATE INDEX commands_target_id ON commands (target, id)`);
    await q.query(`CREATE INDEX commands_type_id ON commands (type, id)`);
    await q.query(`CREATE INDEX commands_parent ON commands (parent_id) WHERE parent_id IS NOT NULL`);
    await q.query(`CREATE INDEX commands_scheduled_due ON commands (run_at) WHERE state = 'scheduled'`);
    await q.query(`CREATE INDEX commands_queued_available ON commands (available_at) WHERE state = 'queued'`);
    await q.query(
      `CREATE INDEX commands_queued_target ON commands (target_kind, target, available_at) WHERE state = 'queued'`,
    );
    await q.query(
      `CREATE INDEX commands_lease ON commands (lease_expires_at) WHERE state IN ('dispatched', 'running')`,
    );
    await q.query(
      `CREATE INDEX commands_open_deadline ON commands (deadline_at) WHERE state IN ('scheduled', 'queued', 'dispatched', 'running')`,
    );
    await q.query(
      `CREATE INDEX commands_in_flight_agent ON commands (assigned_agent) WHERE state IN ('dispatched', 'running')`,
    );

    await q.query(`
      CREATE TABLE command_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        command_id uuid NOT NULL REFERENCES commands (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        event text NOT NULL,
        from_state text,
        to_state text NOT NULL,
        agent_id text,
        data jsonb,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX command_events_command ON command_events (command_id, id)`);

    await q.query(`
      CREATE TABLE dead_letters (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        command_id uuid NOT NULL REFERENCES commands (id) ON DELETE CASCADE,
        reason text NOT NULL,
        type text NOT NULL,
        target text NOT NULL,
        attempt integer NOT NULL,
        error jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        replayed_at timestamptz,
        replay_command_id uuid,
        resolved_at timestamptz,
        resolution_note text
      )`);
    await q.query(`CREATE UNIQUE INDEX dead_letters_command ON dead_letters (command_id)`);
    await q.query(`CREATE INDEX dead_letters_open ON dead_letters (created_at) WHERE resolved_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE dead_letters`);
    await q.query(`DROP TABLE command_events`);
    await q.query(`DROP TABLE commands`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE clients`);
    await q.query(`DROP TABLE agents`);
  }
}
