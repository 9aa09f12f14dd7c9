import type { Delivery } from '@switchyard/messaging/contracts/agent-protocol.schema';
/** What a handler gets besides the payload. */
export interface HandlerContext {
  readonly commandId: string;
  /** 1 on the first delivery; a retry comes with a higher number. Use commandId for idempotency. */
  readonly attempt: number;
  readonly type: string;
  /** How many commands led to this one (0 for a command a client submitted). */
  readonly depth: number;
  /** Who submitted the command. */
  readonly caller: string;
  readonly deadlineAt: Date;
  /**
   * W3C trace context of this attempt (`00-<trace id>-<span id>-<flags>`): the
   * trace the command was submitted with, and a span of this agent's own.
   * Send it as the `traceparent` header of calls the handler makes to join
   * the trace; reports and delegations carry it already.
   */
  readonly traceparent: string;
  /**
   * Aborted when the command is cancelled, when its deadline passes, or when
   * the agent gives up waiting for it during close(). `signal.reason` is a
   * `CommandAborted`; the handler decides what to do (rethrowing it is fine).
   */
  readonly signal: AbortSignal;
  /** Publishes a progress report; resolves once JetStream stored it (or the agent closed). */
  progress(data: unknown): Promise<void>;
  /**
   * Delegates: submits a command on behalf of this one. The child records
   * this command as its parent, is one level deeper, and is cancelled with
   * it. Resolves with the child's id once Switchyard stored the submission.
   * A retried attempt delegates again unless `idempotencyKey` says it is the
   * same child.
   */
  delegate(target: DelegateTarget, type: string, payload?: unknown, options?: DelegateOptions): Promise<{ id: string }>;
  /**
   * Publishes a domain event on `<ns>.events.<subject>` as caused by this
   * command: a command a trigger creates for it is this command's child, one
   * level deeper (and past MAX_COMMAND_DEPTH is not run, which stops loops).
   * Resolves once JetStream stored it (or the agent closed). The event id is
   * `cmd:<commandId>:<id>` (`id` defaults to the subject), the same on every
   * attempt, so a retried command that publishes again fires each trigger
   * once; pass distinct ids to publish several events on one subject.
   */
  publishEvent(subject: string, data: unknown, options?: { id?: string }): Promise<void>;
}

export type DelegateTarget = { agent: string } | { pool: string };

/** Per-command settings of a delegated command; the server's defaults apply to what is left out. */
export interface DelegateOptions {
  /** Unique per agent: the same key twice is the same child (across attempts of the parent too). */
  idempotencyKey?: string;
  maxAttempts?: number;
  deadline?: Date;
  ackTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  backoff?: { kind: 'exponential' | 'linear' | 'constant'; baseMs: number; maxMs: number; jitter?: boolean };
}

/**
 * Runs one attempt of one command type. The resolved value is the result
 * (`undefined` becomes `null`); a throw fails the attempt (see CommandFailure).
 */
export type Handler = (payload: unknown, ctx: HandlerContext) => Promise<unknown>;

/** The parts of a handler's context that come from the delivery alone, the same for every transport. */
export function deliveryFacts(
  d: Delivery,
  traceparent: string,
): Pick<HandlerContext, 'commandId' | 'attempt' | 'type' | 'depth' | 'caller' | 'deadlineAt' | 'traceparent'> {
  return {
    commandId: d.id,
    attempt: d.attempt,
    type: d.type,
    depth: d.depth,
    caller: d.caller,
    deadlineAt: new Date(d.deadlineAt),
    traceparent,
  };
}
