export interface PublishBackoff {
  /** Delay after the first failure. */
  baseMs: number;
  /** Longest delay; reached after a few failures and held during a long outage. */
  capMs: number;
}

/**
 * 100 ms doubles to 5 s: a blip costs a fraction of a second, and an outage
 * of minutes costs the server one publish attempt per agent message every
 * few seconds, not a storm.
 */
export const DEFAULT_PUBLISH_BACKOFF: PublishBackoff = { baseMs: 100, capMs: 5_000 };

/**
 * Delay before retrying a publish after `failures` consecutive failures
 * (1 = first failure). Exponential, capped, with "equal jitter": half the step
 * is fixed and half is random (`random` in [0, 1)), so agents that lost the
 * server together do not come back in lockstep, and no delay is zero.
 */
export function publishBackoffMs(
  failures: number,
  random: number,
  backoff: PublishBackoff = DEFAULT_PUBLISH_BACKOFF,
): number {
  const exponent = Math.max(0, Math.floor(failures) - 1);
  // 2 ** exponent overflows to Infinity long after the cap applies; min() handles it.
  const step = Math.min(backoff.capMs, backoff.baseMs * 2 ** exponent);
  const jitter = Math.min(Math.max(random, 0), 1);
  return Math.round(step / 2 + (step / 2) * jitter);
}
