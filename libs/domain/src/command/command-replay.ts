import { BackoffPolicy } from '../retry/backoff';
import { CommandDraft } from './command-draft';
import { TargetKind } from './command-state';

/** What a replay copies from the dead-lettered command. */
export interface ReplaySource {
  id: string;
  targetKind: TargetKind;
  target: string;
  type: string;
  payload: unknown;
  caller: string;
  maxAttempts: number;
  backoff: BackoffPolicy;
  ackTimeoutMs: number;
  heartbeatTimeoutMs: number;
  depth: number;
  createdAt: Date;
  deadlineAt: Date;
}

/**
 * The command a dead-letter replay creates: a new command with the original's
 * target, type, payload, caller and retry policy, fresh attempts, and as long
 * to live as the original had. It is the original's child (`parentId`) at the
 * same depth: a replay is the same work again, not work caused by it. Async
 * and queued: a replay runs now.
 */
export function draftReplayCommand(original: ReplaySource, ctx: { id: string; now: Date }): CommandDraft {
  const lifetimeMs = Math.max(original.deadlineAt.getTime() - original.createdAt.getTime(), 1_000);
  return {
    id: ctx.id,
    targetKind: original.targetKind,
    target: original.target,
    type: original.type,
    payload: original.payload ?? null,
    caller: original.caller,
    idempotencyKey: null,
    // A replay is new work: its trace is its own (derived from its id).
    traceparent: null,
    mode: 'async',
    state: 'queued',
    maxAttempts: original.maxAttempts,
    backoff: original.backoff,
    runAt: null,
    deadlineAt: new Date(ctx.now.getTime() + lifetimeMs),
    ackTimeoutMs: original.ackTimeoutMs,
    heartbeatTimeoutMs: original.heartbeatTimeoutMs,
    depth: original.depth,
    parentId: original.id,
  };
}
