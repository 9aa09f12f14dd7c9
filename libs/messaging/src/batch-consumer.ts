import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { Histogram, register } from 'prom-client';

function histogram(name: string, help: string, buckets: number[]): Histogram<'consumer'> {
  return (
    (register.getSingleMetric(name) as Histogram<'consumer'> | undefined) ??
    new Histogram({ name, help, labelNames: ['consumer'], buckets })
  );
}
const batchSize = histogram(
  'switchyard_consumer_batch_size',
  'Messages per handled batch',
  [1, 2, 5, 10, 25, 50, 100, 250, 500],
);
const batchSeconds = histogram(
  'switchyard_consumer_batch_seconds',
  'Time to handle one batch, acks included',
  [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
);

export interface BatchConsumerOptions {
  stream: string;
  durable: string;
  maxBatch: number;
  /** The consumer's ack wait: a held message is handed back well before it. */
  ackWaitMs: number;
  /**
   * Handles one batch. It owns the ack timing of every message: ack only after
   * the ledger commit, nak to retry later, term for input that can never succeed.
   * A throw naks the whole batch for redelivery.
   */
  handle(messages: JsMsg[]): Promise<void>;
  onError(err: unknown, batchSize: number): void;
}

/**
 * Pulls from a durable consumer and hands messages over in micro-batches. A
 * batch is cut when the previous one finishes: whatever arrived meanwhile (up
 * to maxBatch) goes together, so a lone message is handled at once and, under
 * load, batches grow until their fixed cost (a few statements and a commit) is
 * shared by many messages. One batch at a time per process; replicas pull in
 * parallel. The reader stops pulling when two batches' worth is waiting
 * (held messages included).
 *
 * A handler may hold messages back instead of nak'ing them (hold): they stay
 * unacked in this process and join a later batch when their delay is up, or
 * at once on release(). Unlike a nak's redelivery, that can be cut short when
 * whatever they wait for happens.
 */
export class BatchConsumer {
  private messages?: ConsumerMessages;
  private readonly buffer: JsMsg[] = [];
  private readonly held = new Map<JsMsg, NodeJS.Timeout>();
  private reader?: Promise<void>;
  private worker?: Promise<void>;
  private stopping = false;
  private readEnded = false;
  private wakeWorker?: () => void;
  private wakeReader?: () => void;

  constructor(
    private readonly js: JetStreamClient,
    private readonly options: BatchConsumerOptions,
  ) {}

  async start(): Promise<void> {
    const consumer = await this.js.consumers.get(this.options.stream, this.options.durable);
    this.messages = await consumer.consume({ max_messages: this.options.maxBatch * 2 });
    this.reader = this.read(this.messages);
    this.worker = this.work();
  }

  /**
   * Stops pulling and finishes the batch in hand (its acks included); messages
   * pulled but not started are handed back at once for another replica.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.messages?.close();
    await this.reader;
    this.wakeWorker?.();
    await this.worker;
    for (const [m, timer] of this.held) {
      clearTimeout(timer);
      m.nak();
    }
    this.held.clear();
    for (const m of this.buffer.splice(0)) m.nak();
  }

  /**
   * Sets messages aside, unacked, each for `ms(message)` (at most half the
   * ack wait, so JetStream does not hand it to another replica meanwhile),
   * then hands them to a later batch. At most one batch's worth is held;
   * returns the messages it did not take, for the caller to nak.
   */
  hold(messages: readonly JsMsg[], ms: (message: JsMsg) => number): JsMsg[] {
    const room = this.stopping ? 0 : Math.max(0, this.options.maxBatch - this.held.size);
    for (const m of messages.slice(0, room)) {
      // Restarts the ack wait: a message held again after a release is not redelivered behind our back.
      m.working();
      this.held.set(
        m,
        setTimeout(() => this.offerAgain([m]), Math.min(ms(m), this.options.ackWaitMs / 2)),
      );
    }
    return messages.slice(room);
  }

  /** Hands the `count` longest-held messages (all by default) to the next batch now. */
  release(count = Infinity): void {
    if (this.held.size === 0 || count <= 0) return;
    const oldest: JsMsg[] = [];
    for (const m of this.held.keys()) {
      if (oldest.length >= count) break;
      oldest.push(m);
    }
    this.offerAgain(oldest);
  }

  private offerAgain(messages: readonly JsMsg[]): void {
    for (const m of messages) {
      clearTimeout(this.held.get(m));
      this.held.delete(m);
    }
    // Ahead of what arrived since: they were delivered first.
    this.buffer.unshift(...messages);
    this.wakeWorker?.();
  }

  private async read(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      this.buffer.push(m);
      this.wakeWorker?.();
      if (this.buffer.length + this.held.size >= this.options.maxBatch * 2) {
        await new Promise<void>((resolve) => (this.wakeReader = resolve));
      }
    }
    this.readEnded = true;
    this.wakeWorker?.();
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      if (this.buffer.length === 0) {
        if (this.readEnded) return;
        await new Promise<void>((resolve) => (this.wakeWorker = resolve));
        this.wakeWorker = undefined;
        continue;
      }
      const batch = this.buffer.splice(0, this.options.maxBatch);
      this.wakeReader?.();
      this.wakeReader = undefined;
      await this.handle(batch);
    }
  }

  private async handle(batch: JsMsg[]): Promise<void> {
    const labels = { consumer: this.options.durable };
    batchSize.observe(labels, batch.length);
    const end = batchSeconds.startTimer(labels);
    try {
      await this.options.handle(batch);
    } catch (err) {
      this.options.onError(err, batch.length);
      for (const m of batch) m.nak(1_000);
    } finally {
      end();
    }
  }
}
