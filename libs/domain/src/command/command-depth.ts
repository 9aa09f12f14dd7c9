import { CommandDraft } from './command-draft';
import type { CommandError } from './command.transitions';

/**
 * Depth: how many commands led to a command. A command submitted by a client,
 * a service or a schedule has depth 0; a command created because of another
 * (a trigger firing on an event a command published, a delegation) is one
 * deeper than its cause. Past the maximum depth a command is not run: it is
 * recorded as terminated with `MAX_DEPTH_EXCEEDED`, which stops loops (a
 * trigger whose command publishes the event that fires it) without a dead
 * letter.
 */

export const MAX_DEPTH_EXCEEDED = 'max_depth_exceeded';

/** The depth of a command created because of a cause at `causeDepth`. */
export function childDepth(causeDepth: number): number {
  return causeDepth + 1;
}

export type DepthVerdict = { run: true } | { run: false; error: CommandError };

/** Whether a command at `depth` may run under `maxDepth`: depths up to and including the maximum run. */
export function judgeDepth(depth: number, maxDepth: number): DepthVerdict {
  if (depth <= maxDepth) return { run: true };
  return {
    run: false,
    error: { message: `depth ${depth} exceeds the maximum of ${maxDepth}`, code: MAX_DEPTH_EXCEEDED, retryable: false },
  };
}

/** The draft unchanged within the limit; past it, the same command created `cancelled`, never to run. */
export function limitDepth(draft: CommandDraft, maxDepth: number): CommandDraft {
  const verdict = judgeDepth(draft.depth, maxDepth);
  if (verdict.run) return draft;
  return { ...draft, state: 'cancelled', runAt: null, error: verdict.error };
}
