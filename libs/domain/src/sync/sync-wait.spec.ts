import { describe, expect, it } from '@jest/globals';
import { nextWaitMs, resolveSyncTimeout as sut, SYNC_IDLE_WINDOW_MS } from './sync-wait';

describe(sut.name, () => {
  const limits = { defaultMs: 30_000, maxMs: 300_000 };
  const cases = [
    { requested: undefined, limits, expected: { ok: true, timeoutMs: 30_000 } },
    { requested: 100, limits, expected: { ok: true, timeoutMs: 100 } },
    { requested: 300_000, limits, expected: { ok: true, timeoutMs: 300_000 } },
    { requested: 300_001, limits, expected: { ok: false, message: 'must be at most 300000' } },
    { requested: undefined, limits: { defaultMs: 60_000, maxMs: 10_000 }, expected: { ok: true, timeoutMs: 10_000 } },
  ];
  it.each(cases)('$requested within $limits.maxMs → $expected', ({ requested, limits: l, expected }) => {
    expect(sut(requested, l)).toEqual(expected);
  });
});

describe(nextWaitMs.name, () => {
  const cases = [
    { now: 0, deadline: 10_000, window: 1_000, expected: 1_000 },
    { now: 9_500, deadline: 10_000, window: 1_000, expected: 500 },
    { now: 10_000, deadline: 10_000, window: 1_000, expected: 0 },
    { now: 12_000, deadline: 10_000, window: 1_000, expected: 0 },
  ];
  it.each(cases)('now $now, deadline $deadline, window $window → $expected', ({ now, deadline, window, expected }) => {
    expect(nextWaitMs(now, deadline, window)).toBe(expected);
  });
  it('defaults to the idle window', () => {
    expect(nextWaitMs(0, 60_000)).toBe(SYNC_IDLE_WINDOW_MS);
  });
});
