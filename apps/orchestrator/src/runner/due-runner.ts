import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import {
  tickerPassSeconds as passSeconds,
  tickerRowsApplied as appliedRows,
  tickerRowsClaimed as claimedRows,
  tickerRowsFailed as failedRows,
} from '@switchyard/observability';
import { inSavepoint, inTransaction } from '@switchyard/persistence';
import type { Pool } from 'pg';
import { DueJob, Effect } from './due-job';

/** Carries out effects after a commit (publishes). */
export type EffectSink = (effects: Effect[]) => Promise<void>;

export interface RunnerOptions {
  tickIntervalMs: number;
  batchSize: number;
}

export interface PassResult {
  job: string;
  claimed: number;
  applied: number;
  failed: number;
}

/**
 * Runs every job on a tick: first at start, then every `tickIntervalMs`; a
 * job whose batch came back full runs again at once. Each pass is one
 * transaction: claim (SKIP LOCKED, so replicas never share a row), apply each
 * row in its own savepoint (a failing row is logged with its id and rolled
 * back alone), commit, then run the after-commit publishes.
 *
 * Emits `pass` (PassResult) after each pass and `tick` after each tick, for
 * tests to await instead of sleeping.
 */
export class DueRunner extends EventEmitter {
  private readonly logger = new Logger(DueRunner.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly pool: Pool,
    private readonly jobs: readonly DueJob<unknown>[],
    private readonly options: RunnerOptions,
    private readonly sink: EffectSink,
  ) {
    super();
    const names = jobs.map((j) => j.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new Error(`ticker job "${twice}" is registered twice`);
    if (jobs.length === 0) throw new Error('ticker has no jobs');
    if (!(options.tickIntervalMs >= 10))
      throw new Error(`tick interval must be at least 10 ms, got ${options.tickIntervalMs}`);
    if (!(options.batchSize >= 1)) throw new Error(`batch size must be at least 1, got ${options.batchSize}`);
  }

  start(): void {
    this.schedule(0);
  }

  /** Finishes the pass in hand, then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One tick: every job until its batch comes back short. */
  async tick(): Promise<void> {
    for (const job of this.jobs) {
      let result: PassResult;
      do {
        if (this.stopping) return;
        result = await this.pass(job);
      } while (result.claimed === this.options.batchSize);
    }
    this.emit('tick');
  }

  async pass<Row>(job: DueJob<Row>): Promise<PassResult> {
    const end = passSeconds.startTimer({ job: job.name });
    const now = new Date();
    let applied = 0;
    let failed = 0;
    const { claimed, effects } = await inTransaction(this.pool, async (tx) => {
      const rows = await job.claim(tx, now, this.options.batchSize);
      const effects: Effect[] = [];
      for (const row of rows) {
        try {
          effects.push(...(await inSavepoint(tx, () => job.apply(tx, row, now))));
          applied += 1;
        } catch (err) {
          failed += 1;
          this.logger.error({ job: job.name, id: job.idOf(row), err: String(err) }, 'ticker row failed');
        }
      }
      return { claimed: rows.length, effects };
    });
    await this.sink(effects).catch((err: unknown) =>
      this.logger.warn(
        { job: job.name, err: String(err) },
        'after-commit publish failed; the ledger is right, a later pass repairs',
      ),
    );
    claimedRows.inc({ job: job.name }, claimed);
    appliedRows.inc({ job: job.name }, applied);
    failedRows.inc({ job: job.name }, failed);
    end();
    const result = { job: job.name, claimed, applied, failed };
    this.emit('pass', result);
    return result;
  }

  private schedule(delay: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: unknown) => this.logger.error({ err: String(err) }, 'tick failed'))
        .finally(() => this.schedule(this.options.tickIntervalMs));
    }, delay);
  }
}
