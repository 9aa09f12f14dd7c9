import { BeforeApplicationShutdown, Inject, Injectable, Logger, type MessageEvent } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import {
  type FollowedMessage,
  type FollowFrom,
  followStream,
  JetStreamService,
  type StreamKey,
} from '@switchyard/messaging';
import { sseStreamsOpened } from '@switchyard/observability';
import { Observable } from 'rxjs';
import { ProblemException } from '../problem/problem';
import { resumePoint } from './resume-point';
import { KEEP_ALIVE } from './sse-events';

const opened = sseStreamsOpened;

export interface EventStreamSpec {
  stream: StreamKey;
  /** One subject, wildcards allowed. */
  filter: string;
  /** Where a client without a resume point starts. */
  fresh: Extract<FollowFrom, { kind: 'history' | 'latest-per-subject' }>;
  /** The raw `Last-Event-ID` header and `lastEventId` query parameter. */
  lastEventId: { header: unknown; query: unknown };
  /** The SSE event for a message; undefined skips it. */
  toEvent: (message: FollowedMessage) => MessageEvent | undefined;
}

/**
 * Server-sent event streams over JetStream: replay (everything after the
 * client's Last-Event-ID, or the `fresh` starting point), then live follow,
 * with a keep-alive comment every SSE_KEEPALIVE_MS. Each open stream holds one
 * ordered consumer, deleted when the client goes away.
 */
@Injectable()
export class EventStreamService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventStreamService.name);
  /** Open streams: each ends its stream and resolves once its consumer is deleted. */
  private readonly live = new Set<() => Promise<void>>();

  constructor(
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  /**
   * Validates the resume point (400 before any header is sent), then returns
   * the event stream. The consumer is created when Nest subscribes, so a
   * client that leaves during the checks leaves nothing behind.
   */
  async open(spec: EventStreamSpec): Promise<Observable<MessageEvent>> {
    const from = await this.startingPoint(spec);
    opened.inc({ stream: spec.stream });
    return new Observable<MessageEvent>((subscriber) => {
      const keepAlive = setInterval(() => subscriber.next(KEEP_ALIVE), this.config.sseKeepAliveMs);
      const following = followStream(
        this.jetstream.js,
        { stream: this.jetstream.streams[spec.stream], filter: spec.filter, from },
        (message) => {
          const event = spec.toEvent(message);
          if (event) subscriber.next(event);
        },
        (err) => subscriber.error(err),
      ).catch((err: unknown) => {
        subscriber.error(err);
        return undefined;
      });
      let stopped: Promise<void> | undefined;
      const end = () => {
        subscriber.complete();
        return stopped ?? Promise.resolve();
      };
      this.live.add(end);
      // Runs when the client goes away, on completion and on error alike.
      return () => {
        clearInterval(keepAlive);
        this.live.delete(end);
        stopped ??= following.then((follow) =>
          follow
            ?.close()
            .catch((err: unknown) => this.logger.warn({ err: String(err) }, 'deleting a stream consumer failed')),
        );
      };
    });
  }

  /**
   * Ends every open stream before the HTTP server closes (an open stream would
   * hold the shutdown until its client leaves) and while NATS is still
   * connected, so each consumer is deleted. EventSource clients reconnect,
   * with their last id, to another replica.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.live].map((end) => end()));
  }

  private async startingPoint(spec: EventStreamSpec): Promise<FollowFrom> {
    const resume = resumePoint(spec.lastEventId.header, spec.lastEventId.query);
    if (!resume.ok) {
      throw new ProblemException(400, 'invalid-last-event-id', `${resume.error.field} ${resume.error.message}`, {
        errors: [resume.error],
      });
    }
    if (resume.after === undefined) return spec.fresh;
    // An id past the end of the stream is not one this stream gave out (a
    // stream recreated, another namespace): following from it would skip
    // every message up to it, so it is refused instead.
    const info = await this.jetstream.jsm.streams.info(this.jetstream.streams[spec.stream]);
    if (resume.after > info.state.last_seq) {
      throw new ProblemException(
        400,
        'invalid-last-event-id',
        `${resume.field} ${resume.after} is past the end of the stream (last event ${info.state.last_seq}); reconnect without it`,
        { errors: [{ field: resume.field, message: `must be at most ${info.state.last_seq}` }] },
      );
    }
    return { kind: 'after', sequence: resume.after };
  }
}
