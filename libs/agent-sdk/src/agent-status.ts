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

/** An agent at work publishes its status at most this often (draining and offline go at once). */
export const STATUS_DETAIL_INTERVAL_MS = 250;

/** Phases a status may move between at a paced rate: both take work, so routing does not wait on them. */
const PACED: ReadonlySet<string> = new Set(['idle', 'busy']);

/**
 * How long `next` must wait before it is published, given the last status
 * published and when. The first status, and any move into or out of
 * draining or offline, go at once; between idle and busy (and for a new
 * detail) what is left of the interval since the last one. An agent whose
 * count of running commands changes hundreds of times a second, or that goes
 * idle and busy between every command, then publishes a few times a second,
 * and its last status always goes out.
 */
export function statusWait(
  last: { phase: string; at: number } | undefined,
  next: Pick<AgentStatus, 'phase'>,
  now: number,
  intervalMs = STATUS_DETAIL_INTERVAL_MS,
): number {
  if (!last || !PACED.has(last.phase) || !PACED.has(next.phase)) return 0;
  return Math.max(0, last.at + intervalMs - now);
}

/**
 * Decides when an agent's status goes out, for both transports: call
 * `update()` after anything that may change it. An unchanged status is not
 * sent again (unless forced, after a reconnect); a detail-only change is
 * held back by statusWait and sent, as whatever is current then, when its
 * time comes.
 */
export class StatusPacer {
  private last?: { status: AgentStatus; at: number };
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly current: () => AgentStatus,
    private readonly send: (status: AgentStatus) => void,
    private readonly intervalMs = STATUS_DETAIL_INTERVAL_MS,
  ) {}

  update(force = false): void {
    const next = this.current();
    if (!force && sameStatus(this.last?.status, next)) return;
    const now = Date.now();
    const wait = force
      ? 0
      : statusWait(this.last && { phase: this.last.status.phase, at: this.last.at }, next, now, this.intervalMs);
    if (wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.update();
      }, wait).unref();
      return;
    }
    this.stop();
    this.last = { status: next, at: now };
    this.send(next);
  }

  /** Drops a held-back update (at close: the final status is sent by a phase change). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
