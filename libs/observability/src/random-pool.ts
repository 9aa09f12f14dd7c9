import { randomBytes } from 'node:crypto';

/** Random bytes drawn from the system at a time: one call per ~250 trace ids instead of one each. */
const POOL_BYTES = 4_096;
let pool = Buffer.alloc(0);
let used = 0;

/**
 * Random ids (trace and span ids), as lower-case hex. They come from the
 * system's CSPRNG like randomBytes' own, but are sliced from a pool: a
 * randomBytes call per id was a system call per command on the hot paths of
 * the dispatcher and of every agent. No other import, so the agent SDK can
 * use it without the services' dependencies.
 */
export function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    pool = randomBytes(Math.max(POOL_BYTES, bytes));
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}
