import type { PubAck } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import {
  DEAD_LETTER_HEADER,
  deadLetterEventId,
  deadLetterEventOf,
  DeadLetterSource,
  EVENT_CAUSE_HEADER,
} from './contracts/event';
import { JetStreamService } from './jetstream.service';

/**
 * Publishes domain events on `<ns>.events.<subject>` with JetStream, waiting
 * for the PubAck: the event is stored (and will reach the trigger consumer)
 * once the returned promise resolves.
 */
export class EventPublisher {
  constructor(private readonly jetstream: JetStreamService) {}

  publish(subject: string, data: unknown, options: { msgId: string; causeCommandId?: string | null }): Promise<PubAck> {
    const h = headers();
    if (options.causeCommandId) h.set(EVENT_CAUSE_HEADER, options.causeCommandId);
    return this.jetstream.js.publish(this.jetstream.subjects.event(subject), JSON.stringify(data ?? null), {
      msgID: options.msgId,
      headers: h,
    });
  }

  /**
   * Publishes the event of each dead letter, its id as message id and its
   * command as cause. Resolves with the ids JetStream acknowledged (the caller
   * stamps those `published_at`); the others are left to the relay job.
   */
  async publishDeadLetters(rows: readonly DeadLetterSource[]): Promise<string[]> {
    const settled = await Promise.allSettled(
      rows.map(async (row) => {
        const h = headers();
        h.set(EVENT_CAUSE_HEADER, row.command_id);
        h.set(DEAD_LETTER_HEADER, row.id);
        await this.jetstream.js.publish(
          this.jetstream.subjects.deadLetterEvent(row.type),
          JSON.stringify(deadLetterEventOf(row)),
          { msgID: deadLetterEventId(row.id), headers: h },
        );
        return row.id;
      }),
    );
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }
}
