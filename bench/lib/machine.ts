import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import type { Pool } from 'pg';
import type { MachineFacts } from './stats';

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1].trim();
  } catch {
    // not Linux: fall back to os.cpus()
  }
  return cpus()[0]?.model ?? 'unknown';
}

async function natsVersion(natsUrl: string): Promise<string> {
  // The server's INFO line names its version; the monitoring port may be off, so ask the client port.
  const { connect } = await import('@nats-io/transport-node');
  const nc = await connect({ servers: natsUrl });
  try {
    return nc.info?.version ?? 'unknown';
  } finally {
    await nc.close();
  }
}

export async function machineFacts(pool: Pool, natsUrl: string): Promise<MachineFacts> {
  const { rows } = await pool.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
  let cores: number;
  try {
    cores = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    cores = cpus().length;
  }
  return {
    cpuModel: cpuModel(),
    cores: cores,
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: rows[0].v,
    nats: await natsVersion(natsUrl),
    os: `${type()} ${release()}`,
    loadAvgAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    cpuProbeMs: [cpuProbeMs()],
  };
}

/**
 * A fixed single-core workload, timed in ms: the same work on every run, so a
 * different figure means a different machine speed (a shared host's cores
 * vary with what its neighbours do). Taken at the start and the end of a run.
 */
export function cpuProbeMs(): number {
  const started = performance.now();
  let x = 0;
  for (let i = 0; i < 300_000_000; i++) x += i % 7;
  if (x < 0) throw new Error('unreachable');
  return Math.round(performance.now() - started);
}

export function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty ? `${sha}+changes` : sha;
  } catch {
    return 'unknown';
  }
}
