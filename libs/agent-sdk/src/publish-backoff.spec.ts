import { describe, expect, it } from '@jest/globals';
import { publishBackoffMs } from './publish-backoff';

describe(publishBackoffMs.name, () => {
  const backoff = { baseMs: 100, capMs: 5_000 };
  const cases: { failures: number; random: number; expected: number }[] = [
    { failures: 1, random: 0, expected: 50 },
    { failures: 1, random: 0.5, expected: 75 },
    { failures: 1, random: 1, expected: 100 },
    { failures: 2, random: 0, expected: 100 },
    { failures: 3, random: 1, expected: 400 },
    { failures: 6, random: 1, expected: 3_200 },
    { failures: 7, random: 1, expected: 5_000 },
    { failures: 7, random: 0, expected: 2_500 },
    { failures: 10_000, random: 1, expected: 5_000 },
    // Out-of-range inputs are clamped, never negative or beyond the cap.
    { failures: 0, random: 0, expected: 50 },
    { failures: 1, random: -3, expected: 50 },
    { failures: 1, random: 7, expected: 100 },
  ];

  it.each(cases)('failures=$failures random=$random → $expected ms', ({ failures, random, expected }) => {
    expect(publishBackoffMs(failures, random, backoff)).toBe(expected);
  });
});
