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
