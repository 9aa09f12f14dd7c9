import type { CommandError, TargetKind } from '@switchyard/domain';
import { CommandRow } from './command-row';
import { ReadScope, scopePredicate } from './command-query.sql';
import { Queryable } from './db';

/** A `dead_letters` row with what its event needs from the command (target kind, depth). */
export interface DeadLetterRow {
  id: string;
  command_id: string;
  reason: string;
  type: string;
  target: string;
  target_kind: TargetKind;
  depth: number;
  attempt: number;
  error: CommandError | null;
  created_at: Date;
  replayed_at: Date | null;
  replay_command_id: string | null;
  resolved_at: Date | null;
  resolution_note: string | null;
  published_at: Date | null;
  handler_failed_at: Date | null;
  handler_command_id: string | null;
}

const COLUMNS = 'd.*, c.target_kind, c.depth';

export interface DeadLetterFilter {
  type?: string;
  reason?: string;
  target?: string;
  resolved?: boolean;
  /** Keyset cursor: only ids older than this one (UUIDv7, time-ordered). */
  before?: string;
  limit: number;
}

function params() {
  const values: unknown[] = [];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  return { values, param };
}

/**
 * Newest-first listing with keyset pagination on the time-ordered id, limited
 * to the dead letters of commands the reader may see (the commands read
 * scope). Dead letters are few next to commands; the primary key serves the
 * order and the filters are checked on the way.
 */
export async function listDeadLetters(
  db: Queryable,
  scope: ReadScope,
  filter: DeadLetterFilter,
): Promise<DeadLetterRow[]> {
  const { values, param } = params();
  const where: string[] = [];
  const visible = scopePredicate(scope, param);
  if (visible) where.push(visible);
  if (filter.type) where.push(`d.type = ${param(filter.type)}`);
  if (filter.reason) where.push(`d.reason = ${param(filter.reason)}`);
  if (filter.target) where.push(`d.target = ${param(filter.target)}`);
  if (filter.resolved !== undefined)
    where.push(filter.resolved ? 'd.resolved_at IS NOT NULL' : 'd.resolved_at IS NULL');
  if (filter.before) where.push(`d.id < ${param(filter.before)}::uuid`);
  const { rows } = await db.query<DeadLetterRow>(
    `SELECT ${COLUMNS} FROM dead_letters d JOIN commands c ON c.id = d.command_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY d.id DESC LIMIT ${param(filter.limit)}`,
    values,
  );
  return rows;
}

export async function findDeadLetter(db: Queryable, scope: ReadScope, id: string): Promise<DeadLetterRow | undefined> {
  const { values, param } = params();
  const visible = scopePredicate(scope, param);
  const { rows } = await db.query<DeadLetterRow>(
    `SELECT ${COLUMNS} FROM dead_letters d JOIN commands c ON c.id = d.command_id
     WHERE d.id = ${param(id)}${visible ? ` AND ${visible}` : ''}`,
    values,
  );
  return rows[0];
}

/**
 * Locks a visible dead letter for a replay and returns it with its command,
 * so that two replays of one dead letter serialise: the second sees the
 * first's `replay_command_id`. Runs inside the replay's transaction.
 */
export async function lockDeadLetterForReplay(
  tx: Queryable,
  scope: ReadScope,
  id: string,
): Promise<{ deadLetter: DeadLetterRow; command: CommandRow } | undefined> {
  const { values, param } = params();
  const visible = scopePredicate(scope, param);
  const { rows } = await tx.query<DeadLetterRow>(
    `SELECT ${COLUMNS} FROM dead_letters d JOIN commands c ON c.id = d.command_id
     WHERE d.id = ${param(id)}${visible ? ` AND ${visible}` : ''}
     FOR UPDATE OF d`,
    values,
  );
  if (!rows[0]) return undefined;
  const { rows: commands } = await tx.query<CommandRow>('SELECT * FROM commands WHERE id = $1', [rows[0].command_id]);
  return { deadLetter: rows[0], command: commands[0] };
}

/** Records the replay of a dead letter locked by lockDeadLetterForReplay, naming the replay it expects to replace. */
export async function markDeadLetterReplayed(
  tx: Queryable,
  id: string,
  expectedReplay: string | null,
  replayCommandId: string,
  now: Date,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE dead_letters SET replayed_at = $4, replay_command_id = $3
     WHERE id = $1 AND replay_command_id IS NOT DISTINCT FROM $2::uuid`,
    [id, expectedReplay, replayCommandId, now],
  );
  return (rowCount ?? 0) > 0;
}

/** Resolves a visible, unresolved dead letter; undefined when there is none such (absent, hidden or resolved). */
export async function resolveDeadLetter(
  db: Queryable,
  scope: ReadScope,
  id: string,
  note: string,
  now: Date,
): Promise<DeadLetterRow | undefined> {
  const { values, param } = params();
  const visible = scopePredicate(scope, param);
  const { rows } = await db.query<DeadLetterRow>(
    `UPDATE dead_letters d SET resolved_at = ${param(now)}, resolution_note = ${param(note)}
     FROM commands c
     WHERE c.id = d.command_id AND d.id = ${param(id)} AND d.resolved_at IS NULL${visible ? ` AND ${visible}` : ''}
     RETURNING ${COLUMNS}`,
    values,
  );
  return rows[0];
}

/** The dead letters of these commands, for publishing their events right after the commit that wrote them. */
export async function deadLettersOfCommands(db: Queryable, commandIds: readonly string[]): Promise<DeadLetterRow[]> {
  if (commandIds.length === 0) return [];
  const { rows } = await db.query<DeadLetterRow>(
    `SELECT ${COLUMNS} FROM dead_letters d JOIN commands c ON c.id = d.command_id
     WHERE d.command_id = ANY($1::uuid[]) AND d.published_at IS NULL`,
    [commandIds],
  );
  return rows;
}

/**
 * Claim of the dead-letter-relay job: dead letters whose event was never
 * acknowledged, written at or before `before` (now - RELAY_AFTER_MS, which
 * leaves the writer time to publish them itself), oldest first, at most
 * `limit`. `FOR UPDATE OF d SKIP LOCKED` hands each to one replica per pass.
 * Index: dead_letters_unpublished (partial on unpublished rows).
 */
export async function claimUnpublishedDeadLetters(
  tx: Queryable,
  before: Date,
  limit: number,
): Promise<DeadLetterRow[]> {
  const { rows } = await tx.query<DeadLetterRow>(
    `SELECT ${COLUMNS} FROM dead_letters d JOIN commands c ON c.id = d.command_id
     WHERE d.published_at IS NULL AND d.created_at <= $1
     ORDER BY d.created_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED`,
    [before, limit],
  );
  return rows;
}

/** Stamps the dead letters whose event JetStream acknowledged; the first stamp stays. */
export async function markDeadLettersPublished(db: Queryable, ids: readonly string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.query(`UPDATE dead_letters SET published_at = $2 WHERE id = ANY($1::uuid[]) AND published_at IS NULL`, [
    ids,
    now,
  ]);
}

/** Which of these dead-letter ids exist: a dead-letter event is trusted only for a dead letter in the ledger. */
export async function existingDeadLetters(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>('SELECT id FROM dead_letters WHERE id = ANY($1::uuid[])', [ids]);
  return new Set(rows.map((r) => r.id));
}
