import { Inject, Injectable } from '@nestjs/common';
import { CommandPublisher, ControlMessage, EventPublisher, JetStreamService, StatusEvent } from '@switchyard/messaging';
import { deadLettersOfCommands, markDeadLettersPublished, PG_POOL } from '@switchyard/persistence';
import type { Pool } from 'pg';
import { Effect } from './runner/due-job';

/** Carries out the runner's after-commit effects over NATS. */
@Injectable()
export class EffectPublisher {
  constructor(
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(CommandPublisher) private readonly publisher: CommandPublisher,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async publish(effects: Effect[]): Promise<void> {
    const offers = effects.flatMap((e) => (e.kind === 'offer' ? [e.row] : []));
    const deadLettered = effects.flatMap((e) => (e.kind === 'dead-letter' ? [e.commandId] : []));
    const work: Promise<unknown>[] = [this.publisher.publishQueued(offers), this.publishDeadLetters(deadLettered)];
    for (const e of effects) {
      switch (e.kind) {
        case 'offer':
        case 'dead-letter':
          break;
        case 'lifecycle':
          work.push(this.publisher.publishLifecycle([e.row], { event: e.event, from: e.from, at: e.row.updated_at }));
          break;
        case 'cancel-on-agent': {
          const control: ControlMessage = { kind: 'cancel', commandId: e.commandId, attempt: e.attempt };
          this.jetstream.sendJson(this.jetstream.subjects.control(e.agentId), control);
          break;
        }
        case 'agent-offline': {
          const status: StatusEvent = {
            phase: 'offline',
            activity: 'liveness timeout',
            ...(e.sessionId ? { sessionId: e.sessionId } : {}),
            at: new Date().toISOString(),
          };
          work.push(this.jetstream.publishJson(this.jetstream.subjects.status(e.agentId), status));
          break;
        }
      }
    }
    await Promise.all(work);
  }

  /** Dead-letter events, stamped once JetStream acknowledged them; the rest wait for the dead-letter-relay job. */
  private async publishDeadLetters(commandIds: string[]): Promise<void> {
    if (commandIds.length === 0) return;
    const sent = await this.events.publishDeadLetters(await deadLettersOfCommands(this.pool, commandIds));
    await markDeadLettersPublished(this.pool, sent, new Date());
  }
}
