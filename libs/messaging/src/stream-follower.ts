import {
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
  type OrderedConsumerOptions,
} from '@nats-io/jetstream';

/**
 * Where a follower starts in a stream, for its one filter subject:
 * - `history`: every retained message, oldest first;
 * - `latest-per-subject`: the newest retained message of each subject the
 *   filter matches (the current value of each), then what comes next;
 * - `after`: the first message with a stream sequence above `sequence`
 *   (what a reconnecting reader asks for with the last sequence it saw).
 */
export type FollowFrom = { kind: 'history' } | { kind: 'latest-per-subject' } | { kind: 'after'; sequence: number };

export interface FollowedMessage {
  /** Stream sequence: unique and increasing within the stream, across subjects. */
  seq: number;
  subject: string;
  data: Uint8Array;
}

export interface FollowSpec {
  stream: string;
  /** One subject, wildcards allowed (NATS 2.9: one filter subject per consumer). */
  filter: string;
  from: FollowFrom;
}

export interface Follow {
  /** Stops delivery and deletes the consumer; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * How long the server keeps the consumer of a follower that vanished without
 * closing (a killed process). A live follower always has a pull pending, so
 * it is never idle that long.
 */
export const FOLLOW_INACTIVE_THRESHOLD_MS = 60_000;

/** The ordered consumer configuration for a follow (pure; the server fills the rest). */
export function orderedConsumerOptions(filter: string, from: FollowFrom): Partial<OrderedConsumerOptions> {
  const base = { filter_subjects: filter, inactive_threshold: FOLLOW_INACTIVE_THRESHOLD_MS };
  switch (from.kind) {
    case 'history':
      return { ...base, deliver_policy: DeliverPolicy.All };
    case 'latest-per-subject':
      return { ...base, deliver_policy: DeliverPolicy.LastPerSubject };
    case 'after':
      if (!Number.isSafeInteger(from.sequence) || from.sequence < 0) {
        throw new RangeError(`a stream sequence must be a non-negative integer, got ${from.sequence}`);
      }
      return { ...base, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from.sequence + 1 };
  }
}

/**
 * Replays a stream for one filter subject from a starting point, then follows
 * it live, through an ordered consumer: an ephemeral, in-memory, unacknowledged
 * consumer that the client re-creates from the last sequence it delivered when
 * it sees a gap or loses the server's heartbeats. So messages arrive once
 * each, in stream order, with no gap, for as long as the stream retains them.
 *
 * `onMessage` is called for each message; `onError` once if the follow ends
 * on its own (the stream was deleted, the connection closed). Nothing is
 * called after `close()`.
 */
export async function followStream(
  js: JetStreamClient,
  spec: FollowSpec,
  onMessage: (message: FollowedMessage) => void,
  onError: (err: Error) => void,
): Promise<Follow> {
  const consumer = await js.consumers.get(spec.stream, orderedConsumerOptions(spec.filter, spec.from));
  let closing: Promise<void> | undefined;
  let messages: ConsumerMessages;
  try {
    messages = await consumer.consume({
      callback: (m: JsMsg) => {
        if (!closing) onMessage({ seq: m.seq, subject: m.subject, data: m.data });
      },
    });
  } catch (err) {
    await consumer.delete().catch(() => undefined);
    throw err;
  }
  void messages.closed().then((err) => {
    if (!closing) onError(err instanceof Error ? err : new Error('stream follow ended'));
  });
  return {
    close() {
      closing ??= (async () => {
        // In callback mode close() settles at once; the delete is what frees the server.
        await messages.close();
        await consumer.delete().catch((err: unknown) => {
          if (!String(err).toLowerCase().includes('not found')) throw err;
        });
      })();
      return closing;
    },
  };
}
