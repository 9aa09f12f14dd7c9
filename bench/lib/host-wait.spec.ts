import { describe, expect, it } from '@jest/globals';
import { type CpuTimes, HostWaitMeter, readCpuTimes, summarizeHostWait } from './host-wait';

/** Readings 50 ms apart from per-interval (total, iowait, steal) tick counts. */
function readings(intervals: [number, number, number][]): CpuTimes[] {
  const out: CpuTimes[] = [{ at: 0, total: 1_000, iowait: 10, steal: 5 }];
  for (const [total, iowait, steal] of intervals) {
    const last = out[out.length - 1];
    out.push({ at: last.at + 50, total: last.total + total, iowait: last.iowait + iowait, steal: last.steal + steal });
  }
  return out;
}

describe('summarizeHostWait', () => {
  it.each([
    { name: 'no readings', intervals: null, want: { ioWaitPct: 0, stealPct: 0, longestIoStallMs: 0 } },
    {
      name: 'busy, no waiting',
      intervals: [
        [10, 0, 0],
        [10, 0, 0],
      ],
      want: { ioWaitPct: 0, stealPct: 0, longestIoStallMs: 0 },
    },
    {
      name: 'some disk wait, never most of an interval',
      intervals: [
        [10, 4, 0],
        [10, 0, 1],
        [10, 2, 0],
      ],
      want: { ioWaitPct: 20, stealPct: 3.3, longestIoStallMs: 0 },
    },
    {
      name: 'one stall of three intervals',
      intervals: [
        [10, 0, 0],
        [10, 9, 0],
        [10, 5, 0],
        [10, 8, 0],
        [10, 0, 0],
      ],
      want: { ioWaitPct: 44, stealPct: 0, longestIoStallMs: 150 },
    },
    {
      name: 'the longer of two stalls',
      intervals: [
        [10, 9, 0],
        [10, 1, 0],
        [10, 9, 0],
        [10, 9, 0],
        [10, 1, 0],
      ],
      want: { ioWaitPct: 58, stealPct: 0, longestIoStallMs: 100 },
    },
    {
      name: 'an interval with no ticks ends a stall',
      intervals: [
        [10, 9, 0],
        [0, 0, 0],
        [10, 9, 0],
      ],
      want: { ioWaitPct: 90, stealPct: 0, longestIoStallMs: 50 },
    },
  ] as { name: string; intervals: [number, number, number][] | null; want: object }[])(
    '$name',
    ({ intervals, want }) => {
      expect(summarizeHostWait(intervals ? readings(intervals) : [])).toEqual(want);
    },
  );
});

describe('reading /proc/stat', () => {
  it('reads counters that only grow', () => {
    const a = readCpuTimes();
    const spinUntil = Date.now() + 30;
    while (Date.now() < spinUntil);
    const b = readCpuTimes();
    expect(b.at).toBeGreaterThan(a.at);
    expect(b.total).toBeGreaterThan(a.total);
    expect(b.iowait).toBeGreaterThanOrEqual(a.iowait);
    expect(b.steal).toBeGreaterThanOrEqual(a.steal);
  });

  it('meters a window with the shares in range', async () => {
    const meter = new HostWaitMeter(10);
    meter.start();
    await new Promise((resolve) => setTimeout(resolve, 60));
    const wait = meter.stop();
    expect(wait.ioWaitPct).toBeGreaterThanOrEqual(0);
    expect(wait.ioWaitPct).toBeLessThanOrEqual(100);
    expect(wait.stealPct).toBeGreaterThanOrEqual(0);
    expect(wait.longestIoStallMs).toBeLessThanOrEqual(100);
  });
});
