import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { subjectsFor } from '@switchyard/messaging';
import { v7 as uuidv7 } from 'uuid';
import { POOL } from './cluster';
import type { AcceptedRecord, Channel, ClientRecord, Expectation, TerminalState } from './records';
import { TERMINAL_STATES } from './records';
import type { Rng } from './rng';

/**
 * The chaos clients: four kinds of submitter (HTTP async, HTTP sync, NATS
 * publish, NATS request) that keep asking, with the same id and idempotency
 * key, until Switchyard gives them a definite answer, and write down every
 * command they were told exists. A client that behaves like this is what the
 * "nothing lost" promise is made to.
 */

type Kind = 'echo' | 'sleep' | 'retry' | 'dead' | 'scheduled' | 'cancel';

export interface PlannedCommand {
  n: number;
  channel: Channel;
  kind: Kind;
  /** The id a NATS submission carries in its body. */
  id: string;
  idempotencyKey: string;
  type: string;
  payload: unknown;
  expect: Expectation;
  maxAttempts?: number;
  runInMs?: number;
  cancelAfterMs?: number;
}

const CHANNEL_WEIGHTS: Record<Channel, number> = {
  'http-async': 35,
  'http-sync': 15,
  'nats-publish': 35,
  'nats-request': 15,
};
const ASYNC_KINDS: Record<Kind, number> = { echo: 35, sleep: 25, retry: 15, dead: 5, scheduled: 10, cancel: 10 };
const SYNC_KINDS = { echo: 50, sleep: 35, dead: 15 };
const SYNC_TIMEOUT_MS = 20_000;
/** Attempts to spare for commands that must succeed: faults may take a few. */
const SPARE_ATTEMPTS = 10;
const BACKOFF = { kind: 'constant', baseMs: 200, maxMs: 200, jitter: false } as const;

/** The whole workload, decided by the seed before anything runs. */
export function planWorkload(rng: Rng, total: number, runId: string): PlannedCommand[] {
  return Array.from({ length: total }, (_, n): PlannedCommand => {
    const channel = rng.weighted(CHANNEL_WEIGHTS);
    const sync = channel === 'http-sync' || channel === 'nats-request';
    let kind: Kind = sync ? rng.weighted(SYNC_KINDS) : rng.weighted(ASYNC_KINDS);
    // Cancelling goes through the HTTP API, which shows a client only its own commands.
    if (kind === 'cancel' && channel !== 'http-async') kind = 'sleep';
    const base = { n, channel, kind, id: uuidv7(), idempotencyKey: `${runId}-${n}` };
    const expect: Expectation = sync ? 'settle' : 'succeed';
    switch (kind) {
      case 'echo':
        return { ...base, type: 'echo', payload: { n }, expect, maxAttempts: SPARE_ATTEMPTS };
      case 'sleep':
        return {
          ...base,
          type: 'sleep',
          payload: { ms: rng.int(50, sync ? 400 : 800) },
          expect,
          maxAttempts: SPARE_ATTEMPTS,
        };
      case 'retry':
        return { ...base, type: 'fail', payload: { times: rng.int(1, 2) }, expect, maxAttempts: SPARE_ATTEMPTS };
      case 'dead':
        return {
          ...base,
          type: 'fail',
          payload: { times: 100 },
          expect: sync ? 'settle' : 'dead-letter',
          maxAttempts: 2,
        };
      case 'scheduled':
        return {
          ...base,
          type: 'echo',
          payload: { n },
          expect,
          maxAttempts: SPARE_ATTEMPTS,
          runInMs: rng.int(1_000, 5_000),
        };
      case 'cancel':
        return {
          ...base,
          type: 'sleep',
          payload: { ms: 3_000 },
          expect: 'cancelled-or-succeeded',
          maxAttempts: SPARE_ATTEMPTS,
          cancelAfterMs: rng.int(100, 1_500),
        };
    }
  });
}

/** Appends every client fact to `<dir>/<channel>.jsonl` (synchronously: a record is on disk before it counts). */
export class Recorder {
  readonly accepted: AcceptedRecord[] = [];

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(channel: Channel, record: ClientRecord): void {
    if (record.kind === 'accepted') this.accepted.push(record);
    appendFileSync(path.join(this.dir, `${channel}.jsonl`), `${JSON.stringify(record)}\n`);
  }
}

export interface WorkloadCounters {
  planned: number;
  answered: number;
  refused: number;
  clientErrors: number;
  abandoned: number;
  cancelsSent: number;
  duplicatesSent: number;
}

/** A definite answer, or a reason to ask again. */
type Answer<T> = { done: true; value: T } | { done: false; why: string };

const GIVE_UP_AFTER_MS = 5 * 60_000;

async function untilAnswered<T>(attempt: () => Promise<Answer<T>>): Promise<T | undefined> {
  const deadline = Date.now() + GIVE_UP_AFTER_MS;
  let wait = 100;
  for (;;) {
    const answer = await attempt().catch((err: unknown): Answer<T> => ({ done: false, why: String(err) }));
    if (answer.done) return answer.value;
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 2_000);
  }
}

interface Outcome {
  /** The id Switchyard answered with; undefined when it refused without a row. */
  id?: string;
  told?: TerminalState;
  /** The request itself was wrong: a bug in the harness, reported. */
  clientError?: string;
}

const isTerminal = (s: unknown): s is TerminalState => TERMINAL_STATES.includes(s as TerminalState);

export class Workload {
  readonly counters: WorkloadCounters;
  private nc!: NatsConnection;
  private js!: JetStreamClient;
  private readonly subjects: ReturnType<typeof subjectsFor>;
  private gatewayTurn = 0;
  /** The id each answered submission was given (over HTTP and calls the gateway assigns it). */
  private readonly answeredIds = new Map<number, string>();
  /** Submissions that were answered, kept so a duplicate burst can repeat them exactly. */
  private readonly repeatable: PlannedCommand[] = [];

  constructor(
    private readonly plan: PlannedCommand[],
    private readonly recorder: Recorder,
    private readonly gatewayPorts: () => number[],
    private readonly apiKey: string,
    private readonly natsUrl: string,
    namespace: string,
  ) {
    this.subjects = subjectsFor(namespace);
    this.counters = {
      planned: plan.length,
      answered: 0,
      refused: 0,
      clientErrors: 0,
      abandoned: 0,
      cancelsSent: 0,
      duplicatesSent: 0,
    };
  }

  async open(): Promise<void> {
    this.nc = await connect({ servers: this.natsUrl, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    this.js = jetstream(this.nc);
  }

  async close(): Promise<void> {
    await this.nc?.close();
  }

  /** Offers the plan at `ratePerSecond`, at most `maxInFlight` at once; resolves when every command is answered. */
  async run(ratePerSecond: number, maxInFlight: number): Promise<void> {
    const started = Date.now();
    let inFlight = 0;
    const pending: Promise<void>[] = [];
    for (const cmd of this.plan) {
      const due = started + (cmd.n * 1_000) / ratePerSecond;
      while (Date.now() < due || inFlight >= maxInFlight) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(5, Math.min(50, due - Date.now()))));
      }
      inFlight += 1;
      pending.push(
        this.submit(cmd).finally(() => {
          inFlight -= 1;
        }),
      );
    }
    await Promise.all(pending);
  }

  private async submit(cmd: PlannedCommand): Promise<void> {
    const outcome = await untilAnswered(() => this.ask(cmd));
    if (!outcome) {
      this.counters.abandoned += 1;
      return;
    }
    this.counters.answered += 1;
    if (outcome.clientError) {
      this.counters.clientErrors += 1;
      process.stderr.write(`chaos client error (${cmd.channel} #${cmd.n}): ${outcome.clientError}\n`);
      return;
    }
    if (!outcome.id) {
      this.counters.refused += 1;
      return;
    }
    const at = new Date().toISOString();
    const id = outcome.id;
    this.answeredIds.set(cmd.n, id);
    this.recorder.write(cmd.channel, {
      kind: 'accepted',
      id,
      channel: cmd.channel,
      type: cmd.type,
      idempotencyKey: cmd.idempotencyKey,
      expect: cmd.expect,
      scheduled: cmd.runInMs !== undefined,
      at,
    });
    if (outcome.told) this.recorder.write(cmd.channel, { kind: 'told', id, state: outcome.told, at });
    if (cmd.runInMs === undefined && (cmd.channel === 'http-async' || cmd.channel === 'nats-publish')) {
      this.repeatable.push(cmd);
    }
    if (cmd.cancelAfterMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, cmd.cancelAfterMs));
      await this.cancel(id);
    }
  }

  private ask(cmd: PlannedCommand): Promise<Answer<Outcome>> {
    switch (cmd.channel) {
      case 'http-async':
      case 'http-sync':
        return this.askHttp(cmd);
      case 'nats-publish':
        return this.askPublish(cmd);
      case 'nats-request':
        return this.askRequest(cmd);
    }
  }

  private body(cmd: PlannedCommand): Record<string, unknown> {
    // runAt is computed from the plan's first ask, so repeats carry the same body.
    return {
      // Only a NATS submission may name its id; the gateway assigns ids to HTTP submissions and calls.
      ...(cmd.channel === 'nats-publish' ? { id: cmd.id } : {}),
      type: cmd.type,
      payload: cmd.payload,
      idempotencyKey: cmd.idempotencyKey,
      ...(cmd.maxAttempts ? { maxAttempts: cmd.maxAttempts } : {}),
      backoff: BACKOFF,
      ...(cmd.runInMs !== undefined ? { runAt: this.runAt(cmd) } : {}),
    };
  }

  private readonly runAts = new Map<number, string>();
  private runAt(cmd: PlannedCommand): string {
    let at = this.runAts.get(cmd.n);
    if (!at) {
      at = new Date(Date.now() + cmd.runInMs!).toISOString();
      this.runAts.set(cmd.n, at);
    }
    return at;
  }

  private gatewayUrl(): string {
    const ports = this.gatewayPorts();
    this.gatewayTurn = (this.gatewayTurn + 1) % ports.length;
    return `http://127.0.0.1:${ports[this.gatewayTurn]}`;
  }

  private async http(
    method: string,
    url: string,
    body: unknown,
    timeoutMs: number,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { raw: text };
    }
    return { status: res.status, body: parsed };
  }

  private async askHttp(cmd: PlannedCommand): Promise<Answer<Outcome>> {
    const sync = cmd.channel === 'http-sync';
    const body = {
      ...this.body(cmd),
      target: { pool: POOL },
      ...(sync ? { mode: 'sync', timeoutMs: SYNC_TIMEOUT_MS } : {}),
    };
    const res = await this.http(
      'POST',
      `${this.gatewayUrl()}/v1/commands`,
      body,
      sync ? SYNC_TIMEOUT_MS + 10_000 : 15_000,
    );
    const id = typeof res.body.id === 'string' ? res.body.id : undefined;
    const problem = typeof res.body.type === 'string' ? res.body.type : '';
    if (!sync) {
      if (res.status === 202 || res.status === 200) return { done: true, value: { id } };
      if (res.status >= 400 && res.status < 500)
        return { done: true, value: { clientError: `${res.status} ${JSON.stringify(res.body)}` } };
      return { done: false, why: `HTTP ${res.status}` };
    }
    switch (res.status) {
      case 200:
        return { done: true, value: { id, told: 'succeeded' } };
      case 422:
        return { done: true, value: { id, told: 'failed' } };
      case 504:
      case 507:
        return { done: true, value: { id } };
      case 503:
        // With an id the dispatcher refused it (cancelled no_agent/saturated); without, no row was made.
        return { done: true, value: id ? { id, told: 'cancelled' } : {} };
      case 500:
        if (problem.endsWith(':command-ended') && id) {
          const state = res.body.state;
          return { done: true, value: { id, ...(isTerminal(state) ? { told: state } : {}) } };
        }
        return { done: false, why: `HTTP 500 ${problem}` };
      default:
        if (res.status >= 400 && res.status < 500) {
          return { done: true, value: { clientError: `${res.status} ${JSON.stringify(res.body)}` } };
        }
        return { done: false, why: `HTTP ${res.status}` };
    }
  }

  private async askPublish(cmd: PlannedCommand): Promise<Answer<Outcome>> {
    await this.js.publish(this.subjects.submitToPool(POOL), JSON.stringify(this.body(cmd)), {
      msgID: cmd.idempotencyKey,
      timeout: 5_000,
    });
    return { done: true, value: { id: cmd.id } };
  }

  private async askRequest(cmd: PlannedCommand): Promise<Answer<Outcome>> {
    const h = headers();
    h.set('Nats-Msg-Id', cmd.idempotencyKey);
    const msg = await this.nc.request(
      this.subjects.callToPool(POOL),
      JSON.stringify({ ...this.body(cmd), timeoutMs: SYNC_TIMEOUT_MS }),
      { timeout: SYNC_TIMEOUT_MS + 5_000, headers: h },
    );
    const reply = msg.json<{ status: number; id?: string; state?: string; error?: { code?: string } }>();
    const id = reply.id;
    switch (reply.status) {
      case 200:
        return { done: true, value: { id, told: 'succeeded' } };
      case 422:
        return { done: true, value: { id, told: 'failed' } };
      case 504:
      case 507:
        return { done: true, value: { id } };
      case 503:
        return { done: true, value: id ? { id, told: 'cancelled' } : {} };
      case 500:
        if (reply.error?.code === 'command-ended' && id) {
          return { done: true, value: { id, ...(isTerminal(reply.state) ? { told: reply.state } : {}) } };
        }
        return { done: false, why: `status 500 ${reply.error?.code}` };
      default:
        if (reply.status >= 400 && reply.status < 500) {
          return { done: true, value: { clientError: `${reply.status} ${JSON.stringify(reply)}` } };
        }
        return { done: false, why: `status ${reply.status}` };
    }
  }

  private async cancel(id: string): Promise<void> {
    this.counters.cancelsSent += 1;
    await untilAnswered(async (): Promise<Answer<number>> => {
      const res = await this.http('POST', `${this.gatewayUrl()}/v1/commands/${id}/cancel`, {}, 15_000);
      return res.status < 500 ? { done: true, value: res.status } : { done: false, why: `HTTP ${res.status}` };
    });
  }

  /**
   * Repeats `count` answered submissions exactly (same id, body, Nats-Msg-Id
   * or idempotency key), `times` each. Over HTTP the answer must name the
   * same command; anything else is written down for the checker.
   */
  async duplicateBurst(rng: Rng, count: number, times: number): Promise<number> {
    if (this.repeatable.length === 0) return 0;
    const picks = Array.from({ length: count }, () => rng.pick(this.repeatable));
    let sent = 0;
    await Promise.all(
      picks.flatMap((cmd) =>
        Array.from({ length: times }, async () => {
          const outcome = await untilAnswered(() => this.ask(cmd));
          sent += 1;
          const id = this.answeredIds.get(cmd.n)!;
          if (outcome?.id && outcome.id !== id) {
            this.recorder.write(cmd.channel, {
              kind: 'replay-mismatch',
              id,
              otherId: outcome.id,
              channel: cmd.channel,
              at: new Date().toISOString(),
            });
          }
        }),
      ),
    );
    this.counters.duplicatesSent += sent;
    return sent;
  }
}
