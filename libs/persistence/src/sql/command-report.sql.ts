import { preview } from '@switchyard/domain';
import { CommandRow, commandColumns } from './command-row';
import { prepared, Queryable } from './db';

export interface BatchedReport {
  commandId: string;
  attempt: number;
  agentId: string;
}

export type AppliedReport = CommandRow & { from_state: CommandRow['state'] };

/*
 * The two reports every command sends, applied for a whole batch in one
 * statement each. They are the `accept` and `succeed` edges of the transition
 * table, written as set-based compare-and-sets: fenced on attempt, naming the
 * states they leave, locking in id order with SKIP LOCKED (no deadlock between
 * replicas). A report they do not match (stale, terminal, a row busy
 * elsewhere) is left to the caller, which judges it row by row with the pure
 * table and so refuses or replays it precisely. Each applied row gets its
 * command_events row in the same statement.
 */

const ACCEPT_BATCH = prepared(
  'accept_batch',
  `WITH input AS (
     SELECT * FROM unnest($1::uuid[], $2::integer[], $3::text[]) AS i(id, attempt, agent_id)
   ), locked AS (
     SELECT c.id, c.state AS from_state, i.agent_id FROM commands c JOIN input i ON i.id = c.id AND i.attempt = c.attempt
     WHERE c.state = 'dispatched'
     ORDER BY c.id FOR UPDATE OF c SKIP LOCKED
   ), moved AS (
     UPDATE commands c SET state = 'running', accepted_at = $4, last_heartbeat_at = $4, updated_at = $4,
       lease_expires_at = $4::timestamptz + c.heartbeat_timeout_ms * interval '1 millisecond'
     FROM locked l WHERE c.id = l.id AND c.state = 'dispatched'
     RETURNING ${commandColumns('c')}, l.from_state, l.agent_id AS reporter
   ), logged AS (
     INSERT INTO command_events (command_id, attempt, event, from_state, to_state, agent_id, at)
     SELECT id, attempt, 'accept', from_state, 'running', reporter, $4 FROM moved
   )
   SELECT * FROM moved`,
);

/** accept: dispatched → running; the lease becomes the heartbeat timeout. */
export async function acceptBatch(
  db: Queryable,
  reports: readonly BatchedReport[],
  now: Date,
): Promise<AppliedReport[]> {
  if (reports.length === 0) return [];
  const { rows } = await db.query<AppliedReport>(
    ACCEPT_BATCH([reports.map((r) => r.commandId), reports.map((r) => r.attempt), reports.map((r) => r.agentId), now]),
  );
  return rows;
}

const SUCCEED_BATCH = prepared(
  'succeed_batch',
  `WITH input AS (
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(id uuid, attempt integer, agent_id text, result jsonb, result_preview text)
   ), locked AS (
     SELECT c.id, c.state AS from_state, i.agent_id, i.result, i.result_preview
     FROM commands c JOIN input i ON i.id = c.id AND i.attempt = c.attempt
     WHERE c.state IN ('dispatched', 'running')
     ORDER BY c.id FOR UPDATE OF c SKIP LOCKED
   ), moved AS (
     UPDATE commands c SET state = 'succeeded', result = l.result, result_preview = l.result_preview,
       finished_at = $2, accepted_at = coalesce(c.accepted_at, $2), lease_expires_at = NULL, updated_at = $2
     FROM locked l WHERE c.id = l.id AND c.state IN ('dispatched', 'running')
     RETURNING ${commandColumns('c')}, l.from_state, l.agent_id AS reporter
   ), logged AS (
     INSERT INTO command_events (command_id, attempt, event, from_state, to_state, agent_id, at)
     SELECT id, attempt, 'succeed', from_state, 'succeeded', reporter, $2 FROM moved
   )
   SELECT * FROM moved`,
);

/**
 * succeed: dispatched | running → succeeded, with the result and its preview.
 * From `dispatched` it also records the acceptance the result implies.
 */
export async function succeedBatch(
  db: Queryable,
  reports: readonly (BatchedReport & { result: unknown })[],
  now: Date,
): Promise<AppliedReport[]> {
  if (reports.length === 0) return [];
  const input = reports.map((r) => ({
    id: r.commandId,
    attempt: r.attempt,
    agent_id: r.agentId,
    result: r.result ?? null,
    result_preview: preview(r.result),
  }));
  const { rows } = await db.query<AppliedReport>(SUCCEED_BATCH([JSON.stringify(input), now]));
  return rows;
}

/**
 * A command as an agent's report sees it: the row, and whether `attempt` of
 * it was ever claimed for `agentId` (its claim event). An HTTP agent's report
 * is judged on these before it is stored. Index: command_events_command.
 */
export async function findCommandForReport(
  db: Queryable,
  commandId: string,
  agentId: string,
  attempt: number,
): Promise<{ row: CommandRow; heldByAgent: boolean } | undefined> {
  const { rows } = await db.query<CommandRow & { held_by_agent: boolean }>(
    `SELECT c.*, EXISTS (
       SELECT 1 FROM command_events e
       WHERE e.command_id = c.id AND e.attempt = $3 AND e.event = 'claim' AND e.agent_id = $2
     ) AS held_by_agent
     FROM commands c WHERE c.id = $1`,
    [commandId, agentId, attempt],
  );
  const found = rows[0];
  if (!found) return undefined;
  const { held_by_agent: heldByAgent, ...row } = found;
  return { row, heldByAgent };
}
