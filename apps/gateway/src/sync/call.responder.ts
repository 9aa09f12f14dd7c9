import type { Msg, Subscription } from '@nats-io/transport-node';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  decodeJsonMessage,
  JetStreamService,
  type JsonRejection,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  NATS_CALLER,
  natsCallRequestSchema,
  parseCallSubject,
  queueGroupsFor,
  slugSchema,
} from '@switchyard/messaging';
import { TRACEPARENT_HEADER } from '@switchyard/domain';
import { continueTraceparent, syncCallsRejected } from '@switchyard/observability';
import { fieldErrors } from '../problem/zod.pipe';
import { SyncAnswer, syncAnswer } from './sync-answer';
import { SyncService } from './sync.service';

const rejected = syncCallsRejected;

const CALL_BODY_PROBLEMS: Record<JsonRejection, string> = {
  'malformed-json': 'body is not UTF-8 JSON',
  'json-too-deep': 'body nests too deep',
  'lone-surrogate': 'body escapes a lone surrogate',
};

/**
 * Transport edge of the NATS sync form: a request on `<ns>.cmd.call.agent.<id>`
 * or `<ns>.cmd.call.pool.<name>` gets its outcome on the reply subject, with
 * the HTTP statuses (docs/sync.md). Every gateway replica joins one queue
 * group, so each call is answered by exactly one. Input that can never be a
 * command gets a 400 reply; nothing here throws past the callback.
 */
@Injectable()
export class CallResponder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CallResponder.name);
  private sub?: Subscription;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(SyncService) private readonly sync: SyncService,
  ) {}

  onApplicationBootstrap(): void {
    this.sub = this.jetstream.nc.subscribe(this.jetstream.subjects.callAll, {
      queue: queueGroupsFor(this.jetstream.namespace).gatewayCalls,
      callback: (err, msg) => {
        if (err) {
          this.logger.warn({ err: String(err) }, 'call subscription error');
          return;
        }
        const done = this.answer(msg).finally(() => this.inFlight.delete(done));
        this.inFlight.add(done);
      },
    });
  }

  /** Stop taking calls; the ones in hand answer (SyncService cuts their waits short) before NATS closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.sub?.unsubscribe();
    await Promise.allSettled([...this.inFlight]);
  }

  private async answer(msg: Msg): Promise<void> {
    if (!msg.reply) {
      rejected.inc({ reason: 'no-reply-subject' });
      this.logger.warn({ subject: msg.subject }, 'call without a reply subject dropped');
      return;
    }
    let reply: SyncAnswer;
    try {
      reply = await this.handle(msg);
    } catch (err) {
      this.logger.error({ subject: msg.subject, err: String(err) }, 'sync call failed');
      reply = { status: 500, error: { code: 'internal', message: 'internal error' } };
    }
    msg.respond(JSON.stringify(reply));
  }

  private async handle(msg: Msg): Promise<SyncAnswer> {
    const target = parseCallSubject(this.jetstream.subjects, msg.subject);
    if (!target || !slugSchema.safeParse(target.name).success) {
      return this.reject('bad-subject', `not a call subject: ${msg.subject}`);
    }
    const decoded = decodeJsonMessage(msg.data);
    if (!decoded.ok) return this.reject(decoded.reason, CALL_BODY_PROBLEMS[decoded.reason]);
    const parsed = natsCallRequestSchema.safeParse(decoded.value);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      return { ...this.reject('invalid-body', 'invalid request body'), errors };
    }
    const { timeoutMs, ...request } = parsed.data;
    // As on the submit subjects: the body's key, else the Nats-Msg-Id header; none means a new command each time.
    const idempotencyKey = request.idempotencyKey ?? (msg.headers?.get('Nats-Msg-Id') || undefined);
    if (idempotencyKey !== undefined && idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      return {
        ...this.reject('invalid-body', 'Nats-Msg-Id is too long to be an idempotency key'),
        errors: [{ field: 'Nats-Msg-Id', message: `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} chars` }],
      };
    }
    const result = await this.sync.call({
      caller: NATS_CALLER,
      target,
      request: {
        ...request,
        idempotencyKey,
        traceparent: continueTraceparent(msg.headers?.get(TRACEPARENT_HEADER)),
      },
      timeoutMs,
    });
    return syncAnswer(result);
  }

  private reject(reason: string, message: string): SyncAnswer {
    rejected.inc({ reason });
    return { status: 400, error: { code: reason, message } };
  }
}
