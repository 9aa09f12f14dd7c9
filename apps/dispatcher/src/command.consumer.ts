import type { JsMsg } from '@nats-io/jetstream';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { draftCommand, jsonByteLength, TRACEPARENT_HEADER } from '@switchyard/domain';
import {
  type BatchConsumer,
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
import { RoomSignal } from './room-signal';

const rejected = natsRejected;

/** A submission refused as saturated, as the recorded row it now is (its target, from the message, as the hint). */
function asRow(s: Submission, commandId: string): Submission {
  const target = s.kind === 'ledger' ? s.target : { kind: s.draft.targetKind, name: s.draft.target };
  return { kind: 'ledger', commandId, ...(target ? { target } : {}) };
}

/**
 * Transport edge for submitted commands: parse each message, hand the batch to
 * the dispatch step, then ack (only after the ledger commit), hold back
 * (saturated: offered again as soon as a report batch frees room, or after
 * SATURATED_RETRY_MS), nak with a delay (an agent just came online, or more
 * saturated than one batch can hold), or term (malformed input that can never
 * succeed: logged and counted, never redelivered).
 */
@Injectable()
export class CommandConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(CommandConsumer.name);
  private worker?: BatchConsumer;
  /**
   * What a held message is by now: a recorded row, offered again as such. Rows are
   * routed ahead of new commands, so commands that waited for room get it
   * before those that arrived since; and they are not parsed or inserted twice.
   * `times`: how often it found no room, for its back-off.
   */
  private readonly heldRows = new WeakMap<JsMsg, { row: Submission; times: number }>();

  constructor(
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(DispatchService) private readonly dispatch: DispatchService,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
    @Inject(RoomSignal) private readonly room: RoomSignal,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const spec = {
      stream: 'commands' as const,
      durable: this.jetstream.consumers.dispatcherCommands,
      ackWaitMs: this.config.dispatcher.ackWaitMs,
      maxAckPending: 20_000,
    };
    this.worker = await this.jetstream.startWorker(spec, {
      maxBatch: this.config.dispatcher.batchSize,
      handle: (messages) => this.handle(messages),
      onError: (err, size) => this.logger.error({ err: String(err), size }, 'dispatch batch failed; redelivering'),
    });
    this.room.subscribe((slots) => this.worker?.release(slots));
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
    const saturated: JsMsg[] = [];
    accepted.forEach(({ message, submission }, i) => {
      const d = dispositions[i];
      if (d.kind === 'ack') message.ack();
      else if (d.reason === 'saturated') {
        saturated.push(message);
        const times = (this.heldRows.get(message)?.times ?? 0) + 1;
        this.heldRows.set(message, { row: asRow(submission, d.commandId), times });
      } else message.nak(50);
    });
    if (saturated.length === 0) return;
    const delay = (m: JsMsg) => this.saturatedDelay(m);
    for (const message of this.worker?.hold(saturated, delay) ?? saturated) message.nak(delay(message));
  }

  private terminate(message: JsMsg, reason: string, detail?: string): void {
    // The label is the bounded reason; the detail (sender-chosen text) goes to the log only.
    rejected.inc({ consumer: 'commands', reason });
    this.logger.warn({ subject: message.subject, seq: message.seq, reason, detail }, 'submit message terminated');
    // No reason argument: NATS 2.9 ignores `+TERM <reason>` and would redeliver forever.
    message.term();
  }

  private parse(message: JsMsg): Submission | { reject: string; detail?: string } {
    const held = this.heldRows.get(message);
    if (held) return held.row;
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

  /**
   * A saturated command backs off as it keeps finding no room (held, or
   * redelivered after a nak): base, 2× base, capped at 4× base. Room freed
   * by a report ends a hold sooner.
   */
  private saturatedDelay(message: JsMsg): number {
    const base = this.config.dispatcher.saturatedRetryMs;
    const times = message.info.deliveryCount - 1 + (this.heldRows.get(message)?.times ?? 1);
    return base * 2 ** Math.min(times - 1, 2);
  }
}
