import { Inject, Injectable } from '@nestjs/common';
import { callerOf, Principal } from '@switchyard/auth';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { jsonByteLength } from '@switchyard/domain';
import { EventPublisher } from '@switchyard/messaging';
import { v7 as uuidv7 } from 'uuid';
import { ProblemException } from '../problem/problem';
import { PublishEvent } from './events.schemas';

/** Publishing domain events over HTTP; the dispatcher's event consumer fires the triggers. */
@Injectable()
export class EventsService {
  constructor(
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  /**
   * Stores the event in JetStream (waits for the PubAck). Its id is
   * `<caller>:<idempotencyKey>` when a key is given, a new UUIDv7 otherwise.
   */
  async publish(principal: Principal, body: PublishEvent) {
    const { maxPayloadBytes } = this.config.limits;
    if (jsonByteLength(body.data) > maxPayloadBytes) {
      throw new ProblemException(413, 'payload-too-large', `data exceeds ${maxPayloadBytes} bytes`, {
        errors: [{ field: 'data', message: `must be at most ${maxPayloadBytes} bytes of JSON` }],
      });
    }
    const id = body.idempotencyKey ? `${callerOf(principal)}:${body.idempotencyKey}` : uuidv7();
    const ack = await this.events.publish(body.subject, body.data ?? null, {
      msgId: id,
      causeCommandId: body.causeCommandId,
    });
    return { id, subject: body.subject, sequence: ack.seq, duplicate: ack.duplicate };
  }
}
