import type { CatchUpPolicy, ScheduledCommand } from '@switchyard/domain';
import { Queryable } from './db';

/** A `schedules` row as the SQL in this file returns it. */
export interface ScheduleRow {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  catch_up: CatchUpPolicy;
  command: ScheduledCommand;
  /** Who owns the schedule (`client:<id>`, `agent:<id>`); fired commands have caller `schedule:<id>`. */
  caller: string;
  next_fire_at: Date;
  last_fired_at: Date | null;
  created_at: Date;
  deleted_at: Date | null;
}

export interface NewSchedule {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  catchUp: CatchUpPolicy;
  command: ScheduledCommand;
  caller: string;
  nextFireAt: Date;
}

export async function insertSchedule(db: Queryable, s: NewSchedule, now: Date): Promise<ScheduleRow> {
  const { rows } = await db.query<ScheduleRow>(
    `INSERT INTO schedules (id, name, cron, timezone, catch_up, command, caller, next_fire_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)
     RETURNING *`,
    [s.id, s.name, s.cron, s.timezone, s.catchUp, JSON.stringify(s.command), s.caller, s.nextFireAt, now],
  );
  return rows[0];
}

/** A caller's live schedules, oldest first (ids are UUIDv7), after the keyset cursor. Index: schedules_caller_id. */
export async function listSchedules(
  db: Queryable,
  caller: string,
  page: { after?: string; limit: number },
): Promise<ScheduleRow[]> {
  const { rows } = await db.query<ScheduleRow>(
    `SELECT * FROM schedules
     WHERE caller = $1 AND deleted_at IS NULL AND ($2::uuid IS NULL OR id > $2::uuid)
     ORDER BY id LIMIT $3`,
    [caller, page.after ?? null, page.limit],
  );
  return rows;
}

/**
 * Soft-deletes a live schedule of this caller; false when there is none (never
 * existed, another caller's, already deleted). A fire pass holding the row
 * finishes first; no pass claims it afterwards.
 */
export async function deleteSchedule(db: Queryable, caller: string, id: string, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE schedules SET deleted_at = $3 WHERE id = $1 AND caller = $2 AND deleted_at IS NULL`,
    [id, caller, now],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Claim of the schedule-fire job: live schedules whose next fire time has
 * come, earliest first, at most `limit` (the runner's batch size) per pass.
 * Runs inside the runner's transaction; `FOR UPDATE SKIP LOCKED` hands each
 * due schedule to exactly one replica per pass, and the row stays locked
 * until the fired commands and the advanced next_fire_at commit together.
 * Index: schedules_due (partial on live rows), so the cost follows the number
 * of due schedules, not of schedules.
 */
export async function claimDueSchedules(tx: Queryable, now: Date, limit: number): Promise<ScheduleRow[]> {
  const { rows } = await tx.query<ScheduleRow>(
    `SELECT * FROM schedules WHERE deleted_at IS NULL AND next_fire_at <= $1
     ORDER BY next_fire_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows;
}

/**
 * Moves a claimed schedule on to its next fire time, naming the fire time it
 * expects to replace; `lastFiredAt` null keeps the previous one (nothing
 * fired). False when the row moved on or was deleted meanwhile.
 */
export async function advanceSchedule(
  tx: Queryable,
  id: string,
  expectedNextFireAt: Date,
  nextFireAt: Date,
  lastFiredAt: Date | null,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE schedules SET next_fire_at = $3, last_fired_at = coalesce($4, last_fired_at)
     WHERE id = $1 AND next_fire_at = $2 AND deleted_at IS NULL`,
    [id, expectedNextFireAt, nextFireAt, lastFiredAt],
  );
  return (rowCount ?? 0) > 0;
}
