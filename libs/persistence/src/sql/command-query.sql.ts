import { type CommandState, TERMINAL_STATES } from '@switchyard/domain';
import { CommandRow } from './command-row';
import { Queryable } from './db';

/** Whose commands a reader may see: a client its own, an agent its own and those assigned to it. */
export type ReadScope = { kind: 'all' } | { kind: 'caller'; caller: string; assignedAgent?: string };

export interface CommandFilter {
  state?: CommandState;
  target?: string;
  type?: string;
  /** Keyset cursor: only ids older than this one (ids are UUIDv7, so time-ordered). */
  before?: string;
  limit: number;
}

/**
 * Newest-first listing with keyset pagination on the time-ordered id; each
 * filter column has an `(column, id)` index (commands_state_id,
 * commands_target_id, commands_type_id, commands_caller_id).
 */
export async function listCommands(db: Queryable, scope: ReadScope, filter: CommandFilter): Promise<CommandRow[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const visible = scopePredicate(scope, param);
  if (visible) where.push(visible);
  if (filter.state) where.push(`state = ${param(filter.state)}`);
  if (filter.target) where.push(`target = ${param(filter.target)}`);
  if (filter.type) where.push(`type = ${param(filter.type)}`);
  if (filter.before) where.push(`id < ${param(filter.before)}::uuid`);
  const { rows } = await db.query<CommandRow>(
    `SELECT * FROM commands ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY id DESC LIMIT ${param(filter.limit)}`,
    values,
  );
  return rows;
}

export async function findCommand(db: Queryable, scope: ReadScope, id: string): Promise<CommandRow | undefined> {
  const values: unknown[] = [id];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const visible = scopePredicate(scope, param);
  const { rows } = await db.query<CommandRow>(
    `SELECT * FROM commands WHERE id = $1${visible ? ` AND ${visible}` : ''}`,
    values,
  );
  return rows[0];
}

/**
 * What a caller may read: its own commands, those its schedules fired
 * (caller `schedule:<id>`) and its triggers created (`trigger:<id>`), and for
 * an agent those assigned to it. `caller = ANY(…)` keeps the
 * commands_caller_id index usable. Columns are unqualified: in a join, only
 * `commands` may have `caller` and `assigned_agent`.
 */
export function scopePredicate(scope: ReadScope, param: (v: unknown) => string): string | undefined {
  if (scope.kind === 'all') return undefined;
  const caller = param(scope.caller);
  const callers = `caller = ANY(ARRAY[${caller}::text]
    || ARRAY(SELECT 'schedule:' || s.id FROM schedules s WHERE s.caller = ${caller})
    || ARRAY(SELECT 'trigger:' || t.id FROM triggers t WHERE t.caller = ${caller}))`;
  return scope.assignedAgent ? `(${callers} OR assigned_agent = ${param(scope.assignedAgent)})` : callers;
}

export interface CommandEventRow {
  id: string;
  attempt: number;
  event: string;
  from_state: CommandState | null;
  to_state: CommandState;
  agent_id: string | null;
  data: unknown;
  at: Date;
}

export async function listCommandEvents(db: Queryable, commandId: string): Promise<CommandEventRow[]> {
  const { rows } = await db.query<CommandEventRow>(
    'SELECT id, attempt, event, from_state, to_state, agent_id, data, at FROM command_events WHERE command_id = $1 ORDER BY id',
    [commandId],
  );
  return rows;
}

/** A child command as its parent's view lists it. */
export interface ChildRow {
  id: string;
  type: string;
  state: CommandState;
  target_kind: string;
  target: string;
  created_at: Date;
}

/** The first `limit` children of a command, oldest first. Index: commands_parent. */
export async function listChildren(db: Queryable, parentId: string, limit: number): Promise<ChildRow[]> {
  const { rows } = await db.query<ChildRow>(
    `SELECT id, type, state, target_kind, target, created_at FROM commands
     WHERE parent_id = $1 ORDER BY id LIMIT $2`,
    [parentId, limit],
  );
  return rows;
}

/**
 * Every descendant of a command that has not finished, at any depth (a
 * finished child's own children are included), oldest first, up to `limit`.
 * Index: commands_parent, one probe per level.
 */
export async function findOpenDescendants(db: Queryable, id: string, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `WITH RECURSIVE tree AS (
       SELECT id, state FROM commands WHERE parent_id = $1
       UNION
       SELECT c.id, c.state FROM commands c JOIN tree t ON c.parent_id = t.id
     )
     SELECT id FROM tree
     WHERE state <> ALL($3::text[])
     ORDER BY id LIMIT $2`,
    [id, limit, TERMINAL_STATES],
  );
  return rows.map((r) => r.id);
}

/** The depth of each of these commands that exists, by id: what an event's cause contributes to a triggered command. */
export async function commandDepths(db: Queryable, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; depth: number }>(
    'SELECT id, depth FROM commands WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.depth]));
}
