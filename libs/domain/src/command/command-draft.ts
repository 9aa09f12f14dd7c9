import { BackoffPolicy, DEFAULT_BACKOFF } from '../retry/backoff';
import { CommandMode, CommandState, CommandTarget } from './command-state';
import type { CommandError } from './command.transitions';

/** What a submitter asks for, already validated at the edge (HTTP or NATS). */
export interface CommandRequest {
  id?: string;
  type: string;
  payload?: unknown;
  idempotencyKey?: string;
  mode?: CommandMode;
  runAt?: Date;
  deadline?: Date;
  maxAttempts?: number;
  backoff?: Partial<BackoffPolicy>;
  ackTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  parentId?: string;
  depth?: number;
  /** W3C trace context of the hop recording the command (see trace/traceparent.ts). */
  traceparent?: string;
}

export interface CommandDefaults {
  maxAttempts: number;
  ackTimeoutMs: number;
  heartbeatTimeoutMs: number;
  deadlineMs: number;
}

/** A command ready for the ledger. */
export interface CommandDraft {
  id: string;
  targetKind: CommandTarget['kind'];
  target: string;
  type: string;
  payload: unknown;
  caller: string;
  idempotencyKey: string | null;
  mode: CommandMode;
  /** `cancelled` only for a command refused at creation (past the maximum depth): recorded, never run. */
  state: Extract<CommandState, 'scheduled' | 'queued' | 'cancelled'>;
  /** Why a command created `cancelled` was never run. */
  error?: CommandError;
  maxAttempts: number;
  backoff: BackoffPolicy;
  runAt: Date | null;
  deadlineAt: Date;
  ackTimeoutMs: number;
  heartbeatTimeoutMs: number;
  depth: number;
  parentId: string | null;
  /** The dead letter this command handles (it was created by a trigger from that dead letter's event). */
  handlesDeadLetter?: string | null;
  /** Null: the command's trace is derived from its id (traceOfCommandId). */
  traceparent: string | null;
}

export type DraftResult = { ok: true; draft: CommandDraft } | { ok: false; field: string; message: string };

/**
 * Fills in defaults and checks the rules that span fields. A command whose
 * `runAt` is in the future starts `scheduled`; a sync command gets a single
 * attempt (sync commands are not retried).
 */
export function draftCommand(
  request: CommandRequest,
  ctx: { id: string; target: CommandTarget; caller: string; defaults: CommandDefaults; now: Date },
): DraftResult {
  const { now, defaults } = ctx;
  const mode = request.mode ?? 'async';
  const deadlineAt = request.deadline ?? new Date(now.getTime() + defaults.deadlineMs);
  if (deadlineAt.getTime() <= now.getTime()) return { ok: false, field: 'deadline', message: 'must be in the future' };
  const runAt = request.runAt && request.runAt.getTime() > now.getTime() ? request.runAt : null;
  if (runAt && runAt.getTime() >= deadlineAt.getTime()) {
    return { ok: false, field: 'runAt', message: 'must be before the deadline' };
  }
  const backoff = { ...DEFAULT_BACKOFF, ...request.backoff };
  if (backoff.maxMs < backoff.baseMs) return { ok: false, field: 'backoff.maxMs', message: 'must be at least baseMs' };
  return {
    ok: true,
    draft: {
      id: request.id ?? ctx.id,
      targetKind: ctx.target.kind,
      target: ctx.target.name,
      type: request.type,
      payload: request.payload ?? null,
      caller: ctx.caller,
      idempotencyKey: request.idempotencyKey ?? null,
      mode,
      state: runAt ? 'scheduled' : 'queued',
      maxAttempts: mode === 'sync' ? 1 : (request.maxAttempts ?? defaults.maxAttempts),
      backoff,
      runAt,
      deadlineAt,
      ackTimeoutMs: request.ackTimeoutMs ?? defaults.ackTimeoutMs,
      heartbeatTimeoutMs: request.heartbeatTimeoutMs ?? defaults.heartbeatTimeoutMs,
      depth: request.depth ?? 0,
      parentId: request.parentId ?? null,
      traceparent: request.traceparent ?? null,
    },
  };
}
