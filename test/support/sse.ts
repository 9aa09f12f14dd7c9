/** One dispatched server-sent event (fields as the EventSource parser builds them). */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * A server-sent events reader over `fetch`, for tests: keeps every event and
 * every comment it has parsed, lets a test wait for them with a deadline, and
 * closes the connection the way a browser tab does (the socket goes away).
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  private ended = false;
  private error: string | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    private readonly controller: AbortController,
    body: ReadableStream<Uint8Array>,
  ) {
    void this.read(body);
  }

  /**
   * Opens the stream. A non-2xx answer is returned as `{ status, headers, body }`
   * with its body read as text, so failure cases can check the problem.
   */
  static async open(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<SseClient | { status: number; headers: Headers; body: string }> {
    const controller = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
    if (!res.ok || !res.body) return { status: res.status, headers: res.headers, body: await res.text() };
    return new SseClient(res.status, res.headers, controller, res.body);
  }

  /** Opens a stream that must answer 200. */
  static async connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = await SseClient.open(url, headers);
    if (!(client instanceof SseClient))
      throw new Error(`expected an event stream, got ${client.status}: ${client.body}`);
    return client;
  }

  /** Resolves when `count` events have arrived; fails after `timeoutMs` with what did arrive. */
  async waitForEvents(count: number, timeoutMs = 10_000): Promise<SseEvent[]> {
    await this.until(() => this.events.length >= count, `${count} events`, timeoutMs);
    return this.events.slice(0, count);
  }

  async waitForComment(text: string, timeoutMs = 10_000): Promise<void> {
    await this.until(() => this.comments.includes(text), `the comment "${text}"`, timeoutMs);
  }

  /** Resolves when the server ends the stream. */
  async waitForEnd(timeoutMs = 10_000): Promise<void> {
    await this.until(() => this.ended, 'the end of the stream', timeoutMs).catch((err: unknown) => {
      if (!this.ended) throw err;
    });
  }

  /** Drops the connection, as a client that goes away. */
  close(): void {
    this.controller.abort();
  }

  private until(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (done()) {
          finish();
          resolve();
        } else if (this.ended) {
          finish();
          reject(new Error(`stream ended (${this.error ?? 'closed'}) before ${what}; got ${this.describe()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.describe()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  private describe(): string {
    return `${this.events.length} events (ids ${this.events.map((e) => e.id).join(',')}), ${this.comments.length} comments`;
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** The event stream format: lines; a blank line dispatches; `:` starts a comment. */
  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    let current: { id?: string; event?: string; data: string[] } = { data: [] };
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        const lines = buffer.split(/\r\n|\r|\n/);
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (line === '') {
            if (current.data.length || current.id !== undefined || current.event !== undefined) {
              this.events.push({ id: current.id, event: current.event, data: current.data.join('\n') });
            }
            current = { data: [] };
          } else if (line.startsWith(':')) {
            this.comments.push(line.slice(1).replace(/^ /, ''));
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') current.data.push(value);
            else if (field === 'id') current.id = value;
            else if (field === 'event') current.event = value;
          }
        }
        this.notify();
      }
    } catch (err) {
      if (!this.controller.signal.aborted) this.error = err instanceof Error ? err.message : JSON.stringify(err);
    } finally {
      this.ended = true;
      this.notify();
    }
  }
}
