import { backoffDelayMs, BackoffPolicy, RandomSource } from '../retry/backoff';
import { CommandMode, CommandState, isTerminal } from './command-state';

/**
 * The command state machine: every edge, once.
 *
 *   scheduled ─due──▶ queued ─claim──▶ dispatched ─accept──▶ running ─succeed──▶ succeeded
 *                        ▲                 │  │ succeed/fail  │  └─fail (final)──▶ failed ─▶ dead letter
 *                        └──── retry ──────┴──┴───────────────┘
 *   ack-timeout:    dispatched ─▶ queued (retry) | failed (attempts used up)
 *   heartbeat-lost: running    ─▶ queued (retry) | stuck  (no retry left)
 *   release:        dispatched|running ─▶ queued (the agent handed it back; not a failure)
 *   cancel:         any non-terminal ─▶ cancelled
 *   expire:         any non-terminal ─▶ expired (deadline passed)
 *
 * A report that implies acceptance (succeed/fail) is taken from `dispatched`
 * too: reports travel through a shared consumer, so a result may be applied
 * before the accept that preceded it.
 *
 * Rules that hold for every edge:
 * - terminal states never change; the same terminal report again is a no-op,
 *   a different one is refused;
 * - agent reports are fenced by attempt: one for another attempt is stale;
 * - every applied edge names the state it expects, so the writer can turn it
 *   into a compare-and-set.
 */

export interface CommandSnapshot {
  state: CommandState;
  attempt: number;
  maxAttempts: number;
  mode: CommandMode;
  backoff: BackoffPolicy;
  /** A dead-letter handler (a command a trigger created from a dead-letter event) never writes a dead letter. */
  handlesDeadLetter?: boolean;
}

export interface CommandError {
  message: string;
  code?: string;
  retryable?: boolean;
}

export type CommandEvent =
  | { kind: 'due' }
  | { kind: 'claim'; agentId: string }
  | { kind: 'accept'; attempt: number }
  | { kind: 'succeed'; attempt: number; result: unknown }
  | { kind: 'fail'; attempt: number; error: CommandError; retryable: boolean }
  | { kind: 'ack-timeout'; attempt: number }
  | { kind: 'heartbeat-lost'; attempt: number }
  | { kind: 'release'; attempt: number }
  /** `code` defaults to `cancelled`; the dispatcher names why it ended a sync command it could not route. */
  | { kind: 'cancel'; reason: string; code?: string }
  | { kind: 'expire' };

export type CommandEventKind = CommandEvent['kind'];

/** Column changes that accompany an edge, besides `state` and `attempt`. */
export interface CommandPatch {
  assignedAgent?: string | null;
  availableAt?: Date;
  dispatchedAt?: Date;
  acceptedAt?: Date;
  lastHeartbeatAt?: Date;
  finishedAt?: Date;
  result?: unknown;
  error?: CommandError;
  /** A released delivery does not count against the attempt budget. */
  maxAttempts?: number;
}

export interface Transition {
  kind: 'apply';
  from: CommandState;
  to: CommandState;
  /** The attempt the row must hold for the write to apply (the fence). */
  expectedAttempt: number;
  /** The attempt the row holds after the write. */
  attempt: number;
  patch: CommandPatch;
  /** Set when the edge ends the command without success: write a dead letter. */
  deadLetter?: string;
  /**
   * Set instead of `deadLetter` when the command is a dead-letter handler: the
   * dead letter it handles is annotated as `handler_failed` and no new one is
   * written, so a failing handler can never start a chain of dead letters.
   */
  handlerFailed?: string;
}

export type RefusalReason = 'stale-attempt' | 'terminal' | 'not-allowed';

export interface Refusal {
  kind: 'refuse';
  reason: RefusalReason;
  detail: string;
}

/** The event restates what already happened (a replayed terminal report). */
export interface Replay {
  kind: 'noop';
}

export type Outcome = Transition | Replay | Refusal;

const AGENT_REPORTS: ReadonlySet<CommandEventKind> = new Set([
  'accept',
  'succeed',
  'fail',
  'ack-timeout',
  'heartbeat-lost',
  'release',
]);

/** Which event may leave which state. Anything absent is refused. */
const EDGES: Record<CommandEventKind, readonly CommandState[]> = {
  due: ['scheduled'],
  claim: ['queued'],
  accept: ['dispatched'],
  succeed: ['dispatched', 'running'],
  fail: ['dispatched', 'running'],
  'ack-timeout': ['dispatched'],
  'heartbeat-lost': ['running'],
  release: ['dispatched', 'running'],
  cancel: ['scheduled', 'queued', 'dispatched', 'running'],
  expire: ['scheduled', 'queued', 'dispatched', 'running'],
};

/** The terminal state an event leads to when it restates an outcome. */
function replayedTerminal(event: CommandEvent): CommandState | undefined {
  switch (event.kind) {
    case 'succeed':
      return 'succeeded';
    case 'cancel':
      return 'cancelled';
    case 'expire':
      return 'expired';
    case 'fail':
      return 'failed';
    case 'due':
    case 'claim':
    case 'accept':
    case 'ack-timeout':
    case 'heartbeat-lost':
    case 'release':
      return undefined;
  }
}

export function allowedFrom(kind: CommandEventKind): readonly CommandState[] {
  return EDGES[kind];
}

export function transition(
  from: CommandSnapshot,
  event: CommandEvent,
  now: Date,
  random: RandomSource = Math.random,
): Outcome {
  const outcome = edge(from, event, now, random);
  if (outcome.kind !== 'apply' || !outcome.deadLetter || !from.handlesDeadLetter) return outcome;
  const { deadLetter, ...rest } = outcome;
  return { ...rest, handlerFailed: deadLetter };
}

function edge(from: CommandSnapshot, event: CommandEvent, now: Date, random: RandomSource): Outcome {
  if ('attempt' in event && AGENT_REPORTS.has(event.kind) && event.attempt !== from.attempt) {
    return refuse('stale-attempt', `report for attempt ${event.attempt}, command is on attempt ${from.attempt}`);
  }
  if (isTerminal(from.state)) {
    return replayedTerminal(event) === from.state
      ? { kind: 'noop' }
      : refuse('terminal', `command is ${from.state}; ${event.kind} cannot change it`);
  }
  if (!EDGES[event.kind].includes(from.state)) {
    return refuse('not-allowed', `${event.kind} is not allowed from ${from.state}`);
  }
  const base = { kind: 'apply' as const, from: from.state, expectedAttempt: from.attempt, attempt: from.attempt };
  switch (event.kind) {
    case 'due':
      return { ...base, to: 'queued', patch: { availableAt: now } };
    case 'claim':
      return {
        ...base,
        to: 'dispatched',
        attempt: from.attempt + 1,
        patch: { assignedAgent: event.agentId, dispatchedAt: now, lastHeartbeatAt: now },
      };
    case 'accept':
      return { ...base, to: 'running', patch: { acceptedAt: now, lastHeartbeatAt: now } };
    case 'succeed':
      return {
        ...base,
        to: 'succeeded',
        patch: { result: event.result, finishedAt: now, ...(from.state === 'dispatched' ? { acceptedAt: now } : {}) },
      };
    case 'fail':
      return retryOr(from, base, now, random, event.retryable, 'failed', event.error);
    case 'ack-timeout':
      return retryOr(from, base, now, random, true, 'failed', {
        message: `agent did not accept attempt ${from.attempt} in time`,
        code: 'ack_timeout',
      });
    case 'heartbeat-lost':
      return retryOr(from, base, now, random, true, 'stuck', {
        message: `heartbeat lost during attempt ${from.attempt}`,
        code: 'heartbeat_lost',
      });
    case 'release':
      return {
        ...base,
        to: 'queued',
        patch: { assignedAgent: null, availableAt: now, maxAttempts: from.maxAttempts + 1 },
      };
    case 'cancel':
      return {
        ...base,
        to: 'cancelled',
        patch: { finishedAt: now, error: { message: event.reason, code: event.code ?? 'cancelled' } },
      };
    case 'expire':
      return {
        ...base,
        to: 'expired',
        patch: { finishedAt: now, error: { message: 'deadline passed', code: 'expired' } },
        deadLetter: 'expired',
      };
  }
}

/** Whether a failed attempt may be tried again. Sync commands never are. */
export function canRetry(snapshot: CommandSnapshot, retryable: boolean): boolean {
  return retryable && snapshot.mode === 'async' && snapshot.attempt < snapshot.maxAttempts;
}

function retryOr(
  from: CommandSnapshot,
  base: Omit<Transition, 'to' | 'patch'>,
  now: Date,
  random: RandomSource,
  retryable: boolean,
  finalState: 'failed' | 'stuck',
  error: CommandError,
): Transition {
  if (canRetry(from, retryable)) {
    const delay = backoffDelayMs(from.backoff, from.attempt, random);
    return {
      ...base,
      to: 'queued',
      patch: { assignedAgent: null, availableAt: new Date(now.getTime() + delay), error },
    };
  }
  return { ...base, to: finalState, patch: { finishedAt: now, error }, deadLetter: error.code || finalState };
}

function refuse(reason: RefusalReason, detail: string): Refusal {
  return { kind: 'refuse', reason, detail };
}
