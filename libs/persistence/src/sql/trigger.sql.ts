import type { TargetKind, TriggerCommandOptions } from '@switchyard/domain';
import { Queryable } from './db';

/** A `triggers` row as the SQL in this file returns it. */
export interface TriggerRow {
  id: string;
  subject_pattern: string;
  target_kind: TargetKind;
  target: string;
  type: string;
  payload_template: unknown;
  options: TriggerCommandOptions;
  /** Who owns the trigger (`client:<id>`, `agent:<id>`, `admin`); its commands have caller `trigger:<id>`. */
  caller: string;
  created_at: Date;
  deleted_at: Date | null;
}

export type NewTrigger = Omit<TriggerRow, 'created_at' | 'deleted_at'>;

export async function insertTrigger(db: Queryable, t: NewTrigger, now: Date): Promise<TriggerRow> {
  const { rows } = await db.query<TriggerRow>(
    `INSERT INTO triggers (id, subject_pattern, target_kind, target, type, payload_template, options, caller, created_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9)
     RETURNING *`,
    [
      t.id,
      t.subject_pattern,
      t.target_kind,
      t.target,
      t.type,
      t.payload_template === undefined || t.payload_template === null ? null : JSON.stringify(t.payload_template),
      JSON.stringify(t.options),
      t.caller,
      now,
    ],
  );
  return rows[0];
}

/**
 * Live triggers, oldest first (ids are UUIDv7), after the keyset cursor: a
 * caller's own (index triggers_caller_id), or every one for `caller`
 * undefined (the admin).
 */
export async function listTriggers(
  db: Queryable,
  caller: string | undefined,
  page: { after?: string; limit: number },
): Promise<TriggerRow[]> {
  const { rows } = await db.query<TriggerRow>(
    `SELECT * FROM triggers
     WHERE deleted_at IS NULL AND ($1::text IS NULL OR caller = $1) AND ($2::uuid IS NULL OR id > $2::uuid)
     ORDER BY id LIMIT $3`,
    [caller ?? null, page.after ?? null, page.limit],
  );
  return rows;
}

/**
 * Soft-deletes a live trigger of this caller (any caller's for `caller`
 * undefined); false when there is none. Events processed afterwards no longer
 * fire it; commands it created carry on.
 */
export async function deleteTrigger(
  db: Queryable,
  caller: string | undefined,
  id: string,
  now: Date,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE triggers SET deleted_at = $3 WHERE id = $1 AND ($2::text IS NULL OR caller = $2) AND deleted_at IS NULL`,
    [id, caller ?? null, now],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Every live trigger, for the event consumer to match a batch against in
 * memory. Read once per batch: a trigger created or deleted meanwhile takes
 * effect from the next batch. The table holds rules, not traffic, so a full
 * read is a few rows.
 */
export async function loadLiveTriggers(db: Queryable): Promise<TriggerRow[]> {
  const { rows } = await db.query<TriggerRow>(`SELECT * FROM triggers WHERE deleted_at IS NULL ORDER BY id`);
  return rows;
}
