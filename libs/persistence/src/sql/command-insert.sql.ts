import { CommandDraft, preview } from '@switchyard/domain';
import { ROUTABLE_STATUSES } from './agent.sql';
import { CommandRow, commandColumns } from './command-row';
import { prepared, Queryable } from './db';
import { inFlightCount } from './in-flight';

/** Drafts to insert already claimed: draft id → agent id, and the agents' room (`max_concurrency × prefetch`). */
export interface ClaimsOnInsert {
  agents: ReadonlyMap<string, string>;
  prefetch: number;
}

const NO_CLAIMS: ClaimsOnInsert = { agents: new Map(), prefetch: 1 };

const INSERT_COMMANDS = prepared(
  'insert_commands',
  `WITH input AS (
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
       id uuid, target_kind text, target text, type text, payload jsonb, payload_preview text,
       caller text, idempotency_key text, mode text, state text, max_attempts integer, backoff jsonb,
       run_at timestamptz, available_at timestamptz, published_at timestamptz, deadline_at timestamptz,
       finished_at timestamptz, error jsonb, ack_timeout_ms integer, heartbeat_timeout_ms integer,
       depth integer, parent_id uuid, handles_dead_letter uuid, traceparent text, assigned_agent text, ord integer)
   ), room AS (
     SELECT a.id, floor(a.max_concurrency * $3::float8)::int - ${inFlightCount('a.id')}::int AS free
     FROM agents a
     WHERE a.status IN (${ROUTABLE_STATUSES}) AND a.id IN (SELECT assigned_agent FROM input)
   ), admitted AS (
     SELECT i.*, CASE WHEN row_number() OVER (PARTITION BY i.assigned_agent ORDER BY i.ord) <= r.free
       THEN i.assigned_agent END AS claimed_by
     FROM input i LEFT JOIN room r ON r.id = i.assigned_agent
   ), inserted AS (
     INSERT INTO commands (id, target_kind, target, type, payload, payload_preview, caller, idempotency_key,
       mode, state, max_attempts, backoff, run_at, available_at, published_at, deadline_at, finished_at, error,
       ack_timeout_ms, heartbeat_timeout_ms, depth, parent_id, handles_dead_letter, traceparent, created_at, updated_at,
       attempt, assigned_agent, dispatched_at, last_heartbeat_at, lease_expires_at)
     SELECT id, target_kind, target, type, payload, payload_preview, caller, idempotency_key,
       mode, CASE WHEN claimed_by IS NULL THEN state ELSE 'dispatched' END, max_attempts, backoff, run_at,
       available_at, published_at, deadline_at, finished_at, error,
       ack_timeout_ms, heartbeat_timeout_ms, depth, parent_id, handles_dead_letter, traceparent, $2, $2,
       CASE WHEN claimed_by IS NULL THEN 0 ELSE 1 END, claimed_by,
       CASE WHEN claimed_by IS NULL THEN NULL ELSE $2::timestamptz END,
       CASE WHEN claimed_by IS NULL THEN NULL ELSE $2::timestamptz END,
       CASE WHEN claimed_by IS NULL THEN NULL
         ELSE $2::timestamptz + ack_timeout_ms * interval '1 millisecond' END
     FROM admitted
     -- One order for every inserter: two batches repeating the same keys then wait on each other, never deadlock.
     ORDER BY caller, idempotency_key, id
     ON CONFLICT DO NOTHING
     RETURNING ${commandColumns()}
   ), logged AS (
     INSERT INTO command_events (command_id, attempt, event, from_state, to_state, agent_id, data, at)
     SELECT command_id, attempt, event, from_state, to_state, agent_id, data, $2 FROM (
       SELECT id AS command_id, 0 AS attempt, 'submit' AS event, NULL AS from_state,
         CASE WHEN assigned_agent IS NULL THEN state ELSE 'queued' END AS to_state, NULL AS agent_id,
         CASE WHEN error IS NULL THEN NULL ELSE jsonb_build_object('error', error) END AS data, 0 AS step
       FROM inserted
       UNION ALL
       SELECT id, 1, 'claim', 'queued', 'dispatched', assigned_agent, NULL, 1
       FROM inserted WHERE assigned_agent IS NOT NULL
     ) e
     ORDER BY step
   )
   SELECT * FROM inserted`,
);

/**
 * Inserts a batch of commands, skipping any whose id or (caller,
 * idempotency key) already exists, and records a `submit` event for each row
 * actually inserted, in the same statement.
 *
 * `published_at` is set to `now` for queued rows: the caller publishes right
 * after commit, and if that publish is lost the relay job republishes the row
 * once RELAY_AFTER_MS has passed. A draft created `cancelled` (past the
 * maximum depth) is finished at `now` with its error and never published; its
 * `submit` event carries the error.
 *
 * Claim on insert: a queued draft named in `claims.agents` (draft id → agent
 * id) is inserted already claimed by that agent, as the `claim` edge would
 * leave it (`dispatched`, attempt 1, the ack-timeout lease), with its `submit`
 * and `claim` events in that order. Winning the insert is winning the claim: a
 * second insert of the same command (same id or idempotency key) does nothing,
 * so only the caller that got the row back delivers it.
 *
 * The claim is admitted here, not by the caller's view of the fleet: an agent
 * takes only as many as it has room for now (routable, and fewer than
 * `max_concurrency × claims.prefetch` attempts in flight, counted in this
 * statement), in draft order. A named draft past that room is inserted
 * `queued` and unassigned, for the caller to offer again. Uses
 * commands_in_flight_by_agent.
 *
 * Returns the inserted rows only; look up the others by idempotency key.
 */
export async function insertCommands(
  db: Queryable,
  commands: readonly CommandDraft[],
  now: Date,
  claims: ClaimsOnInsert = NO_CLAIMS,
): Promise<CommandRow[]> {
  if (commands.length === 0) return [];
  const records = commands.map((c, ord) => ({
    ord,
    id: c.id,
    target_kind: c.targetKind,
    target: c.target,
    type: c.type,
    payload: c.payload ?? null,
    payload_preview: preview(c.payload),
    caller: c.caller,
    idempotency_key: c.idempotencyKey,
    mode: c.mode,
    state: c.state,
    max_attempts: c.maxAttempts,
    backoff: c.backoff,
    run_at: c.runAt?.toISOString() ?? null,
    available_at: (c.state === 'scheduled' && c.runAt ? c.runAt : now).toISOString(),
    published_at: c.state === 'queued' ? now.toISOString() : null,
    finished_at: c.state === 'cancelled' ? now.toISOString() : null,
    error: c.error ?? null,
    deadline_at: c.deadlineAt.toISOString(),
    ack_timeout_ms: c.ackTimeoutMs,
    heartbeat_timeout_ms: c.heartbeatTimeoutMs,
    depth: c.depth,
    parent_id: c.parentId,
    handles_dead_letter: c.handlesDeadLetter ?? null,
    traceparent: c.traceparent,
    assigned_agent: c.state === 'queued' ? (claims.agents.get(c.id) ?? null) : null,
  }));
  const { rows } = await db.query<CommandRow>(INSERT_COMMANDS([JSON.stringify(records), now, claims.prefetch]));
  return rows;
}

/** The commands that already hold these (caller, idempotency key) pairs. */
export async function findByIdempotencyKeys(
  db: Queryable,
  keys: readonly { caller: string; idempotencyKey: string }[],
): Promise<CommandRow[]> {
  if (keys.length === 0) return [];
  const { rows } = await db.query<CommandRow>(
    `SELECT c.* FROM commands c
     JOIN unnest($1::text[], $2::text[]) AS k(caller, idempotency_key)
       ON c.caller = k.caller AND c.idempotency_key = k.idempotency_key`,
    [keys.map((k) => k.caller), keys.map((k) => k.idempotencyKey)],
  );
  return rows;
}

export async function findCommandsByIds(db: Queryable, ids: readonly string[]): Promise<CommandRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<CommandRow>(`SELECT * FROM commands WHERE id = ANY($1::uuid[])`, [ids]);
  return rows;
}
