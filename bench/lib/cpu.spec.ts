import { describe, expect, it } from '@jest/globals';
import { CpuMeter, pidsOf, processCpuMs } from './cpu';

/** Burns `ms` of this process's own CPU time (not wall time: a busy machine may preempt it). */
function spin(ms: number): void {
  const start = process.cpuUsage();
  while (true) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}

describe('CPU accounting from /proc', () => {
  it('reads a process CPU time that grows while it works, and 0 for a process that is gone', () => {
    const before = processCpuMs(process.pid);
    spin(120);
    // /proc counts in 10 ms ticks.
    expect(processCpuMs(process.pid) - before).toBeGreaterThanOrEqual(110);
    expect(processCpuMs(2 ** 22 + 1)).toBe(0);
  });

  it('finds processes by the file name of their executable', () => {
    expect(pidsOf('node')).toContain(process.pid);
    expect(pidsOf('no-such-program')).toEqual([]);
  });

  it('charges each group the CPU it used in the window, per 1,000 commands finished in it', async () => {
    const meter = new CpuMeter(() => ({ me: [process.pid], nobody: [] }));
    meter.start(Promise.resolve(100));
    spin(150);
    const { perThousand: per1000, hostWait } = await meter.stop(100 + 500);
    // 150 ms over 500 commands is 300 ms per 1,000, give or take a 10 ms tick and the test's own work.
    expect(per1000.me).toBeGreaterThanOrEqual(280);
    expect(per1000.me).toBeLessThan(400);
    expect(per1000.nobody).toBe(0);
    expect(hostWait.ioWaitPct).toBeGreaterThanOrEqual(0);
    expect(hostWait.ioWaitPct).toBeLessThanOrEqual(100);
  });
});
