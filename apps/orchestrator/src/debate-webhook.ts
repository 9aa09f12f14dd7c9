import { Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { debateWebhookPosts } from '@switchyard/observability';
import type { DebateAnnouncement } from '@switchyard/messaging';

/**
 * 5 s: a webhook receiver answers in milliseconds or not at all; waiting
 * longer only piles up sockets. Each call is bounded by it.
 */
export const DEBATE_WEBHOOK_TIMEOUT_MS = 5_000;

const posts = debateWebhookPosts;

/**
 * Posts debate announcements to DEBATE_WEBHOOK_URL. Best effort, outside any
 * transaction: `notify` returns at once and the POST runs on its own, so a
 * slow or dead receiver never holds up the ticker, and its failure (an error,
 * a non-2xx answer, the timeout) is logged and counted, never retried and
 * never undoes the transition. Without a URL it is a logged no-op. Shutdown
 * waits for the posts in flight (each at most the timeout).
 */
export class DebateWebhook implements OnApplicationShutdown {
  private readonly logger = new Logger(DebateWebhook.name);
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    readonly url: string | undefined,
    readonly timeoutMs = DEBATE_WEBHOOK_TIMEOUT_MS,
  ) {}

  static readonly provider: Provider = {
    provide: DebateWebhook,
    inject: [SWITCHYARD_CONFIG],
    useFactory: (config: SwitchyardConfig) => new DebateWebhook(config.debate.webhookUrl),
  };

  notify(announcement: DebateAnnouncement): void {
    if (!this.url) {
      posts.inc({ outcome: 'not-configured' });
      this.logger.log({ topicId: announcement.topicId }, 'no DEBATE_WEBHOOK_URL: announcement not posted');
      return;
    }
    const post = this.post(this.url, announcement).finally(() => this.inFlight.delete(post));
    this.inFlight.add(post);
  }

  /** Resolves when every post started so far has finished (answered, failed or timed out). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.settled();
  }

  private async post(url: string, announcement: DebateAnnouncement): Promise<void> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'switchyard-orchestrator' },
        body: JSON.stringify(announcement),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.body?.cancel();
      if (res.ok) {
        posts.inc({ outcome: 'delivered' });
        return;
      }
      posts.inc({ outcome: 'refused' });
      this.logger.warn({ topicId: announcement.topicId, status: res.status }, 'debate webhook answered an error');
    } catch (err) {
      // AbortSignal.timeout rejects with a DOMException named TimeoutError (not always an Error instance).
      const timedOut = (err as { name?: unknown } | null)?.name === 'TimeoutError';
      posts.inc({ outcome: timedOut ? 'timeout' : 'failed' });
      this.logger.warn(
        { topicId: announcement.topicId, err: timedOut ? `no answer within ${this.timeoutMs} ms` : String(err) },
        'debate webhook failed',
      );
    }
  }
}
