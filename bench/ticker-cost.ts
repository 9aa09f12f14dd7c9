/**
 * The ticker's cost on a big ledger, for the benchmark report: the ledger of
 * bench/ticker-explain.ts (N commands, mostly terminal, plus `due` due rows
 * per job), then `rounds` rounds of: re-arm `due` due rows per job, and time
 * every DueRunner pass (claim, apply, commit) of every job until its rows are
 * drained. Reports per-pass p50/p95/max per job, and a pass that finds nothing.
 */
import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { DueRunner } from '../apps/orchestrator/src/runner/due-runner';
import { DUE_KINDS, seedDueRows } from '../test/support/due-rows';
import { percentiles, TickerResult } from './lib/stats';
import { BATCH, fill, FRESHEN, JOB_OF, scratchDatabase, timePasses } from './ticker-explain';

const SCRATCH = 'sy_bench_ticker_cost';

/** Due rows again for every job: new commands, and the silent agents made silent again. */
async function rearm(pool: Pool, due: number): Promise<void> {
  for (const kind of DUE_KINDS) {
    if (kind === 'agent-liveness') {
      await pool.query(
        `UPDATE agents SET status = 'idle', last_heartbeat_at = now() - interval '1 hour'
         WHERE id LIKE 'silent-%'`,
      );
    } else {
      await seedDueRows(pool, kind, due);
    }
  }
  await pool.query(FRESHEN);
}

export async function measureTickerCost(opts: { rows: number; due: number; rounds: number }): Promise<TickerResult> {
  Logger.overrideLogger(['error', 'fatal']);
  const { url, drop } = await scratchDatabase(SCRATCH);
  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    process.stderr.write(`ticker: filling a ${opts.rows.toLocaleString('en')}-command ledger\n`);
    await fill(pool, opts.rows, opts.due);
    const runner = new DueRunner(pool, Object.values(JOB_OF), { tickIntervalMs: 1_000, batchSize: BATCH }, () =>
      Promise.resolve(),
    );
    const passes = new Map<string, { ms: number[]; rows: number; empty: number[] }>();
    for (let round = 0; round < opts.rounds; round += 1) {
      if (round > 0) await rearm(pool, opts.due);
      for (const kind of DUE_KINDS) {
        const timing = await timePasses(runner, JOB_OF[kind]);
        const acc = passes.get(timing.job) ?? { ms: [], rows: 0, empty: [] };
        acc.ms.push(...timing.passes.map((p) => p.ms));
        acc.rows += timing.passes.reduce((n, p) => n + p.claimed, 0);
        acc.empty.push(timing.emptyMs);
        passes.set(timing.job, acc);
      }
      process.stderr.write(`ticker: round ${round + 1}/${opts.rounds} timed\n`);
    }
    return {
      ledgerRows: opts.rows,
      duePerJob: opts.due,
      batch: BATCH,
      jobs: [...passes].map(([job, acc]) => {
        const p = percentiles(acc.ms);
        return {
          job,
          rows: acc.rows,
          passes: acc.ms.length,
          p50: p.p50,
          p95: p.p95,
          max: Math.max(0, ...acc.ms),
          emptyMs: percentiles(acc.empty).p50,
        };
      }),
    };
  } finally {
    await pool.end();
    await drop();
  }
}
