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
   * Aborted when the command is cancelled, when its deadline passes, or when
   * the agent gives up waiting for it during close(). `signal.reason` is a
   * `CommandAborted`; the handler decides what to do (rethrowing it is fine).
   */
  readonly signal: AbortSignal;
  /** Publishes a progress report; resolves once JetStream stored it (or the agent closed). */
  progress(data: unknown): Promise<void>;
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

/**
 * Runs one attempt of one command type. The resolved value is the result
 * (`undefined` becomes `null`); a throw fails the attempt (see CommandFailure).
 */
export type Handler = (payload: unknown, ctx: HandlerContext) => Promise<unknown>;
