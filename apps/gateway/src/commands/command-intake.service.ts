import { Inject, Injectable, Logger } from '@nestjs/common';
import { type CommandDraft, limitDepth } from '@switchyard/domain';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { CommandPublisher } from '@switchyard/messaging';
import { commandsDepthExceeded, commandsSubmitted, publishFailures, traceFields } from '@switchyard/observability';
import { CommandRow, findByIdempotencyKeys, findCommand, insertCommands, PG_POOL } from '@switchyard/persistence';
import type { Pool } from 'pg';

const submitted = commandsSubmitted;
const depthExceeded = commandsDepthExceeded;

/**
 * Records a drafted command: insert, commit, then publish. The same
 * idempotency key (or the same id) from the same caller returns the existing
 * command, marked as a replay, and publishes nothing.
 */
@Injectable()
export class CommandIntake {
  private readonly logger = new Logger(CommandIntake.name);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CommandPublisher) private readonly publisher: CommandPublisher,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  /** A draft deeper than MAX_COMMAND_DEPTH (a delegation) is recorded `cancelled` and never runs. */
  async record(proposed: CommandDraft, now: Date): Promise<{ replayed: boolean; row: CommandRow }> {
    const draft = limitDepth(proposed, this.config.limits.maxCommandDepth);
    const [inserted] = await insertCommands(this.pool, [draft], now);
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
      if (row.state === 'queued') await this.publisher.publishQueued([row]);
      await this.publisher.publishLifecycle([row], { event: 'submit', from: null, at: row.created_at });
    } catch (err) {
      publishFailures.inc();
      this.logger.warn(
        { commandId: row.id, ...traceFields(row.traceparent), err: String(err) },
        'publish after commit failed; relay will retry',
      );
    }
  }
}
