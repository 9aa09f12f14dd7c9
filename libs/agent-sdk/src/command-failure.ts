/** The limits of a failed report's error, as the dispatcher's report schema enforces them. */
export const MAX_ERROR_MESSAGE_LENGTH = 4_096;
export const MAX_ERROR_CODE_LENGTH = 128;

export interface CommandFailureOptions {
  /** A short machine-readable reason, e.g. `invalid_payload`. */
  code?: string;
  /** `false` tells the dispatcher not to retry this command. Default `true`. */
  retryable?: boolean;
}

/**
 * Throw from a handler to fail the attempt with a code and an explicit
 * retry decision. Any other thrown value fails the attempt as retryable,
 * unless it carries `retryable: false` itself.
 */
export class CommandFailure extends Error {
  readonly code?: string;
  readonly retryable: boolean;

  constructor(message: string, options: CommandFailureOptions = {}) {
    super(message);
    this.name = 'CommandFailure';
    this.code = options.code;
    this.retryable = options.retryable ?? true;
  }
}

export type AbortCause = 'cancelled' | 'deadline' | 'shutdown';

/**
 * The reason an agent aborts a handler's signal (`ctx.signal.reason`). A
 * handler that simply rethrows it fails the attempt without a retry: the
 * command was cancelled or ran out of time. (On shutdown the attempt is
 * released instead, whatever the handler does.)
 */
export class CommandAborted extends CommandFailure {
  constructor(readonly abortCause: AbortCause) {
    super(ABORT_MESSAGES[abortCause], { code: ABORT_CODES[abortCause], retryable: false });
    this.name = 'AbortError';
  }
}

const ABORT_MESSAGES: Record<AbortCause, string> = {
  cancelled: 'command cancelled',
  deadline: 'command deadline passed',
  shutdown: 'agent is shutting down',
};

const ABORT_CODES: Record<AbortCause, string> = {
  cancelled: 'cancelled',
  deadline: 'deadline_exceeded',
  shutdown: 'agent_shutdown',
};

export interface FailureDescription {
  error: { message: string; code?: string };
  retryable: boolean;
}

/**
 * Turns whatever a handler threw into the error part of a `failed` report:
 * the message and code (cut to the schema's limits), and `retryable` unless
 * the thrown value says `retryable: false`.
 */
export function describeFailure(thrown: unknown): FailureDescription {
  const fields = typeof thrown === 'object' && thrown !== null ? (thrown as Record<string, unknown>) : {};
  const code = typeof fields.code === 'string' || typeof fields.code === 'number' ? String(fields.code) : undefined;
  return {
    error: {
      message: truncate(messageOf(thrown), MAX_ERROR_MESSAGE_LENGTH) || 'handler failed',
      ...(code ? { code: truncate(code, MAX_ERROR_CODE_LENGTH) } : {}),
    },
    retryable: fields.retryable !== false,
  };
}

function messageOf(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message || thrown.name;
  if (thrown === undefined || thrown === null) return '';
  if (typeof thrown === 'string') return thrown;
  if (typeof thrown === 'number' || typeof thrown === 'boolean' || typeof thrown === 'bigint') return String(thrown);
  if (typeof thrown === 'symbol') return thrown.toString();
  try {
    return JSON.stringify(thrown) ?? Object.prototype.toString.call(thrown);
  } catch {
    return Object.prototype.toString.call(thrown);
  }
}

/** Cuts to at most `max` UTF-16 units without splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.charCodeAt(max - 1);
  const end = cut >= 0xd800 && cut <= 0xdbff ? max - 1 : max;
  return text.slice(0, end);
}
