import type {
  BackoffPolicy,
  CommandError,
  CommandMode,
  CommandSnapshot,
  CommandState,
  TargetKind,
} from '@switchyard/domain';

/** A `commands` row as the SQL in this folder returns it (`RETURNING *`). */
export interface CommandRow {
  id: string;
  target_kind: TargetKind;
  target: string;
  type: string;
  payload: unknown;
  payload_preview: string | null;
  caller: string;
  idempotency_key: string | null;
  mode: CommandMode;
  state: CommandState;
  attempt: number;
  max_attempts: number;
  backoff: BackoffPolicy;
  run_at: Date | null;
  available_at: Date;
  published_at: Date | null;
  deadline_at: Date;
  ack_timeout_ms: number;
  heartbeat_timeout_ms: number;
  lease_expires_at: Date | null;
  assigned_agent: string | null;
  dispatched_at: Date | null;
  delivered_attempt: number | null;
  accepted_at: Date | null;
  last_heartbeat_at: Date | null;
  finished_at: Date | null;
  result: unknown;
  result_preview: string | null;
  error: CommandError | null;
  depth: number;
  parent_id: string | null;
  handles_dead_letter: string | null;
  /** W3C trace context the command was recorded with; null on rows older than the column. */
  traceparent: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * Every column of `commands`: what the prepared statements
 * return instead of `*` (see `prepared`). The type below fails to compile
 * when CommandRow gains a field this list lacks, and an integration test
 * compares it with the table.
 */
export const COMMAND_COLUMNS = [
  'id',
  'target_kind',
  'target',
  'type',
  'payload',
  'payload_preview',
  'caller',
  'idempotency_key',
  'mode',
  'state',
  'attempt',
  'max_attempts',
  'backoff',
  'run_at',
  'available_at',
  'published_at',
  'deadline_at',
  'ack_timeout_ms',
  'heartbeat_timeout_ms',
  'lease_expires_at',
  'assigned_agent',
  'dispatched_at',
  'delivered_attempt',
  'accepted_at',
  'last_heartbeat_at',
  'finished_at',
  'result',
  'result_preview',
  'error',
  'depth',
  'parent_id',
  'handles_dead_letter',
  'traceparent',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof CommandRow)[];

type Unlisted = Exclude<keyof CommandRow, (typeof COMMAND_COLUMNS)[number]>;
/** Compiles only while every field of CommandRow is listed. */
export const EVERY_COMMAND_COLUMN_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;

/** The columns of `commands` for a select list, optionally qualified (`c.id, c.target_kind, …`). */
export function commandColumns(alias?: string): string {
  return COMMAND_COLUMNS.map((c) => (alias ? `${alias}.${c}` : c)).join(', ');
}

export function toSnapshot(row: CommandRow): CommandSnapshot {
  return {
    state: row.state,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    mode: row.mode,
    backoff: row.backoff,
    handlesDeadLetter: Boolean(row.handles_dead_letter),
  };
}
