import type { Delivery } from '@switchyard/messaging/contracts/agent-protocol.schema';
import { EventEmitter } from 'node:events';
import type { AgentEvents, CloseOptions } from './agent';
import { type AgentOptions, resolveAgentOptions, type ResolvedAgentOptions } from './agent-options';
import { type AgentStatus, StatusPacer, statusFor } from './agent-status';
import { type AbortCause, CommandAborted, describeFailure } from './command-failure';
import { delegationBody } from './delegation';
import { deliveryFacts, type Handler, type HandlerContext } from './handler';
import { publishBackoffMs } from './publish-backoff';
import { sleep, within } from './timing';
import { attemptTraceparent, TRACEPARENT_HEADER, traceIdField } from './trace';

export interface HttpAgentOptions extends Omit<AgentOptions, 'servers' | 'namespace'> {
  /** The gateway's base URL, e.g. `http://127.0.0.1:3000`. */
  gatewayUrl: string;
  /** The agent's API key (the key decides which agent this is; `agentId` must match it). */
  apiKey: string;
  /** How long each claim waits at the gateway for work. Default 10 s (at most 30 s). */
  pollWaitMs?: number;
}

const DEFAULT_POLL_WAIT_MS = 10_000;

/** A gateway answer the agent acts on; network errors and 5xx are retried before one is returned. */
interface Answer {
  status: number;
  body: Record<string, unknown> | undefined;
}

/** One attempt the agent holds, from its claim until its outcome is reported. */
interface HeldAttempt {
  readonly delivery: Delivery;
  /** This attempt's trace context (attemptTraceparent): the `traceparent` header of its reports. */
  readonly traceparent: string;
  readonly controller: AbortController;
  running: boolean;
  deadlineTimer?: NodeJS.Timeout;
  readonly settled: Promise<void>;
  markSettled(): void;
}

/**
 * Connects an agent that speaks only HTTP to the gateway: opens a session,
 * then long-polls for work with as many slots as it has free. Same handlers,
 * events and guarantees as `connect()` (the NATS agent); only the transport
 * differs. Retries the gateway through outages with capped backoff.
 */
export async function connectHttp(options: HttpAgentOptions): Promise<HttpAgent> {
  // The gateway stands where the NATS servers would: the same checks apply to everything else.
  const resolved = resolveAgentOptions({ ...options, servers: options.gatewayUrl });
  const agent = new HttpAgent(options, resolved);
  await agent.start();
  return agent;
}

/** An agent on the gateway's HTTP API; create it with `connectHttp()`. */
export class HttpAgent extends EventEmitter<AgentEvents> {
  readonly agentId: string;
  private sessionId = '';
  private readonly base: string;
  private readonly pollWaitMs: number;
  private readonly held = new Map<string, HeldAttempt>();
  private readonly stopPolling = new AbortController();
  private heartbeatTimer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private slotFreed?: () => void;
  private closing = false;
  private closed?: Promise<void>;
  private latestStatus?: AgentStatus;
  private readonly status = new StatusPacer(
    () =>
      statusFor(
        this.closing,
        [...this.held.values()].map((h) => ({ commandId: h.delivery.id, type: h.delivery.type, running: h.running })),
      ),
    (s) => this.sendStatus(s),
  );
  private statusChain: Promise<unknown> = Promise.resolve();

  /** @internal Use `connectHttp()`. */
  constructor(
    private readonly httpOptions: HttpAgentOptions,
    private readonly options: ResolvedAgentOptions,
  ) {
    super();
    this.agentId = options.agentId;
    this.base = httpOptions.gatewayUrl.replace(/\/+$/, '');
    this.pollWaitMs = Math.min(httpOptions.pollWaitMs ?? DEFAULT_POLL_WAIT_MS, 30_000);
  }

  /** @internal Called once by `connectHttp()`. */
  async start(): Promise<void> {
    const opened = await this.call('POST', '/v1/agent/sessions', {
      ...(this.options.name !== undefined ? { name: this.options.name } : {}),
      pools: this.options.pools,
      concurrency: this.options.concurrency,
    });
    if (opened.status !== 201 || typeof opened.body?.sessionId !== 'string') {
      throw new Error(`opening a session for ${this.agentId} failed: ${opened.status} ${JSON.stringify(opened.body)}`);
    }
    this.sessionId = opened.body.sessionId;
    this.notify('session', {
      kind: 'connect',
      sessionId: this.sessionId,
      pools: this.options.pools,
      concurrency: this.options.concurrency,
      transport: 'http',
    });
    this.status.update();
    this.heartbeatTimer = setInterval(() => this.beat(), this.options.heartbeatIntervalMs);
    this.polling = this.pollLoop();
    this.options.logger.info(this.logFields(), 'http agent connected');
  }

  /** Attempts held (accepted, running or reporting). */
  heldCount(): number {
    return this.held.size;
  }

  /**
   * Graceful shutdown, as `Agent.close()`: stop claiming, give running
   * handlers `drainTimeoutMs`, abort and release the rest, close the session.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closed ??= this.shutdown(options);
    return this.closed;
  }

  private async shutdown({ drainTimeoutMs = 10_000 }: CloseOptions): Promise<void> {
    this.closing = true;
    this.stopPolling.abort();
    this.slotFreed?.();
    this.status.update();
    await this.polling;
    const drained = await within(Promise.all([...this.held.values()].map((h) => h.settled)), drainTimeoutMs);
    if (!drained) this.options.logger.warn({ ...this.logFields(), held: this.held.size }, 'drain timed out; releasing');
    await Promise.all([...this.held.values()].map((entry) => this.release(entry)));
    clearInterval(this.heartbeatTimer);
    this.status.stop();
    await this.statusChain;
    const closed = await this.call('DELETE', `/v1/agent/sessions/${encodeURIComponent(this.sessionId)}`);
    if (closed.status !== 204) this.options.logger.warn({ ...this.logFields(), status: closed.status }, 'close failed');
    this.notify('session', { kind: 'disconnect', sessionId: this.sessionId });
    this.options.logger.info(this.logFields(), 'http agent closed');
    this.notify('closed');
  }

  private async pollLoop(): Promise<void> {
    let failures = 0;
    while (!this.closing) {
      const free = this.options.concurrency - this.held.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      let answer: Answer;
      try {
        answer = await this.call('POST', '/v1/agent/commands/claim', { max: free, waitMs: this.pollWaitMs }, false);
      } catch (err) {
        if (this.closing) return;
        failures += 1;
        this.options.logger.warn({ ...this.logFields(), err: String(err) }, 'claim failed; retrying');
        await sleep(publishBackoffMs(failures, Math.random()), this.stopPolling.signal);
        continue;
      }
      if (answer.status !== 200) {
        failures += 1;
        this.options.logger.error({ ...this.logFields(), status: answer.status, body: answer.body }, 'claim refused');
        await sleep(publishBackoffMs(failures, Math.random()), this.stopPolling.signal);
        continue;
      }
      failures = 0;
      for (const delivery of (answer.body?.commands ?? []) as Delivery[]) this.admit(delivery);
    }
  }

  private admit(delivery: Delivery): void {
    const key = `${delivery.id}:${delivery.attempt}`;
    if (this.held.has(key)) return;
    let markSettled!: () => void;
    const settled = new Promise<void>((resolve) => (markSettled = resolve));
    const entry: HeldAttempt = {
      delivery,
      traceparent: attemptTraceparent([delivery.traceparent], delivery.id),
      controller: new AbortController(),
      running: false,
      settled,
      markSettled,
    };
    this.held.set(key, entry);
    this.options.logger.debug?.({ ...this.fieldsOf(entry), type: delivery.type }, 'delivery accepted');
    this.notify('delivered', delivery);
    void this.run(entry).catch((err: unknown) =>
      this.options.logger.error({ ...this.fieldsOf(entry), err: String(err) }, 'run failed'),
    );
  }

  private async run(entry: HeldAttempt): Promise<void> {
    const accepted = await this.report(entry, 'accept', {});
    if (accepted.status >= 300) {
      // Timed out or cancelled before it was accepted: someone else's now.
      this.options.logger.warn({ ...this.fieldsOf(entry), status: accepted.status }, 'accept refused; dropped');
      this.retire(entry);
      return;
    }
    if (this.closing) {
      await this.release(entry);
      return;
    }
    const handler = this.options.handlers.get(entry.delivery.type);
    if (!handler) {
      await this.finish(entry, {
        kind: 'failed',
        error: { message: `no handler for command type "${entry.delivery.type}"`, code: 'unknown_type' },
        retryable: false,
      });
      return;
    }
    entry.running = true;
    this.armDeadline(entry);
    this.status.update();
    this.notify('started', entry.delivery);
    await this.finish(entry, await this.invoke(entry, handler));
  }

  private async invoke(entry: HeldAttempt, handler: Handler): Promise<Outcome> {
    try {
      const result = await handler(entry.delivery.payload, this.contextFor(entry));
      const json = JSON.stringify(result);
      return { kind: 'succeeded', result: json === undefined ? null : (JSON.parse(json) as unknown) };
    } catch (err) {
      return { kind: 'failed', ...describeFailure(err) };
    }
  }

  private async finish(entry: HeldAttempt, outcome: Outcome): Promise<void> {
    if (!this.held.has(keyOf(entry))) return; // released during close
    const answer =
      outcome.kind === 'succeeded'
        ? await this.report(entry, 'complete', { result: outcome.result })
        : await this.report(entry, 'fail', { error: outcome.error, retryable: outcome.retryable });
    this.retire(entry);
    if (answer.status >= 300) {
      this.options.logger.warn(
        { ...this.fieldsOf(entry), status: answer.status, body: answer.body },
        'outcome refused',
      );
      return;
    }
    if (outcome.kind === 'succeeded') this.notify('completed', { delivery: entry.delivery, result: outcome.result });
    else this.notify('failed', { delivery: entry.delivery, error: outcome.error, retryable: outcome.retryable });
  }

  private async release(entry: HeldAttempt): Promise<void> {
    if (!this.held.has(keyOf(entry))) return;
    this.abort(entry, 'shutdown');
    this.retire(entry);
    await this.report(entry, 'release', {});
    this.notify('released', entry.delivery);
  }

  private retire(entry: HeldAttempt): void {
    if (!this.held.delete(keyOf(entry))) return;
    clearTimeout(entry.deadlineTimer);
    entry.markSettled();
    this.slotFreed?.();
    this.slotFreed = undefined;
    this.status.update();
  }

  private contextFor(entry: HeldAttempt): HandlerContext {
    const d = entry.delivery;
    return {
      ...deliveryFacts(d, entry.traceparent),
      signal: entry.controller.signal,
      progress: async (data: unknown) => {
        if (JSON.stringify(data) === undefined) throw new TypeError('progress data must be JSON-serializable');
        if (!this.held.has(keyOf(entry))) return;
        await this.report(entry, 'heartbeat', { progress: data });
      },
      delegate: async (target, type, payload, options) => {
        const answer = await this.call(
          'POST',
          '/v1/commands',
          { target, ...delegationBody(d.id, type, payload, options) },
          true,
          { [TRACEPARENT_HEADER]: entry.traceparent },
        );
        if ((answer.status !== 202 && answer.status !== 200) || typeof answer.body?.id !== 'string') {
          const detail = typeof answer.body?.detail === 'string' ? answer.body.detail : JSON.stringify(answer.body);
          throw new Error(`delegation of ${type} refused: ${answer.status} ${detail}`);
        }
        return { id: answer.body.id };
      },
      publishEvent: async (subject: string, data: unknown, options: { id?: string } = {}) => {
        if (JSON.stringify(data) === undefined) throw new TypeError('event data must be JSON-serializable');
        const answer = await this.call('POST', '/v1/events', {
          subject,
          data,
          causeCommandId: d.id,
          idempotencyKey: `cmd:${d.id}:${options.id ?? subject}`,
        });
        if (answer.status !== 202) {
          throw new Error(`event not accepted (${answer.status}): ${JSON.stringify(answer.body ?? null)}`);
        }
      },
    };
  }

  private armDeadline(entry: HeldAttempt): void {
    const ms = Date.parse(entry.delivery.deadlineAt) - Date.now();
    if (Number.isNaN(ms) || ms > 2 ** 31 - 1) return;
    entry.deadlineTimer = setTimeout(() => this.abort(entry, 'deadline'), Math.max(0, ms));
  }

  private abort(entry: HeldAttempt, cause: AbortCause): void {
    if (entry.controller.signal.aborted) return;
    entry.controller.abort(new CommandAborted(cause));
    if (cause === 'cancelled') this.notify('cancelled', entry.delivery);
  }

  /** Every interval: the session heartbeat, and one per running attempt (a 409 means it was taken away). */
  private beat(): void {
    void this.call('POST', '/v1/agent/heartbeat', { sessionId: this.sessionId }).catch(() => undefined);
    for (const entry of this.held.values()) {
      if (!entry.running) continue;
      void this.report(entry, 'heartbeat', {}).then((answer) => {
        if (answer.status === 409) this.abort(entry, answer.body?.state === 'expired' ? 'deadline' : 'cancelled');
      });
    }
  }

  private async report(entry: HeldAttempt, kind: string, body: object): Promise<Answer> {
    const { id, attempt } = entry.delivery;
    try {
      const answer = await this.call('POST', `/v1/agent/commands/${id}/${kind}`, { attempt, ...body }, true, {
        [TRACEPARENT_HEADER]: entry.traceparent,
      });
      if (answer.status < 300 && kind !== 'heartbeat')
        this.options.logger.debug?.(this.fieldsOf(entry), `${kind} reported`);
      if (answer.status < 300) this.notify('reported', reportOf(kind, id, attempt, body));
      return answer;
    } catch (err) {
      // Only while closing: the gateway stayed down past the agent's patience. The ack or heartbeat timeout recovers it.
      this.options.logger.error({ ...this.fieldsOf(entry), kind, err: String(err) }, 'report not delivered');
      return { status: 0, body: undefined };
    }
  }

  /** Posts a status the pacer let through, one POST at a time, newest last. */
  private sendStatus(next: AgentStatus): void {
    this.latestStatus = next;
    const status = { ...next, sessionId: this.sessionId };
    this.statusChain = this.statusChain
      .then(async () => {
        if (this.latestStatus !== next) return; // superseded while waiting
        await this.call('POST', '/v1/agent/status', status);
        this.notify('status', { ...status, at: new Date().toISOString() });
      })
      .catch((err: unknown) => this.options.logger.warn({ ...this.logFields(), err: String(err) }, 'status dropped'));
  }

  /**
   * One gateway call. Network errors and 5xx are retried with capped backoff
   * (for as long as it takes, unless closing, or `retry` is false); any other
   * answer is returned.
   */
  private async call(
    method: string,
    path: string,
    body?: unknown,
    retry = true,
    extraHeaders: Record<string, string> = {},
  ): Promise<Answer> {
    for (let failures = 1; ; failures += 1) {
      let status: number;
      let text: string;
      try {
        const res = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            ...extraHeaders,
            authorization: `Bearer ${this.httpOptions.apiKey}`,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          ...(path.endsWith('/claim') ? { signal: this.stopPolling.signal } : {}),
        });
        status = res.status;
        text = await res.text();
      } catch (err) {
        if (!retry || (this.closing && failures >= 3)) throw err;
        await sleep(publishBackoffMs(failures, Math.random()));
        continue;
      }
      if (status >= 500 && retry && !(this.closing && failures >= 3)) {
        await sleep(publishBackoffMs(failures, Math.random()));
        continue;
      }
      return { status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    }
  }

  private logFields() {
    return { agentId: this.agentId, sessionId: this.sessionId };
  }

  private fieldsOf(entry: HeldAttempt) {
    return {
      ...this.logFields(),
      commandId: entry.delivery.id,
      attempt: entry.delivery.attempt,
      ...traceIdField(entry.traceparent),
    };
  }

  private notify<E extends keyof AgentEvents>(event: E, ...args: AgentEvents[E]): void {
    try {
      (this.emit as (event: E, ...args: AgentEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      this.options.logger.error({ ...this.logFields(), event, err: String(err) }, 'an agent event listener threw');
    }
  }
}

type Outcome =
  | { kind: 'succeeded'; result: unknown }
  | { kind: 'failed'; error: { message: string; code?: string }; retryable: boolean };

function keyOf(entry: HeldAttempt): string {
  return `${entry.delivery.id}:${entry.delivery.attempt}`;
}

/** The protocol report an HTTP call amounts to, for the `reported` event. */
function reportOf(kind: string, commandId: string, attempt: number, body: object): AgentEvents['reported'][0] {
  const kinds: Record<string, string> = {
    accept: 'accepted',
    heartbeat: 'progress' in body ? 'progress' : 'heartbeat',
    complete: 'succeeded',
    fail: 'failed',
    release: 'released',
  };
  return { commandId, attempt, kind: kinds[kind], ...body } as AgentEvents['reported'][0];
}
