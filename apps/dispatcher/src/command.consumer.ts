import type { JsMsg } from '@nats-io/jetstream';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { draftCommand, jsonByteLength, TRACEPARENT_HEADER } from '@switchyard/domain';
import {
  decodeJsonMessage,
  JetStreamService,
  LEDGER_ID_HEADER,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  NATS_CALLER,
  natsCommandRequestSchema,
  parseSubmitSubject,
  slugSchema,
} from '@switchyard/messaging';
import { continueTraceparent, natsRejected } from '@switchyard/observability';
import { v7 as uuidv7 } from 'uuid';
import { DispatchService, Submission } from './dispatch.service';

const rejected = natsRejected;

/**
 * Transport edge for submitted commands: parse each message, hand the batch to
 * the dispatch step, then ack (only after the ledger commit), nak with a
 * delay (saturated, or an agent just came online), or term (malformed input
 * that can never succeed: logged and counted, never redelivered).
 */
@Injectable()
export class CommandConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(CommandConsumer.name);

  constructor(
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(DispatchService) private readonly dispatch: DispatchService,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const spec = {
      stream: 'commands' as const,
      durable: this.jetstream.consumers.dispatcherCommands,
      ackWaitMs: this.config.dispatcher.ackWaitMs,
      maxAckPending: 20_000,
    };
    await this.jetstream.startWorker(spec, {
      maxBatch: this.config.dispatcher.batchSize,
      handle: (messages) => this.handle(messages),
      onError: (err, size) => this.logger.error({ err: String(err), size }, 'dispatch batch failed; redelivering'),
    });
  }

  private async handle(messages: JsMsg[]): Promise<void> {
    const parsed: { message: JsMsg; submission: Submission }[] = [];
    for (const message of messages) {
      const result = this.parse(message);
      if ('reject' in result) this.terminate(message, result.reject, result.detail);
      else parsed.push({ message, submission: result });
    }
    const adopted = await this.dispatch.adoptParents(parsed.map((p) => p.submission));
    const accepted: { message: JsMsg; submission: Submission }[] = [];
    adopted.forEach((submission, i) => {
      if (submission.kind === 'refuse') this.terminate(parsed[i].message, submission.reason, submission.detail);
      else accepted.push({ message: parsed[i].message, submission });
    });
    const { dispositions, send } = await this.dispatch.dispatch(accepted.map((a) => a.submission));
    // Deliveries and events first, then the acks, in one turn: NATS writes them to the socket together.
    send();
    accepted.forEach(({ message }, i) => {
      const d = dispositions[i];
      if (d.kind === 'ack') message.ack();
      else message.nak(d.reason === 'saturated' ? this.saturatedDelay(message) : 50);
    });
  }

  private terminate(message: JsMsg, reason: string, detail?: string): void {
    // The label is the bounded reason; the detail (sender-chosen text) goes to the log only.
    rejected.inc({ consumer: 'commands', reason });
    this.logger.warn({ subject: message.subject, seq: message.seq, reason, detail }, 'submit message terminated');
    // No reason argument: NATS 2.9 ignores `+TERM <reason>` and would redeliver forever.
    message.term();
  }

  private parse(message: JsMsg): Submission | { reject: string; detail?: string } {
    const ledgerId = message.headers?.get(LEDGER_ID_HEADER);
    const target = parseSubmitSubject(this.jetstream.subjects, message.subject);
    if (ledgerId) {
      if (!/^[0-9a-f-]{36}$/i.test(ledgerId)) return { reject: 'bad-ledger-id' };
      return { kind: 'ledger', commandId: ledgerId, ...(target ? { target } : {}) };
    }
    // Targets must be slugs, as over HTTP: a command for `Foo` could never be served.
    if (!target || !slugSchema.safeParse(target.name).success) return { reject: 'bad-subject' };
    const decoded = decodeJsonMessage(message.data);
    if (!decoded.ok) return { reject: decoded.reason };
    const request = natsCommandRequestSchema.safeParse(decoded.value);
    if (!request.success) {
      const detail = request.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ');
      return { reject: 'invalid-body', detail };
    }
    if (request.data.mode === 'sync') {
      return { reject: 'invalid-body', detail: 'mode "sync" is not accepted on submit subjects' };
    }
    if (jsonByteLength(request.data.payload) > this.config.limits.maxPayloadBytes)
      return { reject: 'payload-too-large' };
    const msgId = message.headers?.get('Nats-Msg-Id');
    // Nats-Msg-Id stands in for a missing idempotency key, so it is held to the same bound (as on call subjects).
    if (request.data.idempotencyKey === undefined && msgId && msgId.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      return { reject: 'bad-msg-id', detail: `Nats-Msg-Id is over ${MAX_IDEMPOTENCY_KEY_LENGTH} chars` };
    }
    const drafted = draftCommand(
      {
        ...request.data,
        idempotencyKey: request.data.idempotencyKey ?? this.fallbackKey(message),
        traceparent: continueTraceparent(message.headers?.get(TRACEPARENT_HEADER)),
      },
      { id: uuidv7(), target, caller: NATS_CALLER, defaults: this.config.commandDefaults, now: new Date() },
    );
    return drafted.ok
      ? { kind: 'new', draft: drafted.draft }
      : { reject: 'invalid-body', detail: `${drafted.field} ${drafted.message}` };
  }

  /**
   * The idempotency key of a NATS submission without one in its body: its
   * Nats-Msg-Id, or else the message's place in the stream (sequence and store
   * time), so that a redelivery after a crash never records the command twice.
   */
  private fallbackKey(message: JsMsg): string {
    const msgId = message.headers?.get('Nats-Msg-Id');
    if (msgId) return msgId;
    return `stream:${this.jetstream.streams.commands}:${message.seq}:${message.info.timestampNanos}`;
  }

  /** Backs off a little as a saturated command keeps coming back: base, 2× base, capped at 4× base. */
  private saturatedDelay(message: JsMsg): number {
    const base = this.config.dispatcher.saturatedRetryMs;
    return base * 2 ** Math.min(message.info.deliveryCount - 1, 2);
  }
}
