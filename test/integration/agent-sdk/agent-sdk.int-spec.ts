import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { AckPolicy, type ConsumerMessages, DeliverPolicy } from '@nats-io/jetstream';
import { type Agent, type AgentOptions, connect, type Handler, STATUS_DETAIL_INTERVAL_MS } from '@switchyard/agent-sdk';
import {
  type ControlMessage,
  type Delivery,
  JetStreamService,
  type Report,
  type SessionEvent,
  type StatusEvent,
} from '@switchyard/messaging';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { delay, demoHandlers } from '../../../apps/demo-agents/src/demo-handlers';
import { waitFor } from '../../support/wait';
import { TcpProxy } from './tcp-proxy';

/**
 * The agent SDK against the real NATS server: a namespace of its own, the
 * REPORTS and AGENT_STATUS streams as the services create them, and a test
 * consumer standing in for the dispatcher. Deliveries and control messages
 * are published exactly as the dispatcher publishes them.
 */

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const namespace = `t${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

interface Stored<T> {
  subject: string;
  body: T;
}

/** Everything a stream receives, in stream order. */
class StreamTap<T> {
  readonly messages: Stored<T>[] = [];
  private loop?: Promise<void>;

  constructor(
    private readonly iterator: ConsumerMessages,
    ack: boolean,
  ) {
    this.loop = (async () => {
      for await (const m of iterator) {
        this.messages.push({ subject: m.subject, body: m.json<T>() });
        if (ack) m.ack();
      }
    })();
  }

  on(subject: string): T[] {
    return this.messages.filter((m) => m.subject === subject).map((m) => m.body);
  }

  async stop(): Promise<void> {
    await this.iterator.close();
    await this.loop;
  }
}

let js: JetStreamService;
let reports: StreamTap<Report | SessionEvent>;
let statuses: StreamTap<StatusEvent>;
const agents: Agent[] = [];

beforeAll(async () => {
  js = await JetStreamService.connect({ servers: [NATS_URL], namespace, name: 'agent-sdk-int-spec' });
  await js.ensureStreams(['reports', 'agentStatus']);
  // The REPORTS stream is a work queue: this durable plays the dispatcher's part.
  await js.jsm.consumers.add(js.streams.reports, {
    durable_name: 'agent_sdk_spec',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
  });
  reports = new StreamTap(await (await js.js.consumers.get(js.streams.reports, 'agent_sdk_spec')).consume(), true);
  statuses = new StreamTap(await (await js.js.consumers.get(js.streams.agentStatus)).consume(), false);
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close({ drainTimeoutMs: 100, flushTimeoutMs: 1_000 })));
});

afterAll(async () => {
  await reports?.stop();
  await statuses?.stop();
  if (js) {
    for (const stream of [js.streams.reports, js.streams.agentStatus]) {
      await js.jsm.streams.delete(stream).catch(() => undefined);
    }
    await js.close();
  }
});

async function startAgent(agentId: string, options: Partial<AgentOptions> = {}): Promise<Agent> {
  const agent = await connect({
    servers: NATS_URL,
    namespace,
    agentId,
    pools: ['demo'],
    handlers: demoHandlers,
    heartbeatIntervalMs: 200,
    ...options,
  });
  agents.push(agent);
  return agent;
}

function delivery(type: string, payload: unknown, overrides: Partial<Delivery> = {}): Delivery {
  return {
    id: randomUUID(),
    type,
    payload,
    attempt: 1,
    deadlineAt: new Date(Date.now() + 60_000).toISOString(),
    ackTimeoutMs: 5_000,
    heartbeatTimeoutMs: 30_000,
    depth: 0,
    caller: 'agent-sdk-spec',
    ...overrides,
  };
}

function deliver(agentId: string, ...deliveries: Delivery[]): void {
  for (const d of deliveries) js.sendJson(js.subjects.deliver(agentId), d);
}

function reportsOf(agentId: string, commandId: string): Report[] {
  return (reports.on(js.subjects.report(agentId)) as Report[]).filter((r) => r.commandId === commandId);
}

function kindsOf(agentId: string, commandId: string): Report['kind'][] {
  return reportsOf(agentId, commandId)
    .map((r) => r.kind)
    .filter((k) => k !== 'heartbeat');
}

function outcomeOf(agentId: string, commandId: string): Promise<Report> {
  return waitFor(`an outcome for ${commandId}`, () =>
    reportsOf(agentId, commandId).find((r) => r.kind === 'succeeded' || r.kind === 'failed' || r.kind === 'released'),
  );
}

function sessionsOf(agentId: string): SessionEvent[] {
  return reports.on(js.subjects.session(agentId)) as SessionEvent[];
}

function phasesOf(agentId: string): StatusEvent['phase'][] {
  return statuses.on(js.subjects.status(agentId)).map((s) => s.phase);
}

/** Wraps a handler to count how many of its calls run at the same time. */
function gauged(handler: Handler) {
  const gauge = { running: 0, max: 0, calls: [] as string[] };
  const wrapped: Handler = async (payload, ctx) => {
    gauge.calls.push(ctx.commandId);
    gauge.running += 1;
    gauge.max = Math.max(gauge.max, gauge.running);
    try {
      return await handler(payload, ctx);
    } finally {
      gauge.running -= 1;
    }
  };
  return { gauge, wrapped };
}

describe('agent SDK against NATS JetStream', () => {
  it('announces its session and reports idle', async () => {
    const agent = await startAgent('hello', { name: 'Hello agent', concurrency: 3 });

    const [connectEvent] = await waitFor(
      'a session connect',
      () => sessionsOf('hello').length > 0 && sessionsOf('hello'),
    );
    expect(connectEvent).toEqual({
      kind: 'connect',
      sessionId: agent.sessionId,
      name: 'Hello agent',
      pools: ['demo'],
      concurrency: 3,
      transport: 'nats',
    });
    await waitFor('status idle', () => phasesOf('hello').includes('idle'));
    await waitFor('a session heartbeat', () => sessionsOf('hello').some((e) => e.kind === 'heartbeat'));
    expect(statuses.on(js.subjects.status('hello'))[0]).toMatchObject({ phase: 'idle', sessionId: agent.sessionId });
  });

  it('reports the echo result; finished at once, it stands for the acceptance', async () => {
    const agent = await startAgent('echo');
    const d = delivery('echo', { hello: 'world', n: [1, 2] });
    const completed = once(agent, 'completed');
    // Statuses are paced: after a quiet spell the next one goes at once, so this command's busy is published.
    await waitFor('status idle', () => phasesOf('echo').includes('idle'));
    await delay(STATUS_DETAIL_INTERVAL_MS, new AbortController().signal);

    deliver('echo', d);

    const outcome = await outcomeOf('echo', d.id);
    expect(outcome).toEqual({
      commandId: d.id,
      attempt: 1,
      sessionId: agent.sessionId,
      kind: 'succeeded',
      result: { hello: 'world', n: [1, 2] },
    });
    // The handler finished before the next turn of the event loop: the outcome implies the acceptance.
    expect(kindsOf('echo', d.id)).toEqual(['succeeded']);
    await completed;
    expect(agent.held()).toBe(0);
    await waitFor('status busy, then idle again', () => phasesOf('echo').join() === 'idle,busy,idle');
    expect(statuses.on(js.subjects.status('echo'))[1]).toMatchObject({ phase: 'busy', commandId: d.id });
  });

  it('reports accepted first when the handler is still running on the next turn', async () => {
    await startAgent('slow', {
      handlers: { nap: () => delay(30, new AbortController().signal).then(() => 'rested') },
    });
    const d = delivery('nap', null);
    deliver('slow', d);
    expect(await outcomeOf('slow', d.id)).toMatchObject({ kind: 'succeeded', result: 'rested' });
    expect(kindsOf('slow', d.id)).toEqual(['accepted', 'succeeded']);
  });

  it('sends nothing on a delivery reply subject: the report is the only answer', async () => {
    await startAgent('quiet');
    const inbox = `${namespace}.spec-inbox.quiet`;
    const answers: unknown[] = [];
    const sub = js.nc.subscribe(inbox, { callback: (_err, msg) => void answers.push(msg.data) });
    await js.nc.flush();
    const d = delivery('echo', 'hi');
    js.nc.publish(js.subjects.deliver('quiet'), JSON.stringify(d), { reply: inbox });

    expect(await outcomeOf('quiet', d.id)).toMatchObject({ kind: 'succeeded', result: 'hi' });
    // The report went after any receipt would have; one more round trip lets a stray one arrive.
    await js.nc.flush();
    sub.unsubscribe();
    expect(answers).toEqual([]);
  });

  it('reports an undefined result as null', async () => {
    await startAgent('void', { handlers: { nothing: () => Promise.resolve(undefined) } });
    const d = delivery('nothing', null);
    deliver('void', d);
    expect(await outcomeOf('void', d.id)).toMatchObject({ kind: 'succeeded', result: null });
  });

  it('reports progress in order between accepted and the outcome', async () => {
    await startAgent('progress', {
      handlers: {
        steps: async (_payload, ctx) => {
          await ctx.progress({ step: 1 });
          await ctx.progress({ step: 2 });
          return 'done';
        },
      },
    });
    const d = delivery('steps', null);
    deliver('progress', d);
    await outcomeOf('progress', d.id);
    expect(kindsOf('progress', d.id)).toEqual(['accepted', 'progress', 'progress', 'succeeded']);
    expect(reportsOf('progress', d.id).filter((r) => r.kind === 'progress')).toMatchObject([
      { progress: { step: 1 } },
      { progress: { step: 2 } },
    ]);
  });

  it('reports failures with their code and retry decision', async () => {
    await startAgent('failing', {
      concurrency: 4,
      handlers: { ...demoHandlers, boom: () => Promise.reject(new Error('kaput')) },
    });
    const retryable = delivery('fail', { times: 1 });
    const final = delivery('fail', { times: 2, retryable: false });
    const thrown = delivery('boom', {});
    const unknown = delivery('no-such-type', {});
    const passing = delivery('fail', { times: 1 }, { attempt: 2 });

    deliver('failing', retryable, final, thrown, unknown, passing);

    expect(await outcomeOf('failing', retryable.id)).toMatchObject({
      kind: 'failed',
      error: { message: 'planned failure 1 of 1', code: 'planned_failure' },
      retryable: true,
    });
    expect(await outcomeOf('failing', final.id)).toMatchObject({ kind: 'failed', retryable: false });
    expect(await outcomeOf('failing', thrown.id)).toMatchObject({
      kind: 'failed',
      error: { message: 'kaput' },
      retryable: true,
    });
    expect(await outcomeOf('failing', unknown.id)).toMatchObject({
      kind: 'failed',
      error: { code: 'unknown_type' },
      retryable: false,
    });
    expect(await outcomeOf('failing', passing.id)).toMatchObject({ kind: 'succeeded', result: { attempts: 2 } });
    // Each failed at once, so the failure stands for the acceptance.
    for (const d of [retryable, final, thrown, unknown]) expect(kindsOf('failing', d.id)).toEqual(['failed']);
  });

  it('drops an invalid delivery without reporting anything', async () => {
    const agent = await startAgent('strict');
    const delivered: Delivery[] = [];
    agent.on('delivered', (d) => delivered.push(d));
    const bad = { ...delivery('echo', 1), attempt: 0 };
    const good = delivery('echo', 2);

    js.sendJson(js.subjects.deliver('strict'), bad);
    js.nc.publish(js.subjects.deliver('strict'), 'not json');
    deliver('strict', good);

    await outcomeOf('strict', good.id);
    expect(delivered.map((d) => d.id)).toEqual([good.id]);
    expect(reportsOf('strict', bad.id)).toEqual([]);
  });

  it('runs at most `concurrency` handlers, keeps the rest accepted and heart-beaten', async () => {
    const { gauge, wrapped } = gauged(demoHandlers.sleep);
    await startAgent('pair', { concurrency: 2, heartbeatIntervalMs: 100, handlers: { sleep: wrapped } });
    const sleeps = [1, 2, 3, 4].map(() => delivery('sleep', { ms: 400 }));

    deliver('pair', ...sleeps);

    // All four are accepted at once, although only two can run.
    await waitFor('four accepted', () => sleeps.every((d) => kindsOf('pair', d.id).includes('accepted')));
    expect(gauge.calls).toHaveLength(2);
    for (const d of sleeps) {
      expect(await outcomeOf('pair', d.id)).toMatchObject({ kind: 'succeeded', result: { slept: 400 } });
    }
    expect(gauge.max).toBe(2);
    expect(gauge.calls).toEqual(sleeps.map((d) => d.id)); // FIFO
    // The last two waited ~400 ms for a slot: they were heart-beaten meanwhile.
    for (const d of sleeps) {
      expect(reportsOf('pair', d.id).filter((r) => r.kind === 'heartbeat').length).toBeGreaterThan(0);
      expect(kindsOf('pair', d.id)).toEqual(['accepted', 'succeeded']);
    }
  });

  it('ignores a duplicate delivery of an attempt it holds or finished', async () => {
    const { gauge, wrapped } = gauged(demoHandlers.sleep);
    await startAgent('dupes', { concurrency: 2, handlers: { sleep: wrapped } });
    const d = delivery('sleep', { ms: 200 });

    deliver('dupes', d, d);
    await outcomeOf('dupes', d.id);
    deliver('dupes', d);
    const later = delivery('sleep', { ms: 1 });
    deliver('dupes', later);
    await outcomeOf('dupes', later.id);

    expect(gauge.calls).toEqual([d.id, later.id]);
  });

  it('aborts the handler signal on a cancel message', async () => {
    const agent = await startAgent('cancel');
    const d = delivery('sleep', { ms: 30_000 });
    const started = once(agent, 'started');
    deliver('cancel', d);
    await started;

    const cancel: ControlMessage = { kind: 'cancel', commandId: d.id, attempt: 1 };
    js.sendJson(js.subjects.control('cancel'), cancel);

    expect(await outcomeOf('cancel', d.id)).toMatchObject({
      kind: 'failed',
      error: { code: 'cancelled' },
      retryable: false,
    });
  });

  it('aborts the handler signal when the deadline passes', async () => {
    await startAgent('deadline');
    const d = delivery('sleep', { ms: 30_000 }, { deadlineAt: new Date(Date.now() + 300).toISOString() });
    deliver('deadline', d);
    expect(await outcomeOf('deadline', d.id)).toMatchObject({
      kind: 'failed',
      error: { code: 'deadline_exceeded' },
      retryable: false,
    });
  });

  it('close() releases queued work, lets running work finish, and goes offline', async () => {
    const agent = await startAgent('closing', { concurrency: 1 });
    const [first, second, third] = [1, 2, 3].map(() => delivery('sleep', { ms: 300 }));
    const delivered = new Set<string>();
    agent.on('delivered', (d) => delivered.add(d.id));
    deliver('closing', first, second, third);
    await waitFor('three delivered', () => delivered.size === 3);
    expect(agent.held()).toBe(3);

    await agent.close({ drainTimeoutMs: 5_000 });

    expect(agent.held()).toBe(0);
    expect(kindsOf('closing', first.id)).toEqual(['accepted', 'succeeded']);
    expect(kindsOf('closing', second.id)).toEqual(['accepted', 'released']);
    expect(kindsOf('closing', third.id)).toEqual(['accepted', 'released']);
    expect(
      sessionsOf('closing')
        .map((e) => e.kind)
        .at(-1),
    ).toBe('disconnect');
    expect(phasesOf('closing').slice(-2)).toEqual(['draining', 'offline']);

    // Deliveries after close reach nobody.
    const late = delivery('echo', 'late');
    deliver('closing', late);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reportsOf('closing', late.id)).toEqual([]);
  });

  it('close() aborts and releases what outlives the drain timeout', async () => {
    const agent = await startAgent('stubborn');
    const d = delivery('sleep', { ms: 30_000 });
    const started = once(agent, 'started');
    deliver('stubborn', d);
    await started;

    const began = Date.now();
    await agent.close({ drainTimeoutMs: 200 });

    expect(Date.now() - began).toBeLessThan(5_000);
    expect(kindsOf('stubborn', d.id)).toEqual(['accepted', 'released']);
    expect(agent.held()).toBe(0);
  });

  it('waits for NATS when it starts first', async () => {
    const target = new URL(NATS_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 4222));
    await proxy.start();
    await proxy.cut(); // keeps the port, refuses connections

    const connecting = startAgent('early', { servers: proxy.url });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await proxy.start();
    const agent = await connecting;

    const d = delivery('echo', 'late but fine');
    deliver('early', d);
    expect(await outcomeOf('early', d.id)).toMatchObject({ kind: 'succeeded', result: 'late but fine' });
    await agent.close();
    await proxy.cut();
  });

  it('keeps a result through a NATS outage and announces the session again', async () => {
    const target = new URL(NATS_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 4222));
    await proxy.start();
    let finished = false;
    const agent = await startAgent('outage', {
      servers: proxy.url,
      handlers: {
        slow: async (_payload, ctx) => {
          await delay(300, ctx.signal);
          finished = true;
          return { survived: true };
        },
      },
    });
    await waitFor('a session connect', () => sessionsOf('outage').length > 0);
    const d = delivery('slow', {});
    const started = once(agent, 'started');
    deliver('outage', d);
    await started;
    await waitFor('accepted', () => kindsOf('outage', d.id).includes('accepted'));

    await proxy.cut();
    await waitFor('the handler to finish during the outage', () => finished);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(kindsOf('outage', d.id)).toEqual(['accepted']);
    await proxy.start();

    expect(await outcomeOf('outage', d.id)).toMatchObject({ kind: 'succeeded', result: { survived: true } });
    await waitFor(
      'a second session connect',
      () => sessionsOf('outage').filter((e) => e.kind === 'connect').length === 2,
    );
    expect(new Set(sessionsOf('outage').map((e) => e.sessionId))).toEqual(new Set([agent.sessionId]));
    await agent.close();
    await proxy.cut();
  });
});
