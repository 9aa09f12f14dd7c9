import type { StatusEvent } from '@switchyard/messaging/contracts/agent-protocol.schema';
import { truncate } from './command-failure';

/** What the status needs to know about one held command. */
export interface HeldSummary {
  commandId: string;
  type: string;
  running: boolean;
}

export type AgentStatus = Pick<StatusEvent, 'phase' | 'activity' | 'commandId'>;

const MAX_ACTIVITY_LENGTH = 200;

/**
 * The phase an agent reports: `draining` from the start of close(), `busy`
 * while it holds anything (running or waiting for a slot), `idle` otherwise.
 * (`offline` is published once, at the very end of close().)
 * With one command held, the status names it.
 */
export function statusFor(closing: boolean, held: readonly HeldSummary[]): AgentStatus {
  const running = held.filter((h) => h.running).length;
  const waiting = held.length - running;
  const single = held.length === 1 ? held[0] : undefined;
  const activity = single
    ? `${single.running ? 'running' : 'waiting to run'} ${single.type}`
    : `${running} running, ${waiting} waiting`;
  if (closing) {
    return {
      phase: 'draining',
      ...(held.length > 0 ? { activity: truncate(activity, MAX_ACTIVITY_LENGTH) } : {}),
      ...(single ? { commandId: single.commandId } : {}),
    };
  }
  if (held.length === 0) return { phase: 'idle' };
  return {
    phase: 'busy',
    activity: truncate(activity, MAX_ACTIVITY_LENGTH),
    ...(single ? { commandId: single.commandId } : {}),
  };
}

/** True when two statuses would tell a watcher the same thing (the time aside). */
export function sameStatus(a: AgentStatus | undefined, b: AgentStatus): boolean {
  return a !== undefined && a.phase === b.phase && a.activity === b.activity && a.commandId === b.commandId;
}

/** Statuses waiting to be published while one is in flight; older ones beyond this are dropped. */
export const MAX_QUEUED_STATUSES = 4;

/**
 * Queues a status behind those not yet published. A status replaces the
 * queued one before it when both have the same phase (only the newest detail
 * matters), so every phase change stays visible to watchers while a slow or
 * broken connection never lets the queue grow past `max`: then the oldest
 * go first, and the newest status is always kept.
 */
export function enqueueStatus<T extends { phase: string }>(
  queue: readonly T[],
  next: T,
  max = MAX_QUEUED_STATUSES,
): T[] {
  const last = queue.at(-1);
  const queued = last?.phase === next.phase ? [...queue.slice(0, -1), next] : [...queue, next];
  return queued.slice(Math.max(0, queued.length - max));
}
