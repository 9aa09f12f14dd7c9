import type { JetStreamClient } from '@nats-io/jetstream';
import { ClosedConnectionError, DrainingConnectionError, headers, InvalidArgumentError } from '@nats-io/transport-node';
import type { AgentLogger } from './logger';
import { DEFAULT_PUBLISH_BACKOFF, publishBackoffMs } from './publish-backoff';

/** A publish the server can never accept (e.g. over max_payload); retrying would not help. */
export class PublishRejected extends Error {
  constructor(subject: string, cause: unknown) {
    super(`publish to ${subject} rejected: ${String(cause)}`, { cause });
    this.name = 'PublishRejected';
  }
}

/**
 * JetStream publishes that are retried until the server acknowledges them,
 * so an agent's reports survive a NATS outage or a stream that does not
 * exist yet. Only `stop()` (the agent closed) or a closed connection ends the
 * retries; the publish then resolves `false`. A message id makes a repeat of
 * an acknowledged publish (a PubAck lost on the way back) a no-op.
 */
export class ReliablePublisher {
  private readonly stopping = new AbortController();

  constructor(
    private readonly js: JetStreamClient,
    private readonly logger: AgentLogger,
    private readonly logFields: object,
    /** How long to wait for one PubAck before trying again. */
    private readonly ackTimeoutMs = 5_000,
  ) {}

  /**
   * Resolves `true` once stored (or recognised as a duplicate), `false` when
   * the publisher stopped first. Rejects with PublishRejected when the
   * message can never be published.
   */
  async publish(subject: string, body: unknown, msgId?: string, extra: Record<string, string> = {}): Promise<boolean> {
    const data = JSON.stringify(body);
    const entries = Object.entries(extra);
    const h = entries.length > 0 ? headers() : undefined;
    for (const [key, value] of entries) h!.set(key, value);
    for (let failures = 0; ;) {
      if (this.stopping.signal.aborted) return false;
      try {
        await this.js.publish(subject, data, {
          timeout: this.ackTimeoutMs,
          ...(msgId ? { msgID: msgId } : {}),
          ...(h ? { headers: h } : {}),
        });
        if (failures > 0) this.logger.info({ ...this.logFields, subject, msgId, failures }, 'publish recovered');
        return true;
      } catch (err) {
        if (err instanceof ClosedConnectionError || err instanceof DrainingConnectionError) return false;
        if (err instanceof InvalidArgumentError) throw new PublishRejected(subject, err);
        failures += 1;
        // First failure and then every 10th: an outage should not flood the log.
        if (failures === 1 || failures % 10 === 0) {
          this.logger.warn(
            { ...this.logFields, subject, msgId, failures, err: String(err) },
            'publish failed; retrying',
          );
        }
        await this.sleep(publishBackoffMs(failures, Math.random(), DEFAULT_PUBLISH_BACKOFF));
      }
    }
  }

  /** Ends every retry loop at its next step; later publishes resolve `false` at once. */
  stop(): void {
    this.stopping.abort();
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.stopping.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
