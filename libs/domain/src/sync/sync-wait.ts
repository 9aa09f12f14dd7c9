/**
 * How long a sync caller waits, and in what steps.
 *
 * The wait is rolling: every lifecycle event of the command opens a new idle
 * window, and the whole wait is bounded by the caller's timeout. When a window
 * passes with no event the ledger row is read again (an event can be lost: it
 * is a best-effort publish after the commit), and the wait goes on while time
 * is left. At the overall timeout the row is read once more.
 */

/**
 * Idle window: short enough that a missed event costs the caller about a
 * second, long enough that a thousand idle waiters read the ledger only a
 * thousand times a second at most.
 */
export const SYNC_IDLE_WINDOW_MS = 1_000;

export interface SyncTimeoutLimits {
  defaultMs: number;
  maxMs: number;
}

export type SyncTimeoutResult = { ok: true; timeoutMs: number } | { ok: false; message: string };

/** The caller's timeout, or the default; more than the maximum is refused (never silently cut). */
export function resolveSyncTimeout(requested: number | undefined, limits: SyncTimeoutLimits): SyncTimeoutResult {
  if (requested === undefined) return { ok: true, timeoutMs: Math.min(limits.defaultMs, limits.maxMs) };
  if (requested > limits.maxMs) return { ok: false, message: `must be at most ${limits.maxMs}` };
  return { ok: true, timeoutMs: requested };
}

/** How long to wait for the next event before reading the ledger; 0 means the overall timeout has passed. */
export function nextWaitMs(nowMs: number, deadlineMs: number, windowMs = SYNC_IDLE_WINDOW_MS): number {
  return Math.max(0, Math.min(windowMs, deadlineMs - nowMs));
}
