import { jetstream } from '@nats-io/jetstream';
import { connect as natsConnect, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  controlSchema,
  type Delivery,
  deliverySchema,
  type Report,
  type SessionEvent,
  type StatusEvent,
} from '@switchyard/messaging/contracts/agent-protocol.schema';
import { EVENT_CAUSE_HEADER } from '@switchyard/messaging/contracts/event';
import { type Subjects, subjectsFor } from '@switchyard/messaging/subjects';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { v7 as uuidv7 } from 'uuid';
import { type AgentOptions, resolveAgentOptions, type ResolvedAgentOptions } from './agent-options';
import { type AgentStatus, enqueueStatus, StatusPacer, statusFor } from './agent-status';
import {
  type AbortCause,
  CommandAborted,
  describeFailure,
  MAX_ERROR_MESSAGE_LENGTH,
  truncate,
} from './command-failure';
import { delegationBody } from './delegation';
import { deliveryFacts, type Handler, type HandlerContext } from './handler';
import { LocalWorkQueue } from './local-work-queue';
import { RecentKeys } from './recent-keys';
import { PublishRejected, ReliablePublisher } from './reliable-publisher';
import { attemptTraceparent, TRACEPARENT_HEADER, traceIdField } from './trace';
import { within } from './timing';

/**
 * Events an agent emits, for logs, metrics and tests. `completed`, `failed`
 * and `released` fire once the report is stored in JetStream (or, during
 * close, once the agent gave up publishing it).
 */
export interface AgentEvents {
  /** A valid delivery was taken on (its `accepted` report, or an outcome that implies it, is on its way). */
  delivered: [delivery: Delivery];
  /** Its handler got a slot and started. */
  started: [delivery: Delivery];
  completed: [outcome: { delivery: Delivery; result: unknown }];
  failed: [outcome: { delivery: Delivery; error: { message: string; code?: string }; retryable: boolean }];
  /** Handed back unstarted or unfinished during close(). */
  released: [delivery: Delivery];
  /** A cancel arrived for a held attempt; its signal is aborted. */
  cancelled: [delivery: Delivery];
  /** Any report, once JetStream acknowledged it. */
  reported: [report: Report];
  session: [event: SessionEvent];
  status: [event: StatusEvent];
  closed: [];
}

export interface CloseOptions {
  /** How long running handlers may take to finish before they are aborted and released. Default 10 s. */
  drainTimeoutMs?: number;
  /** How long to wait for reports still being published before giving up on them. Default 5 s. */
  flushTimeoutMs?: number;
}

type Outcome =
  | { kind: 'succeeded'; result: unknown }
  | { kind: 'failed'; error: { message: string; code?: string }; retryable: boolean };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type ReportBody = DistributiveOmit<Report, 'commandId' | 'attempt' | 'sessionId'>;

/** Reports that happen once per attempt carry a message id, so a retried publish is de-duplicated. */
const ONCE_PER_ATTEMPT: ReadonlySet<Report['kind']> = new Set(['accepted', 'succeeded', 'failed', 'released']);

/** Reports the dispatcher takes from a `dispatched` attempt: each stands for the acceptance too. */
const IMPLIES_ACCEPTANCE: ReadonlySet<Report['kind']> = new Set(['succeeded', 'failed', 'released']);

/** setTimeout's ceiling (about 24.8 days); a later deadline gets no timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How many finished attempts are remembered to ignore late duplicate deliveries. */
const FINISHED_MEMORY = 1_024;

/**
 * One attempt the agent holds. Modes: `waiting` (accepted, no slot yet) →
 * `running` (handler started) → `done` (outcome or release reported, no
 * longer held). Its reports form one chain so they reach the dispatcher in
 * order: accepted, heartbeats and progress, then the outcome.
 */
interface HeldCommand {
  readonly key: string;
  readonly delivery: Delivery;
  /** This attempt's trace context (attemptTraceparent): on its reports and delegations. */
  readonly traceparent: string;
  readonly controller: AbortController;
  mode: 'waiting' | 'running' | 'done';
  reports: Promise<unknown>;
  reportsInFlight: number;
  /** The `accepted` report, held back until the next turn of the event loop (see acceptSoon). */
  acceptance?: NodeJS.Immediate;
  deadlineTimer?: NodeJS.Timeout;
  /** Resolves when the attempt stops being held. */
  readonly settled: Promise<void>;
  markSettled(): void;
}

/**
 * Connects an agent: subscribes to its deliveries and control messages,
 * announces its session, and starts heart-beating. Waits for NATS when it is
 * not up yet; afterwards NATS reconnects by itself and the session is
 * announced again after every reconnect.
 */
export async function connect(options: AgentOptions): Promise<Agent> {
  const resolved = resolveAgentOptions(options);
  const nc = await natsConnect({
    servers: resolved.servers,
    name: `switchyard-agent ${resolved.agentId}`,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    reconnectTimeWait: 500,
    // Every report is a JetStream publish, that is a request: skip the stack-trace errors nats.js builds up front
    // for each (a few per cent of CPU under load); failures are logged with the command and subject instead.
    noAsyncTraces: true,
  });
  const agent = new Agent(nc, resolved);
  try {
    await agent.start();
  } catch (err) {
    await nc.close();
    throw err;
  }
  return agent;
}

/** A connected agent; create it with `connect()`. */
export class Agent extends EventEmitter<AgentEvents> {
  readonly agentId: string;
  /** New for every connect(); kept across NATS reconnects. */
  readonly sessionId: string = randomUUID();

  private readonly subjects: Subjects;
  private readonly publisher: ReliablePublisher;
  private readonly queue: LocalWorkQueue<string>;
  private readonly commands = new Map<string, HeldCommand>();
  private readonly finished = new RecentKeys(FINISHED_MEMORY);
  private readonly outstanding = new Set<Promise<unknown>>();
  private readonly logFields: { agentId: string; sessionId: string };
  private deliveries?: Subscription;
  private control?: Subscription;
  private heartbeatTimer?: NodeJS.Timeout;
  private watching?: Promise<void>;
  private sessionChain: Promise<unknown> = Promise.resolve();
  private sessionInFlight = 0;
  private readonly status = new StatusPacer(
    () => this.currentStatus(),
    (s) => this.sendStatus(s),
  );
  private statusQueue: StatusEvent[] = [];
  private statusPumping = false;
  private closing = false;
  private warnedHeartbeat = false;
  private offline = false;
  private closed?: Promise<void>;

  /** @internal Use `connect()`. */
  constructor(
    private readonly nc: NatsConnection,
    private readonly options: ResolvedAgentOptions,
  ) {
    super();
    this.agentId = options.agentId;
    this.subjects = subjectsFor(options.namespace);
    this.queue = new LocalWorkQueue(options.concurrency);
    this.logFields = { agentId: this.agentId, sessionId: this.sessionId };
    this.publisher = new ReliablePublisher(jetstream(nc), options.logger, this.logFields);
  }

  /** @internal Called once by `connect()`. */
  async start(): Promise<void> {
    this.deliveries = this.nc.subscribe(this.subjects.deliver(this.agentId), {
      callback: (err, msg) => this.onDelivery(err, msg),
    });
    this.control = this.nc.subscribe(this.subjects.control(this.agentId), {
      callback: (err, msg) => this.onControl(err, msg),
    });
    // The server must know the subscriptions before the dispatcher learns the session exists.
    await this.nc.flush();
    this.watching = this.watchConnection();
    this.sendSession(this.connectEvent());
    this.status.update(true);
    this.heartbeatTimer = setInterval(() => this.beat(), this.options.heartbeatIntervalMs);
    this.options.logger.info(
      { ...this.logFields, pools: this.options.pools, concurrency: this.options.concurrency },
      'agent connected',
    );
  }

  /** Attempts held: running, or accepted and waiting for a slot. */
  held(): number {
    return this.commands.size;
  }

  /**
   * Graceful shutdown: stop taking deliveries, release what waits, give running
   * handlers `drainTimeoutMs` to finish, abort and release the rest, announce
   * the disconnect and go offline, then drain the connection. Safe to call twice.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closed ??= this.shutdown(options);
    return this.closed;
  }

  private async shutdown({ drainTimeoutMs = 10_000, flushTimeoutMs = 5_000 }: CloseOptions): Promise<void> {
    this.closing = true;
    this.options.logger.info({ ...this.logFields, held: this.held() }, 'agent closing');
    this.status.update();
    this.deliveries?.unsubscribe();

    for (const key of this.queue.drainWaiting()) {
      const entry = this.commands.get(key);
      if (entry) this.release(entry);
    }
    const running = [...this.commands.values()].map((entry) => entry.settled);
    if (!(await within(Promise.all(running), drainTimeoutMs))) {
      this.options.logger.warn({ ...this.logFields, held: this.held(), drainTimeoutMs }, 'drain timed out; releasing');
    }
    for (const entry of [...this.commands.values()]) this.release(entry);

    clearInterval(this.heartbeatTimer);
    this.status.stop();

    // Outcomes and releases first, so the dispatcher sees them before the session ends.
    const deadline = Date.now() + flushTimeoutMs;
    await this.flush(deadline);
    this.sendSession({ kind: 'disconnect', sessionId: this.sessionId });
    this.offline = true;
    this.status.update();
    await this.flush(deadline);
    if (this.outstanding.size > 0) {
      this.options.logger.warn(
        { ...this.logFields, unpublished: this.outstanding.size },
        'closing with messages not yet published',
      );
    }
    this.publisher.stop();
    this.control?.unsubscribe();
    await within(
      this.nc.drain().catch(() => undefined),
      flushTimeoutMs,
    );
    if (!this.nc.isClosed()) await this.nc.close();
    await this.watching;
    this.options.logger.info(this.logFields, 'agent closed');
    this.notify('closed');
  }

  /** Waits until every pending publish settled, or until `deadline` (epoch ms). */
  private async flush(deadline: number): Promise<void> {
    while (this.outstanding.size > 0 && Date.now() < deadline) {
      await within(Promise.allSettled([...this.outstanding]), deadline - Date.now());
    }
  }

  private onDelivery(err: Error | null, msg: Msg): void {
    if (err) {
      this.options.logger.error({ ...this.logFields, err: String(err) }, 'delivery subscription failed');
      return;
    }
    // No receipt on the reply subject: the server itself answers "no responders" when nobody subscribes,
    // which is all the dispatcher listens for, and a reply per delivery cost a socket write (decision 016).
    const delivery = this.parse(msg, deliverySchema, 'delivery');
    if (delivery) this.admit(delivery, msg.headers?.get(TRACEPARENT_HEADER));
  }

  private admit(delivery: Delivery, traceHeader: string | undefined): void {
    const key = attemptKey(delivery.id, delivery.attempt);
    const traceparent = attemptTraceparent([traceHeader, delivery.traceparent], delivery.id);
    const fields = {
      ...this.logFields,
      commandId: delivery.id,
      attempt: delivery.attempt,
      type: delivery.type,
      ...traceIdField(traceparent),
    };
    if (this.commands.has(key)) {
      this.options.logger.info(fields, 'duplicate delivery of a held attempt ignored');
      return;
    }
    if (this.finished.has(key)) {
      this.options.logger.warn(fields, 'delivery of an attempt already finished ignored');
      return;
    }
    const entry = newHeldCommand(key, delivery, traceparent);
    if (this.closing) {
      // Raced with close(): hand it straight back without accepting it.
      entry.mode = 'done';
      void this.sendReport(entry, { kind: 'released' });
      return;
    }
    this.commands.set(key, entry);
    this.options.logger.debug?.(fields, 'delivery accepted');
    this.notify('delivered', delivery);
    if (!this.warnedHeartbeat && delivery.heartbeatTimeoutMs <= this.options.heartbeatIntervalMs) {
      this.warnedHeartbeat = true;
      this.options.logger.warn(
        {
          ...fields,
          heartbeatTimeoutMs: delivery.heartbeatTimeoutMs,
          heartbeatIntervalMs: this.options.heartbeatIntervalMs,
        },
        'heartbeat interval is not shorter than the command heartbeat timeout; long commands may be presumed lost',
      );
    }
    this.acceptSoon(entry);
    this.armDeadline(entry);

    const handler = this.options.handlers.get(delivery.type);
    if (!handler) {
      this.settle(entry, {
        kind: 'failed',
        error: { message: `no handler for command type "${delivery.type}"`, code: 'unknown_type' },
        retryable: false,
      });
      return;
    }
    for (const next of this.queue.push(key)) this.startHandler(next);
    this.status.update();
  }

  private startHandler(key: string): void {
    const entry = this.commands.get(key);
    const handler = entry && this.options.handlers.get(entry.delivery.type);
    if (!entry || !handler) return;
    entry.mode = 'running';
    this.notify('started', entry.delivery);
    this.run(entry, handler).catch((err: unknown) => {
      this.options.logger.error(
        { ...this.logFields, commandId: entry.delivery.id, ...traceIdField(entry.traceparent), err: String(err) },
        'run failed',
      );
    });
  }

  private async run(entry: HeldCommand, handler: Handler): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = { kind: 'succeeded', result: await handler(entry.delivery.payload, this.contextFor(entry)) };
    } catch (err) {
      outcome = { kind: 'failed', ...describeFailure(err) };
    }
    this.settle(entry, outcome);
  }

  private contextFor(entry: HeldCommand): HandlerContext {
    const d = entry.delivery;
    return {
      ...deliveryFacts(d, entry.traceparent),
      signal: entry.controller.signal,
      progress: async (data: unknown) => {
        // Checked here so the handler, not the publisher, learns about bad data.
        if (JSON.stringify(data) === undefined) throw new TypeError('progress data must be JSON-serializable');
        if (entry.mode === 'done') return;
        await this.sendReport(entry, { kind: 'progress', progress: data });
      },
      delegate: async (target, type, payload, options) => {
        const id = uuidv7();
        const subject =
          'agent' in target ? this.subjects.submitToAgent(target.agent) : this.subjects.submitToPool(target.pool);
        const body = { id, ...delegationBody(d.id, type, payload, options) };
        const published = this.publisher.publish(subject, body, id, { [TRACEPARENT_HEADER]: entry.traceparent });
        if (!(await this.track(published))) {
          throw new Error(`delegation of ${type} not stored: the agent is closing`);
        }
        return { id };
      },
      publishEvent: async (subject: string, data: unknown, options: { id?: string } = {}) => {
        const full = this.subjects.event(subject);
        if (JSON.stringify(data) === undefined) throw new TypeError('event data must be JSON-serializable');
        await this.publisher.publish(full, data, `cmd:${d.id}:${options.id ?? subject}`, {
          [EVENT_CAUSE_HEADER]: d.id,
        });
      },
    };
  }

  /** Records the outcome of a running (or never runnable) attempt and reports it. */
  private settle(entry: HeldCommand, outcome: Outcome): void {
    if (entry.mode === 'done') return; // released during close: the outcome no longer counts
    const wasRunning = entry.mode === 'running';
    this.retire(entry);

    const body = toOutcomeReport(outcome);
    const sent = this.sendReport(entry, body);
    void sent.then((stored) => {
      const final = stored ?? body;
      if (final.kind === 'succeeded') this.notify('completed', { delivery: entry.delivery, result: final.result });
      if (final.kind === 'failed') {
        this.notify('failed', { delivery: entry.delivery, error: final.error, retryable: final.retryable });
      }
    });
    if (wasRunning) for (const next of this.queue.finish(entry.key)) this.startHandler(next);
    this.status.update();
  }

  /** Hands an attempt back (close): aborts it if running and reports `released`. */
  private release(entry: HeldCommand): void {
    if (entry.mode === 'done') return;
    const wasRunning = entry.mode === 'running';
    this.retire(entry);
    if (wasRunning) {
      this.abort(entry, 'shutdown');
      this.queue.finish(entry.key);
    }
    void this.sendReport(entry, { kind: 'released' }).then(() => this.notify('released', entry.delivery));
    this.status.update();
  }

  private retire(entry: HeldCommand): void {
    entry.mode = 'done';
    clearTimeout(entry.deadlineTimer);
    this.commands.delete(entry.key);
    this.finished.add(entry.key);
    entry.markSettled();
  }

  private armDeadline(entry: HeldCommand): void {
    const ms = Date.parse(entry.delivery.deadlineAt) - Date.now();
    if (Number.isNaN(ms) || ms > MAX_TIMER_MS) return;
    if (ms <= 0) {
      this.abort(entry, 'deadline');
      return;
    }
    entry.deadlineTimer = setTimeout(() => this.abort(entry, 'deadline'), ms);
  }

  private abort(entry: HeldCommand, cause: AbortCause): void {
    if (!entry.controller.signal.aborted) entry.controller.abort(new CommandAborted(cause));
  }

  private onControl(err: Error | null, msg: Msg): void {
    if (err) {
      this.options.logger.error({ ...this.logFields, err: String(err) }, 'control subscription failed');
      return;
    }
    const control = this.parse(msg, controlSchema, 'control message');
    if (!control) return;
    const entry = this.commands.get(attemptKey(control.commandId, control.attempt));
    const fields = { ...this.logFields, commandId: control.commandId, attempt: control.attempt };
    if (!entry) {
      this.options.logger.info(fields, 'cancel for an attempt not held ignored');
      return;
    }
    this.options.logger.info(fields, 'cancel received; aborting the handler signal');
    this.abort(entry, 'cancelled');
    this.notify('cancelled', entry.delivery);
  }

  /** Every interval: a session heartbeat, and a heartbeat for every held attempt. */
  private beat(): void {
    // While a publish is still pending (NATS down), a further heartbeat adds nothing.
    if (this.sessionInFlight === 0) this.sendSession({ kind: 'heartbeat', sessionId: this.sessionId });
    for (const entry of this.commands.values()) {
      if (entry.reportsInFlight === 0) void this.sendReport(entry, { kind: 'heartbeat' });
    }
  }

  /**
   * `accepted` leaves on the next turn of the event loop, unless another report
   * comes first. An outcome (or a release) then goes alone, since it implies the
   * acceptance: a handler that finishes at once costs one report, one ledger
   * write and one lifecycle event fewer. Progress goes after `accepted`, as ever.
   */
  private acceptSoon(entry: HeldCommand): void {
    entry.acceptance = setImmediate(() => {
      entry.acceptance = undefined;
      void this.sendReport(entry, { kind: 'accepted' });
    });
  }

  /** Queues a report behind the attempt's earlier ones; resolves with what was stored, if anything. */
  private sendReport(entry: HeldCommand, body: ReportBody): Promise<Report | undefined> {
    if (entry.acceptance) {
      clearImmediate(entry.acceptance);
      entry.acceptance = undefined;
      if (!IMPLIES_ACCEPTANCE.has(body.kind)) void this.sendReport(entry, { kind: 'accepted' });
    }
    const { id, attempt } = entry.delivery;
    const report = { commandId: id, attempt, sessionId: this.sessionId, ...body } as Report;
    const msgId = ONCE_PER_ATTEMPT.has(report.kind) ? `${id}:${attempt}:${report.kind}` : undefined;
    entry.reportsInFlight += 1;
    const sent = entry.reports
      .then(() => this.publishReport(report, msgId, entry.traceparent))
      .finally(() => {
        entry.reportsInFlight -= 1;
      });
    entry.reports = sent;
    return this.track(sent);
  }

  private async publishReport(
    report: Report,
    msgId: string | undefined,
    traceparent: string,
  ): Promise<Report | undefined> {
    const fields = {
      ...this.logFields,
      commandId: report.commandId,
      attempt: report.attempt,
      kind: report.kind,
      ...traceIdField(traceparent),
    };
    try {
      const headers = { [TRACEPARENT_HEADER]: traceparent };
      if (!(await this.publisher.publish(this.subjects.report(this.agentId), report, msgId, headers))) return undefined;
      if (report.kind !== 'heartbeat') this.options.logger.debug?.(fields, 'report stored');
      this.notify('reported', report);
      return report;
    } catch (err) {
      if (err instanceof PublishRejected && report.kind === 'succeeded') {
        // The result does not fit in a message; a retry would produce the same result.
        this.options.logger.error({ ...fields, err: String(err) }, 'result too large to report; failing the attempt');
        const failed: Report = {
          commandId: report.commandId,
          attempt: report.attempt,
          sessionId: report.sessionId,
          kind: 'failed',
          error: { message: 'result too large to publish', code: 'result_too_large' },
          retryable: false,
        };
        return this.publishReport(failed, `${report.commandId}:${report.attempt}:failed`, traceparent);
      }
      this.options.logger.error({ ...fields, err: String(err) }, 'report dropped: the server refuses it');
      return undefined;
    }
  }

  private sendSession(event: SessionEvent): void {
    this.sessionInFlight += 1;
    const sent = this.sessionChain
      .then(async () => {
        if (await this.publisher.publish(this.subjects.session(this.agentId), event)) this.notify('session', event);
      })
      .catch((err: unknown) => {
        this.options.logger.error({ ...this.logFields, kind: event.kind, err: String(err) }, 'session event dropped');
      })
      .finally(() => {
        this.sessionInFlight -= 1;
      });
    this.sessionChain = sent;
    void this.track(sent);
  }

  private connectEvent(): SessionEvent {
    return {
      kind: 'connect',
      sessionId: this.sessionId,
      ...(this.options.name !== undefined ? { name: this.options.name } : {}),
      pools: this.options.pools,
      concurrency: this.options.concurrency,
      transport: 'nats',
    };
  }

  /** The status this agent is in now (see statusFor). */
  private currentStatus(): AgentStatus {
    if (this.offline) return { phase: 'offline' };
    return statusFor(
      this.closing,
      [...this.commands.values()].map((e) => ({
        commandId: e.delivery.id,
        type: e.delivery.type,
        running: e.mode === 'running',
      })),
    );
  }

  /**
   * Queues a status the pacer let through. Statuses go out one at a time, in
   * order; while one is pending, later ones queue up and coalesce (see
   * enqueueStatus), so a watcher sees every phase change without an outage
   * piling up stale statuses.
   */
  private sendStatus(next: AgentStatus): void {
    this.statusQueue = enqueueStatus(this.statusQueue, {
      ...next,
      sessionId: this.sessionId,
      at: new Date().toISOString(),
    });
    if (!this.statusPumping) void this.track(this.pumpStatus());
  }

  private async pumpStatus(): Promise<void> {
    this.statusPumping = true;
    try {
      for (let status = this.statusQueue.shift(); status; status = this.statusQueue.shift()) {
        try {
          if (await this.publisher.publish(this.subjects.status(this.agentId), status)) this.notify('status', status);
        } catch (err) {
          this.options.logger.error({ ...this.logFields, err: String(err) }, 'status dropped');
        }
      }
    } finally {
      this.statusPumping = false;
    }
  }

  private async watchConnection(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.options.logger.warn({ ...this.logFields, server: s.server }, 'nats disconnected');
      } else if (s.type === 'reconnect') {
        this.options.logger.info({ ...this.logFields, server: s.server }, 'nats reconnected; announcing the session');
        if (!this.closing) {
          this.sendSession(this.connectEvent());
          this.status.update(true);
        }
      }
    }
  }

  private parse<T>(msg: Msg, schema: { safeParse(v: unknown): ParseResult<T> }, what: string): T | undefined {
    let raw: unknown;
    try {
      raw = msg.json();
    } catch {
      this.options.logger.warn({ ...this.logFields, subject: msg.subject }, `${what} is not JSON; dropped`);
      return undefined;
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      this.options.logger.warn(
        {
          ...this.logFields,
          subject: msg.subject,
          issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
        },
        `invalid ${what}; dropped`,
      );
      return undefined;
    }
    return parsed.data;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.outstanding.add(promise);
    void promise.finally(() => this.outstanding.delete(promise)).catch(() => undefined);
    return promise;
  }

  private notify<E extends keyof AgentEvents>(event: E, ...args: AgentEvents[E]): void {
    try {
      // EventEmitter's typing cannot follow a generic event name; the signature above keeps it sound.
      (this.emit as (event: E, ...args: AgentEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      this.options.logger.error({ ...this.logFields, event, err: String(err) }, 'an agent event listener threw');
    }
  }
}

type ParseResult<T> =
  | { success: true; data: T }
  | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };

function attemptKey(commandId: string, attempt: number): string {
  return `${commandId}:${attempt}`;
}

function newHeldCommand(key: string, delivery: Delivery, traceparent: string): HeldCommand {
  let markSettled!: () => void;
  const settled = new Promise<void>((resolve) => {
    markSettled = resolve;
  });
  return {
    key,
    delivery,
    traceparent,
    controller: new AbortController(),
    mode: 'waiting',
    reports: Promise.resolve(),
    reportsInFlight: 0,
    settled,
    markSettled,
  };
}

/** The report of an outcome; a result is normalised to what JSON carries (`undefined` → `null`). */
function toOutcomeReport(outcome: Outcome): ReportBody {
  if (outcome.kind === 'failed') return outcome;
  let json: string | undefined;
  try {
    json = JSON.stringify(outcome.result);
  } catch (err) {
    return {
      kind: 'failed',
      error: {
        message: truncate(`handler result is not JSON-serializable: ${String(err)}`, MAX_ERROR_MESSAGE_LENGTH),
        code: 'unserializable_result',
      },
      retryable: false,
    };
  }
  return { kind: 'succeeded', result: json === undefined ? null : (JSON.parse(json) as unknown) };
}
