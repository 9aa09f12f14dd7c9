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
  /**
   * Handles one batch. It owns the ack timing of every message: ack only after
   * the ledger commit, nak to retry later, term for input that can never succeed.
   * A throw naks the whole batch for redelivery.
   */
  handle(messages: JsMsg[]): Promise<void>;
  onError(err: unknown, batchSize: number): void;
}

/**
 * Pulls from a durable consumer and hands messages over in micro-batches:
 * whatever has arrived when the previous batch finishes (up to maxBatch) forms
 * the next one, so a lone message is handled at once and a burst is handled in
 * bulk. One batch at a time per process; other replicas pull in parallel.
 */
export class BatchConsumer {
  private messages?: ConsumerMessages;
  private buffer: JsMsg[] = [];
  private chain: Promise<void> = Promise.resolve();
  private scheduled = false;
  private loop?: Promise<void>;

  constructor(
    private readonly js: JetStreamClient,
    private readonly options: BatchConsumerOptions,
  ) {}

  async start(): Promise<void> {
    const consumer = await this.js.consumers.get(this.options.stream, this.options.durable);
    this.messages = await consumer.consume({ max_messages: this.options.maxBatch * 2 });
    this.loop = this.run(this.messages);
  }

  /** Stops pulling, then waits for the batch in hand to finish (its acks included). */
  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
    this.flush();
    await this.chain;
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      this.buffer.push(m);
      if (this.buffer.length >= this.options.maxBatch) {
        this.flush();
        await this.chain;
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.buffer.length === 0) return;
    const batch = this.buffer.splice(0, this.options.maxBatch);
    this.chain = this.chain.then(async () => {
      const labels = { consumer: this.options.durable };
      batchSize.observe(labels, batch.length);
      const end = batchSeconds.startTimer(labels);
      try {
        await this.options.handle(batch);
        end();
      } catch (err) {
        this.options.onError(err, batch.length);
        for (const m of batch) m.nak(1_000);
      }
    });
    if (this.buffer.length > 0) this.flush();
  }
}
