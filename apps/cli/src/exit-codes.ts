import type { CommandState } from '@switchyard/domain/command/command-state';

/**
 * The exit codes scripts can rely on (the table in docs/cli.md). The 6x/7x
 * codes follow BSD sysexits.h; the small ones name command outcomes, which
 * sysexits has no words for.
 */
export const EXIT = {
  ok: 0,
  /** Anything the CLI did not expect: a bug, or an answer it cannot read. */
  unexpected: 1,
  /** Sync submit or `tail` of a command: the command failed (422 command-failed). */
  commandFailed: 2,
  /** Sync submit: not finished within the timeout; the command keeps running (504 sync-timeout). */
  syncTimeout: 3,
  /** Sync submit or `tail`: the command ended without a result: expired, stuck or cancelled (500 command-ended). */
  commandEnded: 4,
  /** Sync submit: the result is over the gateway's size limit (507). */
  resultTooLarge: 5,
  /** 409: cancel a finished command, replay or resolve a dead letter twice, register an agent without --force. */
  conflict: 6,
  /** EX_USAGE: a bad flag, argument or value, found before anything was sent. */
  usage: 64,
  /** EX_DATAERR: input that is not JSON, or a request the gateway refused as invalid (400, 413). */
  invalid: 65,
  /** EX_NOINPUT: no such command, agent, key, dead letter, schedule or trigger (404), or an unreadable input file. */
  notFound: 66,
  /** EX_UNAVAILABLE: the gateway cannot be reached, or answered with a server error (5xx). */
  unavailable: 69,
  /** EX_TEMPFAIL: try again later: no live agent or all saturated (503, Retry-After), 429. */
  tryLater: 75,
  /** EX_NOPERM: the key is missing on the gateway's side, wrong, revoked, or not allowed (401, 403). */
  auth: 77,
  /** EX_CONFIG: a needed setting (URL, API key, admin key) is missing, or the config file is unreadable. */
  config: 78,
  /** Interrupted (Ctrl-C) while waiting for a sync submit or a command's final event. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The slug of a problem type `urn:switchyard:problem:<slug>`, or undefined. */
export function problemSlug(type: unknown): string | undefined {
  if (typeof type !== 'string') return undefined;
  const prefix = 'urn:switchyard:problem:';
  return type.startsWith(prefix) ? type.slice(prefix.length) : undefined;
}

/** The exit code for a gateway answer, from its status and problem slug. */
export function exitCodeForResponse(status: number, slug?: string): ExitCode {
  if (status >= 200 && status < 300) return EXIT.ok;
  switch (status) {
    case 400:
    case 413:
    case 415:
      return EXIT.invalid;
    case 401:
    case 403:
      return EXIT.auth;
    case 404:
      return EXIT.notFound;
    case 409:
      return EXIT.conflict;
    case 422:
      return slug === 'command-failed' ? EXIT.commandFailed : EXIT.invalid;
    case 429:
    case 503:
      return EXIT.tryLater;
    case 504:
      return slug === 'sync-timeout' ? EXIT.syncTimeout : EXIT.unavailable;
    case 507:
      return EXIT.resultTooLarge;
    case 500:
      return slug === 'command-ended' ? EXIT.commandEnded : EXIT.unavailable;
    default:
      return status >= 500 ? EXIT.unavailable : EXIT.unexpected;
  }
}

/** The exit code for a command's final state, as a sync submit would answer it. */
export function exitCodeForFinalState(state: CommandState): ExitCode {
  switch (state) {
    case 'succeeded':
      return EXIT.ok;
    case 'failed':
      return EXIT.commandFailed;
    case 'cancelled':
    case 'expired':
    case 'stuck':
      return EXIT.commandEnded;
    case 'scheduled':
    case 'queued':
    case 'dispatched':
    case 'running':
      return EXIT.syncTimeout;
  }
}

/** An error that ends the CLI with a chosen exit code; `body` is the gateway's answer when there was one. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly body?: unknown,
    readonly lines: readonly string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}
