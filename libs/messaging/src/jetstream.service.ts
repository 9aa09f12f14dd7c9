import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type PubAck,
} from '@nats-io/jetstream';
import { connect, headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import { Logger } from '@nestjs/common';
import { BatchConsumer, BatchConsumerOptions } from './batch-consumer';
import { DEFAULT_STREAM_SETTINGS, StreamKey, StreamSettings, streamConfigs } from './streams';
import { consumersFor, streamsFor, subjectsFor } from './subjects';

export interface JetStreamConnectOptions {
  servers: string[];
  namespace: string;
  /** Connection name shown by the NATS server (service name and pid). */
  name: string;
  /** How the streams this process creates or updates are kept (NATS_STREAM_REPLICAS, COMMAND_EVENTS_MAX_AGE_MS). */
  streams?: StreamSettings;
}

export interface DurableSpec {
  stream: StreamKey;
  durable: string;
  /** Redelivery delay when a message is neither acked nor nak'ed in time. */
  ackWaitMs: number;
  maxAckPending: number;
}

/**
 * The one NATS connection of a process, with its JetStream client. Creates or
 * updates the streams and durable consumers it is asked for, idempotently, so
 * whichever service starts first sets them up.
 */
export class JetStreamService {
  readonly subjects;
  readonly streams;
  readonly consumers;
  private readonly logger = new Logger(JetStreamService.name);
  private readonly workers: BatchConsumer[] = [];
  private reconnects = 0;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly namespace: string,
    private readonly streamSettings = DEFAULT_STREAM_SETTINGS,
  ) {
    this.subjects = subjectsFor(namespace);
    this.streams = streamsFor(namespace);
    this.consumers = consumersFor(namespace);
    void this.watchStatus();
  }

  static async connect(options: JetStreamConnectOptions): Promise<JetStreamService> {
    const nc = await connect({
      servers: options.servers,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: false,
      // Skip the stack-trace errors nats.js builds up front for every request (each JetStream publish is one):
      // a few per cent of CPU under load; failures are logged with their subject and ids instead.
      noAsyncTraces: true,
    });
    const jsm = await jetstreamManager(nc);
    return new JetStreamService(nc, jetstream(nc), jsm, options.namespace, options.streams);
  }

  get reconnectCount(): number {
    return this.reconnects;
  }

  /** Creates each stream, or updates it to the current configuration. */
  async ensureStreams(keys: readonly StreamKey[]): Promise<void> {
    const configs = streamConfigs(this.namespace, this.streamSettings);
    for (const key of keys) {
      const config = configs[key];
      try {
        await this.jsm.streams.info(config.name);
        await this.jsm.streams.update(config.name, config);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await this.jsm.streams.add(config).catch(async (addErr: unknown) => {
          // Another process created it between our info and add.
          if (!String(addErr).includes('already in use')) throw addErr;
          await this.jsm.streams.update(config.name, config);
        });
      }
    }
  }

  /** Creates or updates a durable pull consumer (single filter string: NATS 2.9). */
  async ensureDurable(spec: DurableSpec): Promise<void> {
    const stream = this.streams[spec.stream];
    const config = {
      durable_name: spec.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(spec.ackWaitMs),
      max_ack_pending: spec.maxAckPending,
      max_deliver: -1,
    };
    try {
      await this.jsm.consumers.add(stream, config);
    } catch (err) {
      if (!String(err).includes('already')) throw err;
      await this.jsm.consumers.update(stream, spec.durable, config);
    }
  }

  /** Creates or updates the durable, then starts a micro-batching worker on it; stopped by `stopWorkers()`. */
  async startWorker(
    spec: DurableSpec,
    options: Omit<BatchConsumerOptions, 'stream' | 'durable' | 'ackWaitMs'>,
  ): Promise<BatchConsumer> {
    await this.ensureDurable(spec);
    const worker = new BatchConsumer(this.js, {
      ...options,
      stream: this.streams[spec.stream],
      durable: spec.durable,
      ackWaitMs: spec.ackWaitMs,
    });
    await worker.start();
    this.workers.push(worker);
    return worker;
  }

  /**
   * JetStream publish of a JSON body; `msgId` makes repeats within the duplicate window harmless.
   * `extra` headers (e.g. `traceparent`) go on the message.
   */
  publishJson(subject: string, body: unknown, msgId?: string, extra: Record<string, string> = {}): Promise<PubAck> {
    const entries = Object.entries(extra);
    const h = entries.length > 0 ? headers() : undefined;
    for (const [key, value] of entries) h!.set(key, value);
    return this.js.publish(subject, JSON.stringify(body), {
      ...(msgId ? { msgID: msgId } : {}),
      ...(h ? { headers: h } : {}),
    });
  }

  /**
   * Core NATS publish: no ack is awaited. On a subject a stream captures it is
   * still stored; `msgId` then sets Nats-Msg-Id for the stream's de-duplication.
   */
  sendJson(subject: string, body: unknown, msgId?: string, extra: Record<string, string> = {}): void {
    const entries = Object.entries({ ...extra, ...(msgId ? { 'Nats-Msg-Id': msgId } : {}) });
    if (entries.length === 0) {
      this.nc.publish(subject, JSON.stringify(body));
      return;
    }
    const h = headers();
    for (const [key, value] of entries) h.set(key, value);
    this.nc.publish(subject, JSON.stringify(body), { headers: h });
  }

  /** Stops pulling; resolves when every worker has finished the batch in hand. */
  async stopWorkers(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.stop()));
  }

  /** Stops workers (finishing their batches), then drains the connection. */
  async close(): Promise<void> {
    await this.stopWorkers();
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }

  isConnected(): boolean {
    return !this.nc.isClosed() && !this.nc.isDraining();
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'reconnect') this.reconnects += 1;
      if (s.type === 'disconnect' || s.type === 'reconnect') this.logger.warn(`nats ${s.type}`);
    }
  }
}

function isNotFound(err: unknown): boolean {
  return String(err).toLowerCase().includes('not found');
}
