import { describe, expect, it } from '@jest/globals';
import { BackoffKind, BackoffPolicy, DEFAULT_BACKOFF, backoffDelayMs as sut } from './backoff';

const pinned = (value: number) => () => value;
const never = () => {
  throw new Error('random must not be drawn without jitter');
};

function policy(kind: BackoffKind, overrides: Partial<BackoffPolicy> = {}): BackoffPolicy {
  return { kind, baseMs: 1_000, maxMs: 1_000_000, jitter: false, ...overrides };
}

describe(sut.name, () => {
  describe('without jitter, attempts 1..6 (base 1 s, no effective cap)', () => {
    const cases: { kind: BackoffKind; attempt: number; delayMs: number }[] = [
      { kind: 'exponential', attempt: 1, delayMs: 1_000 },
      { kind: 'exponential', attempt: 2, delayMs: 2_000 },
      { kind: 'exponential', attempt: 3, delayMs: 4_000 },
      { kind: 'exponential', attempt: 4, delayMs: 8_000 },
      { kind: 'exponential', attempt: 5, delayMs: 16_000 },
      { kind: 'exponential', attempt: 6, delayMs: 32_000 },
      { kind: 'linear', attempt: 1, delayMs: 1_000 },
      { kind: 'linear', attempt: 2, delayMs: 2_000 },
      { kind: 'linear', attempt: 3, delayMs: 3_000 },
      { kind: 'linear', attempt: 4, delayMs: 4_000 },
      { kind: 'linear', attempt: 5, delayMs: 5_000 },
      { kind: 'linear', attempt: 6, delayMs: 6_000 },
      { kind: 'constant', attempt: 1, delayMs: 1_000 },
      { kind: 'constant', attempt: 2, delayMs: 1_000 },
      { kind: 'constant', attempt: 3, delayMs: 1_000 },
      { kind: 'constant', attempt: 4, delayMs: 1_000 },
      { kind: 'constant', attempt: 5, delayMs: 1_000 },
      { kind: 'constant', attempt: 6, delayMs: 1_000 },
    ];

    it.each(cases)('$kind, attempt $attempt → $delayMs ms', ({ kind, attempt, delayMs }) => {
      expect(sut(policy(kind), attempt, never)).toBe(delayMs);
    });
  });

  describe('cap', () => {
    const cases: {
      kind: BackoffKind;
      baseMs: number;
      maxMs: number;
      attempt: number;
      delayMs: number;
    }[] = [
      {
        kind: 'exponential',
        baseMs: 1_000,
        maxMs: 10_000,
        attempt: 4,
        delayMs: 8_000,
      },
      {
        kind: 'exponential',
        baseMs: 1_000,
        maxMs: 10_000,
        attempt: 5,
        delayMs: 10_000,
      },
      {
        kind: 'exponential',
        baseMs: 1_000,
        maxMs: 8_000,
        attempt: 4,
        delayMs: 8_000,
      },
      {
        kind: 'linear',
        baseMs: 1_000,
        maxMs: 3_500,
        attempt: 3,
        delayMs: 3_000,
      },
      {
        kind: 'linear',
        baseMs: 1_000,
        maxMs: 3_500,
        attempt: 4,
        delayMs: 3_500,
      },
      {
        kind: 'constant',
        baseMs: 5_000,
        maxMs: 2_000,
        attempt: 1,
        delayMs: 2_000,
      },
      { kind: 'exponential', baseMs: 1_000, maxMs: 0, attempt: 3, delayMs: 0 },
    ];

    it.each(cases)(
      '$kind base $baseMs cap $maxMs, attempt $attempt → $delayMs ms',
      ({ kind, baseMs, maxMs, attempt, delayMs }) => {
        expect(sut(policy(kind, { baseMs, maxMs }), attempt, never)).toBe(delayMs);
      },
    );
  });

  describe('full jitter: the capped delay scaled by random()', () => {
    const cases: {
      kind: BackoffKind;
      attempt: number;
      random: number;
      delayMs: number;
    }[] = [
      { kind: 'exponential', attempt: 3, random: 0, delayMs: 0 },
      { kind: 'exponential', attempt: 3, random: 0.5, delayMs: 2_000 },
      { kind: 'exponential', attempt: 3, random: 0.999, delayMs: 3_996 },
      // Capped at 10 s before jitter is drawn.
      { kind: 'exponential', attempt: 10, random: 0, delayMs: 0 },
      { kind: 'exponential', attempt: 10, random: 0.5, delayMs: 5_000 },
      { kind: 'exponential', attempt: 10, random: 0.999, delayMs: 9_990 },
      { kind: 'linear', attempt: 5, random: 0, delayMs: 0 },
      { kind: 'linear', attempt: 5, random: 0.5, delayMs: 2_500 },
      { kind: 'linear', attempt: 5, random: 0.999, delayMs: 4_995 },
      { kind: 'constant', attempt: 2, random: 0, delayMs: 0 },
      { kind: 'constant', attempt: 2, random: 0.5, delayMs: 500 },
      { kind: 'constant', attempt: 2, random: 0.999, delayMs: 999 },
    ];

    it.each(cases)('$kind, attempt $attempt, random $random → $delayMs ms', ({ kind, attempt, random, delayMs }) => {
      expect(sut(policy(kind, { maxMs: 10_000, jitter: true }), attempt, pinned(random))).toBe(delayMs);
    });

    it('rounds to whole milliseconds', () => {
      expect(sut(policy('constant', { baseMs: 3, jitter: true }), 1, pinned(0.5))).toBe(2);
      expect(sut(policy('constant', { baseMs: 3, jitter: true }), 1, pinned(0.1))).toBe(0);
    });

    it('the default policy is exponential from 1 s, capped at 60 s, jittered', () => {
      expect(DEFAULT_BACKOFF).toEqual({
        kind: 'exponential',
        baseMs: 1_000,
        maxMs: 60_000,
        jitter: true,
      });
      expect(sut(DEFAULT_BACKOFF, 1, pinned(0.5))).toBe(500);
      expect(sut(DEFAULT_BACKOFF, 30, pinned(0.999))).toBe(59_940);
    });
  });

  describe('huge attempt numbers stay finite and capped', () => {
    const attempts = [100, 1_024, 1_025, 10_000, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Infinity];
    const cases = (['exponential', 'linear', 'constant'] as const).flatMap((kind) =>
      attempts.flatMap((attempt) => [
        {
          kind,
          attempt,
          jitter: false,
          delayMs: kind === 'constant' ? 1_000 : 60_000,
        },
        {
          kind,
          attempt,
          jitter: true,
          delayMs: kind === 'constant' ? 500 : 30_000,
        },
      ]),
    );

    it.each(cases)('$kind, attempt $attempt, jitter $jitter → $delayMs ms', ({ kind, attempt, jitter, delayMs }) => {
      const delay = sut(policy(kind, { maxMs: 60_000, jitter }), attempt, pinned(0.5));

      expect(Number.isFinite(delay)).toBe(true);
      expect(delay).toBe(delayMs);
    });
  });

  // 2^(n-1) would overflow to Infinity at n = 1025, and 0 × Infinity is NaN.
  it('exponential with a zero base stays 0 past the overflow (attempt 1025)', () => {
    expect(sut(policy('exponential', { baseMs: 0, maxMs: 60_000 }), 1_025, never)).toBe(0);
  });

  describe('attempt below 1 or fractional counts as a whole attempt ≥ 1', () => {
    const cases = [
      { attempt: 0, as: 1 },
      { attempt: -3, as: 1 },
      { attempt: 0.5, as: 1 },
      { attempt: 0.999, as: 1 },
      { attempt: 1.5, as: 1 },
      { attempt: -Infinity, as: 1 },
      { attempt: 2.9, as: 2 },
    ];
    const kinds: BackoffKind[] = ['exponential', 'linear', 'constant'];

    it.each(kinds.flatMap((kind) => cases.map((c) => ({ kind, ...c }))))(
      '$kind, attempt $attempt behaves as attempt $as',
      ({ kind, attempt, as }) => {
        expect(sut(policy(kind), attempt, never)).toBe(sut(policy(kind), as, never));
      },
    );
  });
});
