import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** The machine's CPU time counters (all cores, in ticks) at one moment. */
export interface CpuTimes {
  /** performance.now() when they were read, ms. */
  at: number;
  total: number;
  /** Idle time with a disk request outstanding. */
  iowait: number;
  /** Time the hypervisor gave this machine's cores to someone else. */
  steal: number;
}

/** How much of a window the machine spent waiting rather than working. */
export interface HostWait {
  /** Share of all cores' time spent idle waiting on the disk, %. */
  ioWaitPct: number;
  /** Share of all cores' time the hypervisor took away, %. */
  stealPct: number;
  /**
   * The longest stretch in which most of the cores' time went to waiting on
   * the disk, ms: a commit's fsync held up, and every process waiting on it.
   */
  longestIoStallMs: number;
}

/** Reads the first line of /proc/stat: user nice system idle iowait irq softirq steal (guest time is in user). */
export function readCpuTimes(at = performance.now()): CpuTimes {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { at, total: fields.reduce((a, b) => a + b, 0), iowait: fields[4], steal: fields[7] };
}

/**
 * Sums up consecutive readings. An interval counts as stalled when at least
 * half of its CPU time was disk wait; adjacent stalled intervals make one
 * stall. All zeros with fewer than two readings.
 */
export function summarizeHostWait(samples: readonly CpuTimes[]): HostWait {
  let total = 0;
  let iowait = 0;
  let steal = 0;
  let stall = 0;
  let longest = 0;
  for (let i = 1; i < samples.length; i++) {
    const dTotal = samples[i].total - samples[i - 1].total;
    const dIowait = samples[i].iowait - samples[i - 1].iowait;
    total += dTotal;
    iowait += dIowait;
    steal += samples[i].steal - samples[i - 1].steal;
    stall = dTotal > 0 && dIowait * 2 >= dTotal ? stall + samples[i].at - samples[i - 1].at : 0;
    longest = Math.max(longest, stall);
  }
  const pct = (part: number) => (total > 0 ? Math.round((1000 * part) / total) / 10 : 0);
  return { ioWaitPct: pct(iowait), stealPct: pct(steal), longestIoStallMs: Math.round(longest) };
}

/** Reads the machine's counters every `everyMs` between start() and stop(). */
export class HostWaitMeter {
  private samples: CpuTimes[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly everyMs = 50) {}

  start(): void {
    this.samples = [readCpuTimes()];
    this.timer = setInterval(() => this.samples.push(readCpuTimes()), this.everyMs);
    this.timer.unref();
  }

  stop(): HostWait {
    clearInterval(this.timer);
    this.samples.push(readCpuTimes());
    return summarizeHostWait(this.samples);
  }
}
