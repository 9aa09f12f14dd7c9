import type { CommandError, CommandState } from '@switchyard/domain';
import type { SyncResult } from './sync.service';

/**
 * A sync result as both edges send it: HTTP as a 200 body or a problem
 * document, NATS as the reply body (`{ status, id, state, result?, error? }`).
 */
export interface SyncAnswer {
  status: number;
  /** The command; absent when nothing was recorded (a 503 before insert, a 400). */
  id?: string;
  state?: CommandState;
  result?: unknown;
  /** `code` is the problem slug over HTTP; `detail` the command's own error, when it has one. */
  error?: { code: string; message: string; detail?: CommandError };
  /** Field details of a 400 / 413. */
  errors?: { field: string; message: string }[];
  retryAfterSeconds?: number;
  replayed?: boolean;
}

export function syncAnswer(result: SyncResult): SyncAnswer {
  if (result.kind === 'invalid') {
    const code = result.status === 413 ? 'payload-too-large' : 'validation';
    return {
      status: result.status,
      error: { code, message: `${result.field} ${result.message}` },
      errors: [{ field: result.field, message: result.message }],
    };
  }
  const { outcome, row, replayed } = result;
  const base = {
    status: outcome.status,
    ...(row ? { id: row.id, state: row.state } : {}),
    ...(replayed ? { replayed } : {}),
  };
  const detail = row?.error ? { detail: row.error } : {};
  switch (outcome.kind) {
    case 'succeeded':
      return { ...base, result: row?.result ?? null };
    case 'failed':
      return {
        ...base,
        error: { code: 'command-failed', message: row?.error?.message ?? 'the agent failed', ...detail },
      };
    case 'unavailable':
      return {
        ...base,
        error: {
          code: outcome.reason,
          message:
            outcome.reason === 'no-agent'
              ? 'no live agent can take this command'
              : 'every agent that can take this command is at capacity',
          ...detail,
        },
        retryAfterSeconds: outcome.retryAfterSeconds,
      };
    case 'timeout':
      return {
        ...base,
        error: { code: 'sync-timeout', message: `command ${row?.id} did not finish in time; it keeps running` },
      };
    case 'result-too-large':
      return {
        ...base,
        error: { code: 'result-too-large', message: row?.error?.message ?? 'result over the size limit', ...detail },
      };
    case 'ended':
      return {
        ...base,
        error: {
          code: 'command-ended',
          message: `command ended ${row?.state ?? ''} without a result`.trim(),
          ...detail,
        },
      };
  }
}
