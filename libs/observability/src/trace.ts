import { randomBytes } from 'node:crypto';
import { continueTrace, formatTraceparent, traceIdOf } from '@switchyard/domain';

/** Random bytes drawn from the system at a time: one call per ~250 trace ids instead of one each. */
const POOL_BYTES = 4_096;
let pool = Buffer.alloc(0);
let used = 0;

/**
 * Random ids for trace and span ids, as lower-case hex. They come from the
 * system's CSPRNG like randomBytes' own, but are sliced from a pool: a
 * randomBytes call per id was a system call per command on the dispatcher's
 * hot path.
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

/** The traceparent a hop that received `incoming` (a header, maybe absent or invalid) records and sends on. */
export function continueTraceparent(incoming: string | null | undefined): string {
  return formatTraceparent(continueTrace(incoming, randomHex));
}

/** Log fields for a traceparent: `{ traceId }`, or nothing for a missing or invalid value. */
export function traceFields(traceparent: string | null | undefined): { traceId?: string } {
  const traceId = traceIdOf(traceparent);
  return traceId ? { traceId } : {};
}
