import type { Queryable } from '@switchyard/persistence';

/**
 * Polls `check` until it returns a value other than undefined/false, or fails
 * with `what` after `timeoutMs`. For conditions that live in another process
 * (the ledger, a stream); in-process code emits events to await instead.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 20_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until exactly `count` agents are online in the ledger (they connected and their session was applied). */
export function waitForAgentsOnline(db: Queryable, count: number, timeoutMs = 20_000): Promise<true> {
  return waitFor(
    `${count} agents online`,
    async () => {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM agents WHERE status <> 'offline'`);
      return rows[0].n === count || undefined;
    },
    { timeoutMs },
  );
}
