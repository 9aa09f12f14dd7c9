/** Groups a command's lifecycle events by attempt, for the command page. Pure. */

export interface CommandEvent {
  id: number;
  event: string;
  from: string | null;
  to: string | null;
  attempt: number;
  agentId: string | null;
  data: unknown;
  at: string;
}

export interface Attempt {
  attempt: number;
  agentId: string | null;
  claimedAt: string | null;
  acceptedAt: string | null;
  endedAt: string | null;
  /** The event that closed the attempt (succeed, fail, release, ack-timeout, …); null while it runs. */
  outcome: string | null;
  /** The state the attempt left the command in. */
  endState: string | null;
  error: unknown;
}

const OPENING = new Set(['claim']);
const ACCEPTING = new Set(['accept']);
const NOT_CLOSING = new Set(['claim', 'accept', 'progress', 'submit', 'due']);

/** One row per attempt ≥ 1, in order. An event that moves the command out of dispatched/running closes it. */
export function attemptsOf(events: readonly CommandEvent[]): Attempt[] {
  const byAttempt = new Map<number, Attempt>();
  for (const e of [...events].sort((a, b) => a.id - b.id)) {
    if (e.attempt < 1) continue;
    const row =
      byAttempt.get(e.attempt) ??
      ({
        attempt: e.attempt,
        agentId: null,
        claimedAt: null,
        acceptedAt: null,
        endedAt: null,
        outcome: null,
        endState: null,
        error: null,
      } satisfies Attempt);
    byAttempt.set(e.attempt, row);
    if (e.agentId) row.agentId = e.agentId;
    if (OPENING.has(e.event)) row.claimedAt ??= e.at;
    if (ACCEPTING.has(e.event)) row.acceptedAt ??= e.at;
    const leftRun = (e.from === 'dispatched' || e.from === 'running') && e.to !== 'running' && e.to !== e.from;
    if (!NOT_CLOSING.has(e.event) && leftRun && row.endedAt === null) {
      row.endedAt = e.at;
      row.outcome = e.event;
      row.endState = e.to;
      row.error = errorOf(e.data);
    }
  }
  return [...byAttempt.values()].sort((a, b) => a.attempt - b.attempt);
}

function errorOf(data: unknown): unknown {
  if (data && typeof data === 'object' && 'error' in data) return data.error;
  return null;
}
