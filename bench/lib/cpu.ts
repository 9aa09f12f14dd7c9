import { readdirSync, readFileSync } from 'node:fs';
import { type HostWait, HostWaitMeter } from './host-wait';

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ, the same on every architecture Node runs on). */
const MS_PER_TICK = 10;

/** User + system CPU time a process has used so far, ms; 0 when it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return 0;
  }
}

/**
 * Every process running `program` (the file name of its executable). Postgres
 * renames its backends `postgres: 15/main: …`, which counts as `postgres` too.
 */
export function pidsOf(program: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const first = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0')[0].split(' ')[0];
      const name = first.slice(first.lastIndexOf('/') + 1);
      if (name === program || name === `${program}:`) pids.push(Number(entry));
    } catch {
      // gone since the listing
    }
  }
  return pids;
}

/** Named groups of processes whose CPU a run accounts for, e.g. `{ 'dispatcher-1': [pid], postgres: [...] }`. */
export type ProcessGroups = () => Record<string, number[]>;

/** The processes every run shares: the Postgres server (all its processes), and this load generator. */
export const sharedGroups = (): Record<string, number[]> => ({
  postgres: pidsOf('postgres'),
  'load generator': [process.pid],
});

/**
 * CPU used by groups of processes over a window, per 1,000 commands finished
 * in it: a cost figure that moves far less with how busy the machine was than
 * latency does, though it scales with how fast its cores were (see the run's
 * CPU probe).
 * Processes are listed again at the end, so a backend that connected within
 * the window counts from zero; one that exited within it is not counted.
 * The same window's disk wait is metered too: a stalled fsync shows up in
 * latency, never in CPU.
 */
export class CpuMeter {
  private before = new Map<number, number>();
  private finishedBefore: Promise<number> = Promise.resolve(0);
  private readonly host = new HostWaitMeter();

  constructor(private readonly groups: ProcessGroups) {}

  /** Opens the window; `finished` counts what had finished by now (it may still be on its way). */
  start(finished: Promise<number>): void {
    this.finishedBefore = finished.catch(() => 0);
    this.host.start();
    this.before = new Map(
      Object.values(this.groups())
        .flat()
        .map((pid) => [pid, processCpuMs(pid)]),
    );
  }

  /**
   * CPU ms of each group since `start`, per 1,000 commands finished since then (`finished` counts them all),
   * and how much of the window the machine spent waiting on its disk.
   */
  async stop(finished: number): Promise<{ perThousand: Record<string, number>; hostWait: HostWait }> {
    const hostWait = this.host.stop();
    const used = Object.entries(this.groups()).map(
      ([name, pids]) =>
        [name, pids.reduce((sum, pid) => sum + processCpuMs(pid) - (this.before.get(pid) ?? 0), 0)] as const,
    );
    const commands = Math.max(1, finished - (await this.finishedBefore));
    return {
      perThousand: Object.fromEntries(used.map(([name, ms]) => [name, Math.round((ms * 1000) / commands)])),
      hostWait,
    };
  }
}
