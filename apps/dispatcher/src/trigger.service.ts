import { Inject, Injectable, Logger } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import {
  CommandDraft,
  draftTriggeredCommand,
  isDeadLetterSubject,
  jsonByteLength,
  matchingTriggers,
  TriggerEvent,
  TriggerSpec,
} from '@switchyard/domain';
import { CommandPublisher } from '@switchyard/messaging';
import { commandsDepthExceeded, triggerCommands, triggerFiresSkipped } from '@switchyard/observability';
import {
  CommandRow,
  commandDepths,
  existingDeadLetters,
  insertCommands,
  loadLiveTriggers,
  PG_POOL,
  TriggerRow,
} from '@switchyard/persistence';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';

const fired = triggerCommands;
const depthExceeded = commandsDepthExceeded;
const skipped = triggerFiresSkipped;

/** An event as it came off the stream, before the ledger tells its depth. */
export interface IncomingEvent {
  id: string;
  subject: string;
  data: unknown;
  causeCommandId: string | null;
  /** From the Switchyard-Dead-Letter header; trusted only for an existing dead letter on a deadletter subject. */
  deadLetterId: string | null;
}

function specOf(row: TriggerRow): TriggerSpec {
  return {
    id: row.id,
    subjectPattern: row.subject_pattern,
    target: { kind: row.target_kind, name: row.target },
    type: row.type,
    payloadTemplate: row.payload_template,
    options: row.options,
  };
}

/**
 * Turns a batch of events into commands: one per (matching trigger, event),
 * inserted in one statement. A (trigger, event) pair that already has its
 * command (a redelivery, a republish, another replica) conflicts on the
 * unique (caller `trigger:<id>`, idempotency key = event id) and inserts
 * nothing, so only the commands actually inserted are published, counted and
 * logged. A command deeper than MAX_COMMAND_DEPTH is inserted `cancelled`.
 */
@Injectable()
export class TriggerService {
  private readonly logger = new Logger(TriggerService.name);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CommandPublisher) private readonly publisher: CommandPublisher,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  async fire(incoming: readonly IncomingEvent[]): Promise<CommandRow[]> {
    if (incoming.length === 0) return [];
    const triggers = (await loadLiveTriggers(this.pool)).map(specOf);
    if (triggers.length === 0) return [];
    const now = new Date();
    const depths = await commandDepths(this.pool, unique(incoming.map((e) => e.causeCommandId)));
    const deadLetters = await existingDeadLetters(this.pool, unique(incoming.map((e) => e.deadLetterId)));

    const drafts: CommandDraft[] = [];
    for (const e of incoming) {
      const causeDepth = e.causeCommandId === null ? undefined : depths.get(e.causeCommandId);
      if (e.causeCommandId !== null && causeDepth === undefined) {
        this.logger.warn({ eventId: e.id, cause: e.causeCommandId }, 'event names an unknown cause command; depth 0');
      }
      const event: TriggerEvent = {
        id: e.id,
        subject: e.subject,
        data: e.data,
        depth: causeDepth ?? 0,
        causeCommandId: causeDepth === undefined ? null : e.causeCommandId,
        deadLetterId:
          e.deadLetterId && isDeadLetterSubject(e.subject) && deadLetters.has(e.deadLetterId) ? e.deadLetterId : null,
      };
      for (const trigger of matchingTriggers(triggers, event.subject)) {
        const drafted = draftTriggeredCommand(trigger, event, {
          id: uuidv7(),
          defaults: this.config.commandDefaults,
          now,
          maxDepth: this.config.limits.maxCommandDepth,
        });
        if (!drafted.ok) {
          skipped.inc({ reason: 'invalid' });
          this.logger.warn({ triggerId: trigger.id, eventId: e.id, field: drafted.field }, drafted.message);
          continue;
        }
        if (jsonByteLength(drafted.draft.payload) > this.config.limits.maxPayloadBytes) {
          skipped.inc({ reason: 'payload-too-large' });
          this.logger.warn({ triggerId: trigger.id, eventId: e.id }, 'templated payload over MAX_PAYLOAD_BYTES');
          continue;
        }
        drafts.push(drafted.draft);
      }
    }

    const inserted = await insertCommands(this.pool, drafts, now);
    for (const row of inserted) {
      fired.inc({ outcome: row.state === 'cancelled' ? 'depth-exceeded' : 'created' });
      if (row.state === 'cancelled') {
        depthExceeded.inc({ source: 'trigger' });
        this.logger.warn(
          { commandId: row.id, caller: row.caller, depth: row.depth, parentId: row.parent_id, type: row.type },
          'triggered command past the maximum depth: recorded cancelled, not run',
        );
      }
    }
    await this.afterCommit(inserted);
    return inserted;
  }

  /** A lost offer is republished by the orchestrator's relay (published_at is set on insert). */
  private async afterCommit(rows: CommandRow[]): Promise<void> {
    try {
      await this.publisher.publishSubmitted(rows);
    } catch (err) {
      this.logger.warn({ err: String(err), count: rows.length }, 'publish after commit failed; relay will retry');
    }
  }
}

function unique(values: readonly (string | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== null))];
}
