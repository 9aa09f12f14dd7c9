import { CommandRow } from './command-row';
import { Queryable } from './db';

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
 * Rows whose lease ran out in the given state: `dispatched` (the agent never
 * accepted within the ack timeout) or `running` (its heartbeats stopped).
 * Index: commands_lease.
 */
export async function claimExpiredLeases(
  tx: Queryable,
  state: 'dispatched' | 'running',
  now: Date,
  limit: number,
): Promise<CommandRow[]> {
  const { rows } = await tx.query<CommandRow>(
    `SELECT * FROM commands WHERE state IN ('dispatched', 'running') AND state = $1 AND lease_expires_at <= $2
     ORDER BY lease_expires_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
    [state, now, limit],
  );
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
