import { Inject, Injectable, Logger } from '@nestjs/common';
import { type CommandDraft, limitDepth } from '@switchyard/domain';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { CommandPublisher } from '@switchyard/messaging';
import { commandsDepthExceeded, commandsSubmitted, publishFailures, traceFields } from '@switchyard/observability';
import { CommandRow, findByIdempotencyKeys, findCommand, insertCommands, PG_POOL } from '@switchyard/persistence';
import type { Pool } from 'pg';
import { tickLoader } from '../batching/tick-loader';

const submitted = commandsSubmitted;
const depthExceeded = commandsDepthExceeded;

/** Drafts inserted by one statement at most (the dispatcher's batches are the same size). */
const MAX_INSERT_BATCH = 256;

/**
 * Records a drafted command: insert, commit, then publish. The same
 * idempotency key (or the same id) from the same caller returns the existing
 * command, marked as a replay, and publishes nothing.
 *
 * Concurrent requests share their insert: the drafts of every request that
 * reaches this point in one turn of the event loop go into one statement
 * (and one commit), as the dispatcher's consumer does for NATS submissions.
 * Their publishes then leave in one write too. Two drafts of one batch with
 * the same idempotency key insert once; the other finds it as a replay.
 */
@Injectable()
export class CommandIntake {
  private readonly logger = new Logger(CommandIntake.name);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CommandPublisher) private readonly publisher: CommandPublisher,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  private readonly inserts = tickLoader<CommandDraft, CommandRow | null>(
    (drafts) => this.insertBatch(drafts),
    MAX_INSERT_BATCH,
  );

  /**
   * One statement for the batch; its rows in the drafts' order (null: not
   * inserted, it conflicted). If the statement fails, each draft is tried on
   * its own, so one bad row cannot fail the others' requests.
   */
  private async insertBatch(drafts: readonly CommandDraft[]): Promise<(CommandRow | null | Error)[]> {
    const now = new Date();
    const inOrder = (rows: readonly CommandRow[], of: readonly CommandDraft[]) => {
      const byId = new Map(rows.map((r) => [r.id, r]));
      return of.map((d) => byId.get(d.id) ?? null);
    };
    try {
      return inOrder(await insertCommands(this.pool, drafts, now), drafts);
    } catch (err) {
      if (drafts.length === 1) throw err;
      return Promise.all(
        drafts.map((d) =>
          insertCommands(this.pool, [d], now).then(
            (rows) => inOrder(rows, [d])[0],
            (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
          ),
        ),
      );
    }
  }

  /**
   * A draft deeper than MAX_COMMAND_DEPTH (a delegation) is recorded
   * `cancelled` and never runs. The row's `created_at` is when its batch was
   * inserted (within a turn of the event loop of the request).
   */
  async record(proposed: CommandDraft): Promise<{ replayed: boolean; row: CommandRow }> {
    const draft = limitDepth(proposed, this.config.limits.maxCommandDepth);
    const inserted = await this.inserts.load(draft);
    if (!inserted) {
      const [existing] = draft.idempotencyKey
        ? await findByIdempotencyKeys(this.pool, [{ caller: draft.caller, idempotencyKey: draft.idempotencyKey }])
        : [await findCommand(this.pool, { kind: 'caller', caller: draft.caller }, draft.id)].filter(
            (r) => r !== undefined,
          );
      if (!existing) throw new Error(`command insert for ${draft.caller} matched nothing and conflicted with nothing`);
      submitted.inc({ replayed: 'true' });
      return { replayed: true, row: existing };
    }
    submitted.inc({ replayed: 'false' });
    if (inserted.state === 'cancelled') {
      depthExceeded.inc({ source: 'delegation' });
      this.logger.warn(
        { commandId: inserted.id, caller: inserted.caller, depth: inserted.depth, parentId: inserted.parent_id },
        'delegated command past the maximum depth: recorded cancelled, not run',
      );
    }
    this.logger.debug(
      { commandId: inserted.id, ...traceFields(inserted.traceparent), target: inserted.target, type: inserted.type },
      'command recorded',
    );
    await this.afterCommit(inserted);
    return { replayed: false, row: inserted };
  }

  /** Publishes after the commit; a failure here is repaired by the orchestrator's relay job. */
  private async afterCommit(row: CommandRow): Promise<void> {
    try {
      await this.publisher.publishSubmitted([row]);
    } catch (err) {
      publishFailures.inc();
      this.logger.warn(
        { commandId: row.id, ...traceFields(row.traceparent), err: String(err) },
        'publish after commit failed; relay will retry',
      );
    }
  }
}
