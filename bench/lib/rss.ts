import { readFileSync } from 'node:fs';

/** Resident set size of a process in MB, from /proc; 0 when it is gone. */
export function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.replace(/\D+/g, '')) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples the RSS of named processes every 200 ms and keeps each one's peak. */
export class RssSampler {
  private readonly peak: Record<string, number> = {};
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly processes: () => { name: string; pid: number | undefined }[]) {
    this.timer = setInterval(() => this.sample(), 200);
  }

  private sample(): void {
    for (const p of this.processes()) this.peak[p.name] = Math.max(this.peak[p.name] ?? 0, rssMb(p.pid));
  }

  stop(): Record<string, number> {
    this.sample();
    clearInterval(this.timer);
    return Object.fromEntries(Object.entries(this.peak).map(([k, v]) => [k, Math.round(v)]));
  }
}
