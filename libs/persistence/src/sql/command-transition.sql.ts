import {
  CommandEvent,
  CommandPatch,
  preview,
  RandomSource,
  RefusalReason,
  transition,
  Transition,
} from '@switchyard/domain';
import { v7 as uuidv7 } from 'uuid';
import { CommandRow, toSnapshot } from './command-row';
import { Queryable } from './db';

/** What the audit trail records about the cause of a transition. */
export interface TransitionCause {
  event: string;
  agentId?: string | null;
  data?: unknown;
}

/** Patch fields and the columns they write; the only columns a transition may set. */
const PATCH_COLUMNS: { [K in keyof Required<CommandPatch>]: { column: string; cast: string } } = {
  assignedAgent: { column: 'assigned_agent', cast: 'text' },
  availableAt: { column: 'available_at', cast: 'timestamptz' },
  dispatchedAt: { column: 'dispatched_at', cast: 'timestamptz' },
  acceptedAt: { column: 'accepted_at', cast: 'timestamptz' },
  lastHeartbeatAt: { column: 'last_heartbeat_at', cast: 'timestamptz' },
  finishedAt: { column: 'finished_at', cast: 'timestamptz' },
  result: { column: 'result', cast: 'jsonb' },
  error: { column: 'error', cast: 'jsonb' },
  maxAttempts: { column: 'max_attempts', cast: 'integer' },
};

/**
 * Applies one transition computed by the pure table as a compare-and-set:
 * `WHERE id = $1 AND state = <from> AND attempt = <expected attempt>`.
 * In the same statement it appends the `command_events` row and, when the
 * transition ends the command without success, the dead letter (a UUIDv7, so
 * dead letters list in time order; `published_at` null until its event is
 * acknowledged). A dead-letter handler writes none: its failure annotates the
 * dead letter it handles (`handler_failed_at`, once: the first failure wins).
 *
 * Derived columns:
 * - lease_expires_at: now + ack timeout on entering `dispatched`, now +
 *   heartbeat timeout on entering `running`, null otherwise (the ack-timeout
 *   and heartbeat-loss jobs scan it through `commands_dispatched_lease` and
 *   `commands_running_lease`);
 * - published_at: cleared on entering `queued`, so the publish job sends the
 *   next attempt when `available_at` passes.
 *
 * Returns the updated row, or `undefined` when the CAS matched nothing (the
 * race was lost or the report is stale): callers count that and drop it.
 */
export async function applyTransition(
  db: Queryable,
  commandId: string,
  t: Transition,
  cause: TransitionCause,
  now: Date,
): Promise<CommandRow | undefined> {
  const values: unknown[] = [commandId, t.from, t.expectedAttempt, t.to, t.attempt, now];
  const sets = [
    'state = $4',
    'attempt = $5',
    'updated_at = $6',
    `lease_expires_at = CASE $4::text WHEN 'dispatched' THEN $6::timestamptz + ack_timeout_ms * interval '1 millisecond'
       WHEN 'running' THEN $6::timestamptz + heartbeat_timeout_ms * interval '1 millisecond' ELSE NULL END`,
    `published_at = CASE WHEN $4::text = 'queued' THEN NULL ELSE published_at END`,
  ];
  for (const [key, spec] of Object.entries(PATCH_COLUMNS) as [keyof CommandPatch, { column: string; cast: string }][]) {
    if (!(key in t.patch)) continue;
    const value = t.patch[key];
    values.push(spec.cast === 'jsonb' ? JSON.stringify(value ?? null) : value);
    sets.push(`${spec.column} = $${values.length}::${spec.cast}`);
  }
  if ('result' in t.patch) {
    values.push(preview(t.patch.result));
    sets.push(`result_preview = $${values.length}::text`);
  }
  values.push(cause.event, cause.agentId ?? null, cause.data === undefined ? null : JSON.stringify(cause.data));
  const [eventParam, agentParam, dataParam] = [values.length - 2, values.length - 1, values.length];
  values.push(t.deadLetter ?? null, t.deadLetter ? uuidv7() : null, t.handlerFailed ?? null);
  const [deadLetterParam, deadLetterIdParam, handlerFailedParam] = [
    values.length - 2,
    values.length - 1,
    values.length,
  ];

  const { rows } = await db.query<CommandRow>(
    `WITH moved AS (
       UPDATE commands SET ${sets.join(', ')}
       WHERE id = $1 AND state = $2 AND attempt = $3
       RETURNING *
     ), logged AS (
       INSERT INTO command_events (command_id, attempt, event, from_state, to_state, agent_id, data, at)
       SELECT id, $5, $${eventParam}, $2, $4, coalesce($${agentParam}, assigned_agent), $${dataParam}::jsonb, $6 FROM moved
     ), dead AS (
       INSERT INTO dead_letters (id, command_id, reason, type, target, attempt, error, created_at)
       SELECT $${deadLetterIdParam}::uuid, id, $${deadLetterParam}, type, target, attempt, error, $6
       FROM moved WHERE $${deadLetterParam}::text IS NOT NULL
       ON CONFLICT (command_id) DO NOTHING
     ), annotated AS (
       UPDATE dead_letters d SET handler_failed_at = $6, handler_command_id = moved.id
       FROM moved
       WHERE $${handlerFailedParam}::text IS NOT NULL AND d.id = moved.handles_dead_letter AND d.handler_failed_at IS NULL
     )
     SELECT * FROM moved`,
    values,
  );
  return rows[0];
}

export type TransitionResult =
  | { kind: 'applied'; row: CommandRow; transition: Transition }
  | { kind: 'noop'; row: CommandRow }
  | { kind: 'refused'; row: CommandRow; reason: RefusalReason; detail: string }
  | { kind: 'not-found' };

/**
 * Load → pure transition → compare-and-set, for one command. When the CAS
 * misses (the row moved on meanwhile), the event is judged again against the
 * fresh row: a report that became stale is then refused, a replay becomes a
 * no-op. Never retries a write blindly.
 */
export async function transitionCommand(
  db: Queryable,
  commandId: string,
  event: CommandEvent,
  cause: TransitionCause,
  now: Date,
  random: RandomSource = Math.random,
): Promise<TransitionResult> {
  for (let tries = 0; tries < 5; tries += 1) {
    const { rows } = await db.query<CommandRow>('SELECT * FROM commands WHERE id = $1', [commandId]);
    const row = rows[0];
    if (!row) return { kind: 'not-found' };
    const outcome = transition(toSnapshot(row), event, now, random);
    if (outcome.kind === 'noop') return { kind: 'noop', row };
    if (outcome.kind === 'refuse') return { kind: 'refused', row, reason: outcome.reason, detail: outcome.detail };
    const updated = await applyTransition(db, commandId, outcome, cause, now);
    if (updated) return { kind: 'applied', row: updated, transition: outcome };
  }
  throw new Error(`command ${commandId}: transition ${event.kind} kept losing races`);
}
