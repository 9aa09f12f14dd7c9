import { Inject, Injectable } from '@nestjs/common';
import {
  announcementMsgId,
  CommandPublisher,
  ControlMessage,
  DebateAnnouncement,
  EventPublisher,
  JetStreamService,
  StatusEvent,
} from '@switchyard/messaging';
import { deadLettersOfCommands, markDeadLettersPublished, PG_POOL, type TopicRow } from '@switchyard/persistence';
import type { Pool } from 'pg';
import { DebateWebhook } from './debate-webhook';
import { Effect } from './runner/due-job';

/** Carries out the runner's after-commit effects over NATS. */
@Injectable()
export class EffectPublisher {
  constructor(
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(CommandPublisher) private readonly publisher: CommandPublisher,
    @Inject(DebateWebhook) private readonly webhook: DebateWebhook,
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
        case 'debate-announced': {
          const announcement = announcementOf(e.topic, e.at);
          this.jetstream.sendJson(
            this.jetstream.subjects.debateAnnounced,
            announcement,
            announcementMsgId(announcement.topicId),
          );
          // Not awaited: the webhook is best effort and must not hold up the ticker.
          this.webhook.notify(announcement);
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

function announcementOf(topic: TopicRow, at: Date): DebateAnnouncement {
  return {
    event: 'debate.announced',
    topicId: topic.id,
    title: topic.title,
    summary: topic.summary,
    visibility: topic.visibility,
    signupOpenAt: topic.signup_open_at.toISOString(),
    signupCloseAt: topic.signup_close_at.toISOString(),
    debateStartAt: topic.debate_start_at.toISOString(),
    debateEndAt: topic.debate_end_at.toISOString(),
    at: at.toISOString(),
  };
}
