import type { AgentLoad, AgentTransport } from '@switchyard/domain';
import { ROUTABLE_STATUSES as ROUTABLE } from './agent.sql';
import { CommandRow, commandColumns } from './command-row';
import { prepared, Queryable } from './db';
import { inFlightAgent, inFlightCount } from './in-flight';

const CLAIM_FOR_DISPATCH = prepared(
  'claim_for_dispatch',
  `WITH wanted AS (
     SELECT * FROM unnest($1::uuid[], $2::text[]) AS w(id, agent_id)
   ), locked AS (
     SELECT c.id, w.agent_id FROM commands c JOIN wanted w ON w.id = c.id
     WHERE c.state = 'queued' AND c.available_at <= $3
     ORDER BY c.id
     FOR UPDATE OF c SKIP LOCKED
   ), claimed AS (
     UPDATE commands c SET
       state = 'dispatched', attempt = c.attempt + 1, assigned_agent = l.agent_id,
       dispatched_at = $3, last_heartbeat_at = $3, updated_at = $3,
       lease_expires_at = $3::timestamptz + c.ack_timeout_ms * interval '1 millisecond'
     FROM locked l
     WHERE c.id = l.id AND c.state = 'queued'
     RETURNING ${commandColumns('c')}
   ), logged AS (
     INSERT INTO command_events (command_id, attempt, event, from_state, to_state, agent_id, at)
     SELECT id, attempt, 'claim', 'queued', 'dispatched', assigned_agent, $3 FROM claimed
   )
   SELECT * FROM claimed`,
);

/**
 * The `claim` edge of the transition table (queued → dispatched, attempt + 1)
 * for a whole batch, as one statement. Candidates are locked in id order with
 * `SKIP LOCKED`, so concurrent batches over overlapping rows never deadlock: a
 * row another claimer holds is that claimer's to win. The update still names
 * the state it expects (`state = 'queued' AND available_at <= now`), so a row
 * claimed first elsewhere, or a retry not due yet, does not come back. Each
 * claimed row gets its `claim` event in the same statement. Uses the primary key.
 */
export async function claimForDispatch(
  db: Queryable,
  assignments: readonly { commandId: string; agentId: string }[],
  now: Date,
): Promise<CommandRow[]> {
  if (assignments.length === 0) return [];
  const { rows } = await db.query<CommandRow>(
    CLAIM_FOR_DISPATCH([assignments.map((a) => a.commandId), assignments.map((a) => a.agentId), now]),
  );
  return rows;
}

/**
 * Drain on connect: claims up to `limit` queued commands this agent can serve
 * (addressed to it, or to one of its pools), oldest first, including rows
 * parked while no agent was live, but not retries whose time has not come.
 * `FOR UPDATE SKIP LOCKED` keeps concurrent drains from fighting over rows;
 * the claim itself is still a CAS on `state = 'queued'`.
 * Index: commands_queued_target.
 */
export async function claimQueuedForAgent(
  db: Queryable,
  agent: { id: string; pools: readonly string[] },
  limit: number,
  now: Date,
): Promise<CommandRow[]> {
  if (limit <= 0) return [];
  const { rows } = await db.query<CommandRow>(
    `WITH due AS (
       SELECT id FROM commands
       WHERE state = 'queued'
         AND ((target_kind = 'agent' AND target = $1) OR (target_kind = 'pool' AND target = ANY($2::text[])))
         AND (available_at <= $4 OR available_at = 'infinity')
       ORDER BY id
       LIMIT $3
       FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE commands c SET
         state = 'dispatched', attempt = c.attempt + 1, assigned_agent = $1,
         dispatched_at = $4, last_heartbeat_at = $4, updated_at = $4,
         lease_expires_at = $4::timestamptz + c.ack_timeout_ms * interval '1 millisecond'
       FROM due WHERE c.id = due.id AND c.state = 'queued'
       RETURNING c.*
     ), logged AS (
       INSERT INTO command_events (command_id, attempt, event, from_state, to_state, agent_id, at)
       SELECT id, attempt, 'claim', 'queued', 'dispatched', assigned_agent, $4 FROM claimed
     )
     SELECT * FROM claimed`,
    [agent.id, agent.pools, limit, now],
  );
  return rows;
}

/**
 * Parks queued commands that no live agent can serve: `available_at` becomes
 * 'infinity', which takes them out of the relay scan until a drain on connect
 * claims them. The liveness check is in the same statement, so a command whose
 * agent came online meanwhile is not parked (its drain may already have run):
 * the caller redelivers those instead.
 */
export async function parkUnroutable(db: Queryable, commandIds: readonly string[], now: Date): Promise<string[]> {
  if (commandIds.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `UPDATE commands c SET available_at = 'infinity', updated_at = $2
     WHERE c.id = ANY($1::uuid[]) AND c.state = 'queued'
       AND NOT EXISTS (
         SELECT 1 FROM agents a WHERE a.status IN (${ROUTABLE})
           AND ((c.target_kind = 'agent' AND a.id = c.target) OR (c.target_kind = 'pool' AND c.target = ANY(a.pools))))
     RETURNING c.id`,
    [commandIds, now],
  );
  return rows.map((r) => r.id);
}

const LOAD_LIVE_AGENTS = prepared(
  'load_live_agents',
  `SELECT a.id, a.pools, a.max_concurrency, a.transport,
     ${inFlightCount('a.id')} AS in_flight
   FROM agents a
   WHERE a.status IN (${ROUTABLE}) AND (a.id = ANY($1::text[]) OR a.pools && $2::text[])`,
);

/**
 * Live agents that could serve these targets, with their current load
 * (dispatched + running commands; index commands_in_flight_by_agent).
 */
export async function loadLiveAgents(
  db: Queryable,
  agentIds: readonly string[],
  pools: readonly string[],
): Promise<(AgentLoad & { transport: AgentTransport })[]> {
  const { rows } = await db.query<{
    id: string;
    pools: string[];
    max_concurrency: number;
    transport: AgentTransport;
    in_flight: string;
  }>(LOAD_LIVE_AGENTS([agentIds, pools]));
  return rows.map((r) => ({
    id: r.id,
    pools: r.pools,
    capacity: r.max_concurrency,
    inFlight: Number(r.in_flight),
    transport: r.transport,
  }));
}

const RECORD_HEARTBEATS = prepared(
  'record_heartbeats',
  `WITH locked AS (
     SELECT c.id FROM commands c JOIN unnest($1::uuid[], $2::integer[]) AS b(id, attempt)
       ON c.id = b.id AND c.attempt = b.attempt
     WHERE c.state = 'running'
     ORDER BY c.id
     FOR UPDATE OF c SKIP LOCKED
   )
   UPDATE commands c SET last_heartbeat_at = $3,
     lease_expires_at = $3::timestamptz + c.heartbeat_timeout_ms * interval '1 millisecond'
   FROM locked WHERE c.id = locked.id`,
);

/**
 * Fenced heartbeats for a batch: extends the lease of running commands whose
 * attempt matches. Not a transition (no event row); a stale or finished one
 * matches nothing and is counted by the caller. Rows are locked in id order
 * and a row busy elsewhere is skipped (another write to it is under way), so
 * concurrent batches never deadlock.
 */
export async function recordHeartbeats(
  db: Queryable,
  beats: readonly { commandId: string; attempt: number }[],
  now: Date,
): Promise<number> {
  if (beats.length === 0) return 0;
  const { rowCount } = await db.query(
    RECORD_HEARTBEATS([beats.map((b) => b.commandId), beats.map((b) => b.attempt), now]),
  );
  return rowCount ?? 0;
}

/**
 * An HTTP agent's claim: hands out up to `limit` attempts dispatched to it
 * and not handed out yet, in the order they were dispatched (a retry, whose
 * id is older, does not jump the line), and marks each handed out. A row
 * another claim holds is skipped, so two polls of one agent (two gateways)
 * never get the same attempt. Not a transition: the attempt stays
 * `dispatched` until the agent accepts it.
 *
 * The hand-out is the delivery, so the ack timeout starts again here: an
 * attempt may wait in the ledger longer than its ack timeout for the agent to
 * have a free slot, and the agent must not be handed one whose lease is about
 * to expire under it (it would run while the ticker queues it again). One that
 * waits past that lease while the agent's every slot is busy is released by
 * the ack-timeout job (decision 020).
 * Index: commands_in_flight_by_agent.
 */
export async function takeHttpDeliveries(
  db: Queryable,
  agentId: string,
  limit: number,
  now: Date,
): Promise<CommandRow[]> {
  if (limit <= 0) return [];
  const { rows } = await db.query<CommandRow>(
    `WITH due AS (
       SELECT id FROM commands c
       WHERE ${inFlightAgent('c')} = $1 AND state = 'dispatched' AND delivered_attempt IS DISTINCT FROM attempt
       ORDER BY dispatched_at, id
       LIMIT $2
       FOR UPDATE SKIP LOCKED
     )
     UPDATE commands c SET delivered_attempt = c.attempt,
       lease_expires_at = $3::timestamptz + c.ack_timeout_ms * interval '1 millisecond'
     FROM due WHERE c.id = due.id AND c.state = 'dispatched'
     RETURNING c.*`,
    [agentId, limit, now],
  );
  return rows.sort((a, b) => a.dispatched_at!.getTime() - b.dispatched_at!.getTime() || (a.id < b.id ? -1 : 1));
}
