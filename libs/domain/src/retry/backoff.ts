/**
 * Retry delays. Pure: the random source is a parameter so tests can pin it.
 *
 * - exponential: base * 2^(attempt - 1)
 * - linear:      base * attempt
 * - constant:    base
 * The raw delay is capped at `maxMs`; with `jitter` the delay is drawn
 * uniformly from [0, capped] ("full jitter"), which spreads a burst of
 * failures instead of retrying them in lockstep.
 */
export const BACKOFF_KINDS = ['exponential', 'linear', 'constant'] as const;
export type BackoffKind = (typeof BACKOFF_KINDS)[number];

export interface BackoffPolicy {
  kind: BackoffKind;
  baseMs: number;
  maxMs: number;
  jitter: boolean;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  kind: 'exponential',
  baseMs: 1_000,
  maxMs: 60_000,
  jitter: true,
};

/** Returns a number in [0, 1). */
export type RandomSource = () => number;

/** Delay before the attempt that follows failed attempt number `attempt` (1-based). */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: RandomSource): number {
  const n = Number.isNaN(attempt) ? 1 : Math.max(1, Math.floor(attempt));
  let raw: number;
  switch (policy.kind) {
    case 'exponential':
      // The exponent is clamped so that 2^(n-1) stays finite (a zero base times Infinity is NaN).
      raw = policy.baseMs * 2 ** Math.min(n - 1, 1023);
      break;
    case 'linear':
      raw = policy.baseMs * n;
      break;
    case 'constant':
      raw = policy.baseMs;
      break;
  }
  // A zero base times an infinite attempt number is NaN: no delay.
  const capped = Math.min(Number.isNaN(raw) ? 0 : raw, policy.maxMs);
  return Math.round(policy.jitter ? random() * capped : capped);
}
