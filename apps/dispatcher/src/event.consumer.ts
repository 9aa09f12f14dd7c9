import type { JsMsg } from '@nats-io/jetstream';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import {
  DEAD_LETTER_HEADER,
  decodeJsonMessage,
  EVENT_CAUSE_HEADER,
  JetStreamService,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  parseEventSubject,
} from '@switchyard/messaging';
import { natsRejected } from '@switchyard/observability';
import { IncomingEvent, TriggerService } from './trigger.service';

const rejected = natsRejected;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Transport edge for domain events: parse each message, fire the matching
 * triggers for the whole batch, then ack (only after the ledger insert
 * committed). A batch that throws is nak'ed and redelivered; the insert is
 * idempotent per (trigger, event id), so a redelivery creates nothing twice.
 * Malformed events are terminated, logged and counted.
 */
@Injectable()
export class EventConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(EventConsumer.name);

  constructor(
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(TriggerService) private readonly triggers: TriggerService,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const spec = {
      stream: 'events' as const,
      durable: this.jetstream.consumers.dispatcherEvents,
      ackWaitMs: this.config.dispatcher.ackWaitMs,
      maxAckPending: 20_000,
    };
    await this.jetstream.startWorker(spec, {
      maxBatch: this.config.dispatcher.batchSize,
      handle: (messages) => this.handle(messages),
      onError: (err, size) => this.logger.error({ err: String(err), size }, 'event batch failed; redelivering'),
    });
  }

  private async handle(messages: JsMsg[]): Promise<void> {
    const events: IncomingEvent[] = [];
    const ackAfter: JsMsg[] = [];
    for (const message of messages) {
      const parsed = this.parse(message);
      if ('reject' in parsed) {
        rejected.inc({ consumer: 'events', reason: parsed.reject });
        this.logger.warn({ subject: message.subject, seq: message.seq, reason: parsed.reject }, 'event terminated');
        // No reason argument: NATS 2.9 ignores `+TERM <reason>` and would redeliver forever.
        message.term();
        continue;
      }
      events.push(parsed);
      ackAfter.push(message);
    }
    await this.triggers.fire(events);
    for (const m of ackAfter) m.ack();
  }

  private parse(message: JsMsg): IncomingEvent | { reject: string } {
    const subject = parseEventSubject(this.jetstream.subjects, message.subject);
    if (!subject) return { reject: 'bad-subject' };
    let data: unknown = null;
    if (message.data.length > 0) {
      // Strict UTF-8, bounded depth, no lone surrogates: anything else would fail in Postgres and come back forever.
      const decoded = decodeJsonMessage(message.data);
      if (!decoded.ok) return { reject: decoded.reason };
      data = decoded.value;
    }
    // The event id becomes the idempotency key of every command it fires.
    const msgId = message.headers?.get('Nats-Msg-Id');
    if (msgId && msgId.length > MAX_IDEMPOTENCY_KEY_LENGTH) return { reject: 'bad-msg-id' };
    const cause = message.headers?.get(EVENT_CAUSE_HEADER) || null;
    if (cause !== null && !UUID.test(cause)) return { reject: 'bad-cause' };
    const deadLetter = message.headers?.get(DEAD_LETTER_HEADER) || null;
    if (deadLetter !== null && !UUID.test(deadLetter)) return { reject: 'bad-dead-letter' };
    return {
      id: this.eventId(message),
      subject,
      data,
      causeCommandId: cause?.toLowerCase() ?? null,
      deadLetterId: deadLetter?.toLowerCase() ?? null,
    };
  }

  /**
   * The event id: its Nats-Msg-Id, or else its place in the stream (sequence
   * and store time), the same on every redelivery.
   */
  private eventId(message: JsMsg): string {
    const msgId = message.headers?.get('Nats-Msg-Id');
    if (msgId) return msgId;
    return `stream:${this.jetstream.streams.events}:${message.seq}:${message.info.timestampNanos}`;
  }
}
