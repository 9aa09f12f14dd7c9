import type { Pool } from 'pg';

/**
 * Ends a pool and waits until each of its connections has closed. `pool.end()`
 * resolves as soon as it has asked them to close; a test database dropped
 * WITH (FORCE) before the server has seen them go terminates them instead, and
 * the pool reports that as an 'error' event nobody listens to any more, which
 * fails whichever test is running.
 */
export async function closePool(pool: Pool | undefined): Promise<void> {
  if (!pool || pool.ended) return;
  const open = pool.totalCount;
  let closed = 0;
  const allClosed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    pool.on('remove', () => {
      closed += 1;
      if (closed >= open) resolve();
    });
  });
  await pool.end();
  await allClosed;
}
