import { CommandRow } from './command-row';
import { Queryable } from './db';
import { claimedCount } from './in-flight';

/*
 * Claims of the orchestrator's jobs. Each runs inside the runner's
 * transaction: `FOR UPDATE SKIP LOCKED` hands every due row to exactly one
 * replica, `ORDER BY <due column> LIMIT $n` serves the oldest first in bounded
 * batches, and each reads a partial index whose rows are only the candidates,
 * so the cost follows the number of due rows, not the size of the table.
 * The writes that follow are still compare-and-sets on the expected state.
 */

/** `scheduled` rows whose run_at has passed. Index: commands_scheduled_due. */
export async function claimDueScheduled(tx: Queryable, now: Date, limit: number): Promise<CommandRow[]> {
  const { rows } = await tx.query<CommandRow>(
    `SELECT * FROM commands WHERE state = 'scheduled' AND run_at <= $1
     ORDER BY run_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows;
}

/**
 * `queued` rows to (re)publish: a retry whose backoff has passed (never
 * published for this attempt), or a row published more than the relay delay
 * ago that nobody claimed (the publish after commit was lost). Parked rows
 * (available_at = 'infinity') wait for a drain on connect instead.
 * Index: commands_queued_available.
 */
export async function claimPublishDue(
  tx: Queryable,
  now: Date,
  publishedBefore: Date,
  limit: number,
): Promise<CommandRow[]> {
  const { rows } = await tx.query<CommandRow>(
    `SELECT * FROM commands WHERE state = 'queued' AND available_at <= $1
       AND (published_at IS NULL OR published_at <= $2)
     ORDER BY available_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
    [now, publishedBefore, limit],
  );
  return rows;
}

export async function markPublished(tx: Queryable, commandId: string, now: Date): Promise<boolean> {
  const { rowCount } = await tx.query(`UPDATE commands SET published_at = $2 WHERE id = $1 AND state = 'queued'`, [
    commandId,
    now,
  ]);
  return (rowCount ?? 0) > 0;
}

/**
 * One statement per state, the state written as a literal: the partial index
 * of that state (predicate `state = '<s>'`) then provably covers the claim
 * under any plan, and the planner reads it in lease order instead of reading
 * the whole state through commands_state_id and sorting (docs/ticker.md).
 * A `dispatched` row's agent is looked up by its key, and only for an HTTP
 * agent's unclaimed attempt are its claimed attempts counted.
 */
const EXPIRED_LEASES: Record<'dispatched' | 'running', string> = {
  dispatched: `SELECT c.*, coalesce(
       a.transport = 'http' AND c.delivered_attempt IS DISTINCT FROM c.attempt
         AND ${claimedCount('a.id')} >= a.max_concurrency,
       false) AS waited_for_slot
     FROM commands c LEFT JOIN agents a ON a.id = c.assigned_agent
     WHERE c.state = 'dispatched' AND c.lease_expires_at <= $1
     ORDER BY c.lease_expires_at LIMIT $2 FOR UPDATE OF c SKIP LOCKED`,
  running: `SELECT *, false AS waited_for_slot FROM commands WHERE state = 'running' AND lease_expires_at <= $1
     ORDER BY lease_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
};

/** A row whose lease ran out. */
export type ExpiredLease = CommandRow & {
  /**
   * True only for an attempt dispatched to an HTTP agent that is still
   * waiting in the ledger (never claimed) while every slot of the agent is
   * taken by attempts it did claim: the agent could not have taken it, so
   * it missed nothing. An agent with a free slot that leaves an attempt
   * unclaimed past its ack timeout has missed it, as an SDK agent that
   * never accepts a delivery.
   */
  waited_for_slot: boolean;
};

/**
 * Rows whose lease ran out in the given state: `dispatched` (the agent never
 * accepted within the ack timeout, or an HTTP agent never claimed it) or
 * `running` (its heartbeats stopped).
 * Index: commands_dispatched_lease / commands_running_lease.
 */
export async function claimExpiredLeases(
  tx: Queryable,
  state: 'dispatched' | 'running',
  now: Date,
  limit: number,
): Promise<ExpiredLease[]> {
  const { rows } = await tx.query<ExpiredLease>(EXPIRED_LEASES[state], [now, limit]);
  return rows;
}

/** Non-terminal rows past their deadline. Index: commands_open_deadline. */
export async function claimPastDeadline(tx: Queryable, now: Date, limit: number): Promise<CommandRow[]> {
  const { rows } = await tx.query<CommandRow>(
    `SELECT * FROM commands WHERE state IN ('scheduled', 'queued', 'dispatched', 'running') AND deadline_at <= $1
     ORDER BY deadline_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows;
}

/** What the retention job needs of a row: no payload or result is read to delete it. */
export interface RetentionRow {
  id: string;
  state: 'succeeded' | 'failed' | 'cancelled' | 'expired' | 'stuck';
  finished_at: Date;
}

/**
 * Terminal rows finished at or before `finishedBefore`, oldest first, that
 * may be purged: none with an unresolved dead letter (the operator still has
 * to look at it), none that a child still references through parent_id.
 * Children go first and their parent follows in a later pass, so no terminal
 * row is ever rewritten to drop its lineage and the foreign key never fails.
 * Kept rows stay at the head of the scan: a pass reads due + kept rows.
 * Index: commands_retention (the anti-joins probe dead_letters_command and
 * commands_parent).
 */
export async function claimRetentionDue(tx: Queryable, finishedBefore: Date, limit: number): Promise<RetentionRow[]> {
  const { rows } = await tx.query<RetentionRow>(
    `SELECT c.id, c.state, c.finished_at FROM commands c
     WHERE c.state IN ('succeeded', 'failed', 'cancelled', 'expired', 'stuck') AND c.finished_at <= $1
       AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.command_id = c.id AND d.resolved_at IS NULL)
       AND NOT EXISTS (SELECT 1 FROM commands k WHERE k.parent_id = c.id)
     ORDER BY c.finished_at LIMIT $2 FOR UPDATE OF c SKIP LOCKED`,
    [finishedBefore, limit],
  );
  return rows;
}

/**
 * Deletes one claimed terminal row, fenced on the state it was claimed in;
 * its command_events and (resolved) dead letter go with it (ON DELETE CASCADE).
 */
export async function purgeCommand(tx: Queryable, commandId: string, state: RetentionRow['state']): Promise<boolean> {
  const { rowCount } = await tx.query(`DELETE FROM commands WHERE id = $1 AND state = $2`, [commandId, state]);
  return (rowCount ?? 0) > 0;
}
