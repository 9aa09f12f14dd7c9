import type { HostWait } from './host-wait';

/** Percentiles and the shapes every benchmark run reports. */
export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** Linear-interpolated percentiles (as Postgres' percentile_cont) of a sample; zeros when empty. */
export function percentiles(sample: readonly number[]): Percentiles {
  if (sample.length === 0) return { p50: 0, p95: 0, p99: 0 };
  const sorted = Float64Array.from(sample).sort();
  const at = (q: number): number => {
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  };
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** Percentiles of `ms` over a query's rows, computed by Postgres. */
export const PERCENTILES_SQL = (expr: string, from: string): string =>
  `SELECT count(*)::int AS n,
          coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY ${expr}), 0) AS p50,
          coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY ${expr}), 0) AS p95,
          coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY ${expr}), 0) AS p99
   FROM ${from}`;

export function toPercentiles(row: { p50: unknown; p95: unknown; p99: unknown }): Percentiles {
  return { p50: Number(row.p50), p95: Number(row.p95), p99: Number(row.p99) };
}

export type Rate = number | 'max';

/** One run of one system at one offered load. */
export interface RunResult {
  /** switchyard-nats, switchyard-http, switchyard-http-sync, graphile-worker, pg-boss. */
  system: string;
  rate: Rate;
  /** Measured seconds of load, after `warmupSeconds` left out of the latency figures. */
  seconds: number;
  warmupSeconds: number;
  /** Switchyard dispatchers, or worker processes of a peer. */
  workers: number;
  /** Which of the `--repeat` runs of the same system, rate and workers this is (1-based). */
  repeat?: number;
  submitted: number;
  /** Submissions refused (non-2xx, or a publish that threw). */
  refused: number;
  completed: number;
  /** Commands (jobs) finished per second, first submit to last finish. */
  throughput: number;
  /** Submit (enqueue) → the agent (handler) started it, ms. */
  toStart: Percentiles;
  /** Submit (enqueue) → terminal state committed, ms. */
  toTerminal: Percentiles;
  /** Client-side round trip of the submit call itself, ms (HTTP sync: the whole answer). */
  roundTrip: Percentiles;
  /** Peak RSS per process, MB. */
  peakRssMb: Record<string, number>;
  /** Largest backlog (offered − done) seen during the run. */
  peakBacklog: number;
  /**
   * CPU ms per 1,000 commands finished after the warm-up, per process group (each service, NATS, Postgres, the
   * load generator, a peer's worker), from /proc.
   */
  cpuMsPer1000?: Record<string, number>;
  /** The CPU probe (cpuProbeMs) just before this run: how fast the cores were then. */
  cpuProbeMs?: number;
  /** How much of the measured window the machine spent waiting on its disk (CPU meter's window). */
  hostWait?: HostWait;
  /** Switchyard only: where submit → start goes, stage by stage from the ledger's timestamps, ms. */
  stages?: Record<string, Percentiles>;
  /** Switchyard only: messages each JetStream stream took in per finished command. */
  messagesPerCommand?: Record<string, number>;
}

export interface TickerJobCost {
  job: string;
  rows: number;
  passes: number;
  p50: number;
  p95: number;
  max: number;
  emptyMs: number;
}

export interface TickerResult {
  ledgerRows: number;
  duePerJob: number;
  batch: number;
  jobs: TickerJobCost[];
}

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memGb: number;
  node: string;
  postgres: string;
  nats: string;
  os: string;
  loadAvgAtStart: number[];
  /** The CPU probe (cpuProbeMs) at the start and at the end of the benchmark. */
  cpuProbeMs?: number[];
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  commit: string;
  command: string;
  quick: boolean;
  machine: MachineFacts;
  settings: Record<string, Record<string, string | number | boolean>>;
  runs: RunResult[];
  ticker?: TickerResult;
}

/**
 * The run that stands for a system at one rate and worker count when it was
 * repeated: the one with the median submit → start p99 (the lower middle of
 * an even count), so one slow minute of a shared host does not decide a goal.
 * Also the fastest and slowest p99 among the repeats.
 */
export function medianRun(
  runs: readonly RunResult[],
  system: string,
  rate: Rate,
  workers: number,
): { run: RunResult; of: number; p99Range: [number, number] } | undefined {
  const same = runs
    .filter((r) => r.system === system && r.rate === rate && r.workers === workers)
    .sort((a, b) => a.toStart.p99 - b.toStart.p99);
  if (same.length === 0) return undefined;
  return {
    run: same[Math.floor((same.length - 1) / 2)],
    of: same.length,
    p99Range: [same[0].toStart.p99, same[same.length - 1].toStart.p99],
  };
}
