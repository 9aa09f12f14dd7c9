import type { AgentPhase, AgentTransport } from '@switchyard/domain';
import type { Queryable } from './db';
import { inFlightCount } from './in-flight';

export interface AgentRow {
  id: string;
  name: string;
  pools: string[];
  max_concurrency: number;
  status: string;
  session_id: string | null;
  last_heartbeat_at: Date | null;
  transport: AgentTransport;
}

/** Agent phases that take new work (SQL list). Routing, claims and parking must agree on it, or a command is neither. */
export const ROUTABLE_STATUSES = `'idle', 'busy'`;

const AGENT_COLUMNS = 'id, name, pools, max_concurrency, status, session_id, last_heartbeat_at, transport';

/**
 * An agent (re)connects with a session: registered if unknown (an agent on
 * NATS is trusted by the NATS account it connects with), otherwise its pools
 * and concurrency are refreshed, it becomes `idle` and its session current.
 */
export async function connectAgent(
  db: Queryable,
  agent: {
    id: string;
    name?: string;
    pools: readonly string[];
    concurrency: number;
    sessionId: string;
    transport: AgentTransport;
  },
  now: Date,
): Promise<AgentRow> {
  const { rows } = await db.query<AgentRow>(
    `INSERT INTO agents (id, name, pools, max_concurrency, status, session_id, last_heartbeat_at, transport,
       created_at, updated_at)
     VALUES ($1, coalesce($2, $1), $3, $4, 'idle', $5, $6, $7, $6, $6)
     ON CONFLICT (id) DO UPDATE SET
       name = coalesce($2, agents.name), pools = EXCLUDED.pools, max_concurrency = EXCLUDED.max_concurrency,
       status = 'idle', activity = NULL, detail = NULL, session_id = EXCLUDED.session_id,
       last_heartbeat_at = EXCLUDED.last_heartbeat_at, transport = EXCLUDED.transport,
       updated_at = EXCLUDED.updated_at
     RETURNING ${AGENT_COLUMNS}`,
    [agent.id, agent.name ?? null, agent.pools, agent.concurrency, agent.sessionId, now, agent.transport],
  );
  return rows[0];
}

/**
 * Marks the agent offline only if `sessionId` is still its current session:
 * a disconnect that arrives after a quick reconnect changes nothing.
 */
export async function disconnectAgent(db: Queryable, agentId: string, sessionId: string, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE agents SET status = 'offline', session_id = NULL, activity = NULL, status_command_id = NULL, updated_at = $3
     WHERE id = $1 AND session_id = $2`,
    [agentId, sessionId, now],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Liveness heartbeat of the current session. An agent the liveness job had
 * marked offline comes back `idle`; returns that agent when it did, so the
 * caller drains its queued work to it.
 */
export async function recordAgentHeartbeat(
  db: Queryable,
  agentId: string,
  sessionId: string,
  now: Date,
): Promise<{ revived: AgentRow | undefined; matched: boolean }> {
  const { rows } = await db.query<AgentRow & { was_offline: boolean }>(
    `UPDATE agents a SET last_heartbeat_at = $3,
       status = CASE WHEN a.status = 'offline' THEN 'idle' ELSE a.status END,
       updated_at = CASE WHEN a.status = 'offline' THEN $3 ELSE a.updated_at END
     FROM (SELECT id, status = 'offline' AS was_offline FROM agents WHERE id = $1 FOR UPDATE) before
     WHERE a.id = before.id AND a.session_id = $2
     RETURNING a.id, a.name, a.pools, a.max_concurrency, a.status, a.session_id, a.last_heartbeat_at, a.transport,
       before.was_offline`,
    [agentId, sessionId, now],
  );
  const row = rows[0];
  return { matched: row !== undefined, revived: row?.was_offline ? row : undefined };
}

/**
 * Folds a status event into the agent row, for the agent's current session
 * only (or any session when the event names none). Skips the write when
 * nothing changed. Never brings an offline agent back: that is the session's
 * connect or heartbeat, which also drains its queued work.
 */
export async function applyAgentStatus(
  db: Queryable,
  agentId: string,
  status: { phase: string; activity?: string; detail?: string; commandId?: string; sessionId?: string },
  now: Date,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE agents SET status = $2, activity = $3, detail = $4, status_command_id = $5, updated_at = $7
     WHERE id = $1 AND ($6::text IS NULL OR session_id = $6)
       AND (status <> 'offline' OR $2 = 'offline')
       AND (status, activity, detail, status_command_id) IS DISTINCT FROM ($2, $3, $4, $5::uuid)`,
    [
      agentId,
      status.phase,
      status.activity ?? null,
      status.detail ?? null,
      status.commandId ?? null,
      status.sessionId ?? null,
      now,
    ],
  );
  return (rowCount ?? 0) > 0;
}

/** Commands an agent holds (dispatched or running); index commands_in_flight_by_agent. */
export async function countInFlight(db: Queryable, agentId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT ${inFlightCount('$1')} AS n`, [agentId]);
  return Number(rows[0].n);
}

/** Live agents silent since `cutoff`. Index: agents_live_heartbeat. */
export async function claimSilentAgents(tx: Queryable, cutoff: Date, limit: number): Promise<AgentRow[]> {
  const { rows } = await tx.query<AgentRow>(
    `SELECT ${AGENT_COLUMNS} FROM agents
     WHERE status <> 'offline' AND last_heartbeat_at <= $1
     ORDER BY last_heartbeat_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [cutoff, limit],
  );
  return rows;
}

/**
 * Liveness: marks a silent agent offline, if it is still silent. The session
 * is kept: a heartbeat of the same session brings the agent back. Returns the
 * session it was marked offline in (its status event names it, so it cannot
 * undo a reconnect), or undefined when the agent was no longer silent.
 */
export async function markAgentOffline(
  tx: Queryable,
  agentId: string,
  cutoff: Date,
  now: Date,
): Promise<{ sessionId: string | null } | undefined> {
  const { rows } = await tx.query<{ session_id: string | null }>(
    `UPDATE agents SET status = 'offline', updated_at = $3
     WHERE id = $1 AND status <> 'offline' AND last_heartbeat_at <= $2
     RETURNING session_id`,
    [agentId, cutoff, now],
  );
  return rows[0] ? { sessionId: rows[0].session_id } : undefined;
}

/**
 * A delivery to this agent found no subscriber at `observedAt`: it is offline.
 * Skipped when the row changed since (a reconnect applied meanwhile wins).
 * Returns the session it was marked offline in, as markAgentOffline does.
 */
export async function markAgentUnreachable(
  db: Queryable,
  agentId: string,
  observedAt: Date,
  now: Date,
): Promise<{ sessionId: string | null } | undefined> {
  const { rows } = await db.query<{ session_id: string | null }>(
    `UPDATE agents SET status = 'offline', updated_at = $3
     WHERE id = $1 AND status <> 'offline' AND updated_at <= $2
     RETURNING session_id`,
    [agentId, observedAt, now],
  );
  return rows[0] ? { sessionId: rows[0].session_id } : undefined;
}

/** An agent as readers see it: identity, capacity and the status folded from its status events. */
export interface AgentStatusRow {
  id: string;
  name: string;
  pools: string[];
  max_concurrency: number;
  status: AgentPhase;
  activity: string | null;
  detail: string | null;
  status_command_id: string | null;
  last_heartbeat_at: Date | null;
  /** When the row last changed: for a status, when it was folded in (or the agent connected or went offline). */
  updated_at: Date;
}

export interface AgentFilter {
  id?: string;
  /** Agents serving this pool (`pools @> ARRAY[pool]` uses the agents_pools GIN index). */
  pool?: string;
  status?: AgentPhase;
}

/** Agents matching every given filter, by id. */
export async function listAgents(db: Queryable, filter: AgentFilter): Promise<AgentStatusRow[]> {
  const { rows } = await db.query<AgentStatusRow>(
    `SELECT id, name, pools, max_concurrency, status, activity, detail, status_command_id, last_heartbeat_at, updated_at
     FROM agents
     WHERE ($1::text IS NULL OR id = $1)
       AND ($2::text IS NULL OR pools @> ARRAY[$2::text])
       AND ($3::text IS NULL OR status = $3)
     ORDER BY id`,
    [filter.id ?? null, filter.pool ?? null, filter.status ?? null],
  );
  return rows;
}

/**
 * Agents counted per pool and status, plus per status alone (pool null), for
 * the fleet gauges. Two scans of `agents` (a small table: one row per agent)
 * in one statement; run at most once a second per process.
 */
export async function countAgentsByPool(
  db: Queryable,
): Promise<{ pool: string | null; status: string; agents: number; capacity: number }[]> {
  const { rows } = await db.query<{ pool: string | null; status: string; agents: number; capacity: number }>(
    `SELECT p.pool, a.status, count(*)::int AS agents, sum(a.max_concurrency)::int AS capacity
     FROM agents a CROSS JOIN LATERAL unnest(a.pools) AS p(pool)
     GROUP BY p.pool, a.status
     UNION ALL
     SELECT NULL, status, count(*)::int, sum(max_concurrency)::int FROM agents GROUP BY status`,
  );
  return rows;
}
