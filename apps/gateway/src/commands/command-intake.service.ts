import { Inject, Injectable, Logger } from '@nestjs/common';
import { type CommandDraft, limitDepth } from '@switchyard/domain';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { CommandPublisher } from '@switchyard/messaging';
import { counter, depthExceededCounter } from '@switchyard/observability';
import { CommandRow, findByIdempotencyKeys, findCommand, insertCommands, PG_POOL } from '@switchyard/persistence';
import type { Pool } from 'pg';

const depthExceeded = depthExceededCounter();
const submittedTotal = counter('switchyard_commands_submitted_total', 'Commands accepted by the gateway', ['replayed']);
const publishFailures = counter(
  'switchyard_publish_failures_total',
  'Publishes that failed after a commit (the relay job repairs them)',
  ['service'],
);

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
  async record(submitted: CommandDraft, now: Date): Promise<{ replayed: boolean; row: CommandRow }> {
    const draft = limitDepth(submitted, this.config.limits.maxCommandDepth);
    const [inserted] = await insertCommands(this.pool, [draft], now);
    if (!inserted) {
      const [existing] = draft.idempotencyKey
        ? await findByIdempotencyKeys(this.pool, [{ caller: draft.caller, idempotencyKey: draft.idempotencyKey }])
        : [await findCommand(this.pool, { kind: 'caller', caller: draft.caller }, draft.id)].filter(
            (r) => r !== undefined,
          );
      if (!existing) throw new Error(`command insert for ${draft.caller} matched nothing and conflicted with nothing`);
      submittedTotal.inc({ replayed: 'true' });
      return { replayed: true, row: existing };
    }
    submittedTotal.inc({ replayed: 'false' });
    if (inserted.state === 'cancelled') {
      depthExceeded.inc({ source: 'delegation' });
      this.logger.warn(
        { commandId: inserted.id, caller: inserted.caller, depth: inserted.depth, parentId: inserted.parent_id },
        'delegated command past the maximum depth: recorded cancelled, not run',
      );
    }
    await this.afterCommit(inserted);
    return { replayed: false, row: inserted };
  }

  /** Publishes after the commit; a failure here is repaired by the orchestrator's relay job. */
  private async afterCommit(row: CommandRow): Promise<void> {
    try {
      if (row.state === 'queued') await this.publisher.publishQueued([row]);
      await this.publisher.publishLifecycle([row], { event: 'submit', from: null, at: row.created_at });
    } catch (err) {
      publishFailures.inc({ service: 'gateway' });
      this.logger.warn({ commandId: row.id, err: String(err) }, 'publish after commit failed; relay will retry');
    }
  }
}
