import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { connect as connectAgent } from '@switchyard/agent-sdk';
import { streamConfigs, streamsFor, subjectsFor, type Subjects } from '@switchyard/messaging';
import { applyAgentStatus, connectAgent as connectAgentRow } from '@switchyard/persistence';
import { v7 as uuidv7 } from 'uuid';
import { seedCommands } from '../../support/fixtures';
import { SseClient, type SseEvent } from '../../support/sse';
import { createTestEnv, TEST_ADMIN_KEY, TestEnv } from '../../support/test-env';
import { waitFor } from '../../support/wait';
import { bootGateway, mintAgent, mintClient, PROBLEM_JSON } from './in-process-gateway';

/**
 * Agents read API and the SSE status streams, against the gateway in-process
 * and the real Postgres and NATS. Events are published straight onto their
 * subjects (as the dispatcher, the orchestrator and agents do), interleaved
 * with other commands' and agents' events so that stream sequences are not
 * contiguous within one subject.
 */

const KEEPALIVE_MS = 200;
const LIFECYCLE = ['submit', 'claim', 'accept', 'progress', 'progress', 'progress', 'progress', 'succeed', 'progress'];

describe('agents API and status streams (gateway in-process, real Postgres and NATS)', () => {
  let t: TestEnv;
  let app: INestApplication;
  let base: string;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let subjects: Subjects;
  let streams: ReturnType<typeof streamsFor>;
  let alice: { apiKey: string; clientId: string };
  let bob: { apiKey: string; clientId: string };
  let revoked: string;
  let worker1: string;
  let worker2: string;
  const open: SseClient[] = [];

  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const admin = { 'x-admin-key': TEST_ADMIN_KEY };

  async function sse(path: string, headers: Record<string, string>): Promise<SseClient> {
    const client = await SseClient.connect(`${base}${path}`, headers);
    open.push(client);
    return client;
  }

  async function get(path: string, headers: Record<string, string>) {
    const res = await fetch(`${base}${path}`, { headers });
    const text = await res.text();
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      body: text ? JSON.parse(text) : undefined,
    };
  }

  async function consumerCount(stream: 'commandEvents' | 'agentStatus'): Promise<number> {
    return (await jsm.streams.info(streams[stream])).state.consumer_count;
  }

  async function commandOf(clientId: string): Promise<string> {
    const [row] = await seedCommands(t.pool, 1, { caller: `client:${clientId}`, target: 'worker-1' });
    return row.id;
  }

  /** Publishes the n-th lifecycle event of a command; returns its stream sequence. */
  async function lifecycle(commandId: string, n: number): Promise<number> {
    const ack = await js.publish(
      subjects.commandEvents(commandId),
      JSON.stringify({ commandId, event: LIFECYCLE[n], attempt: 1, n, at: new Date().toISOString() }),
    );
    return ack.seq;
  }

  async function status(agentId: string, n: number): Promise<number> {
    const ack = await js.publish(
      subjects.status(agentId),
      JSON.stringify({ phase: n % 2 ? 'busy' : 'idle', activity: `step ${n}`, at: new Date().toISOString() }),
    );
    return ack.seq;
  }

  /** Publishes `count` events for `publish`, each followed by one for `noise`; returns the first's sequences. */
  async function interleaved(
    count: number,
    from: number,
    publish: (n: number) => Promise<number>,
    noise: (n: number) => Promise<number>,
  ): Promise<number[]> {
    const seqs: number[] = [];
    for (let n = from; n < from + count; n++) {
      seqs.push(await publish(n));
      await noise(n);
    }
    return seqs;
  }

  const ids = (events: SseEvent[]) => events.map((e) => Number(e.id));

  beforeAll(async () => {
    t = await createTestEnv();
    app = await bootGateway(t, { SSE_KEEPALIVE_MS: String(KEEPALIVE_MS) });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    nc = await natsConnect({ servers: t.natsUrl });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    subjects = subjectsFor(t.namespace);
    streams = streamsFor(t.namespace);
    alice = await mintClient(app, 'alice');
    bob = await mintClient(app, 'bob');
    const gone = await mintClient(app, 'gone');
    const del = await fetch(`${base}/v1/admin/keys/${gone.keyId}`, { method: 'DELETE', headers: admin });
    expect(del.status).toBe(204);
    revoked = gone.apiKey;
    worker1 = (await mintAgent(app, 'worker-1', { pools: ['alpha', 'beta'], concurrency: 4 })).apiKey;
    worker2 = (await mintAgent(app, 'worker-2', { pools: ['beta'] })).apiKey;
    await mintAgent(app, 'worker-3', { pools: ['gamma'] });
  });

  afterEach(async () => {
    for (const client of open.splice(0)) client.close();
    // Every stream a test opened is gone with its consumer: none leaks into the next test.
    await waitFor('no consumers left', async () =>
      (await consumerCount('commandEvents')) === 0 && (await consumerCount('agentStatus')) === 0 ? true : undefined,
    );
  });

  afterAll(async () => {
    await app?.close();
    await nc?.close();
    await t?.teardown();
  });

  describe('resume after a disconnect: no gap, no duplicate, then live', () => {
    const forms: { name: string; resume: (id: number) => { path: string; headers: Record<string, string> } }[] = [
      { name: 'Last-Event-ID header', resume: (id) => ({ path: '', headers: { 'last-event-id': String(id) } }) },
      { name: 'lastEventId query parameter', resume: (id) => ({ path: `?lastEventId=${id}`, headers: {} }) },
    ];

    it.each(forms)("a command's events, $name", async ({ resume }) => {
      const id = await commandOf(alice.clientId);
      const other = await commandOf(alice.clientId);
      const first = await interleaved(
        5,
        0,
        (n) => lifecycle(id, n),
        (n) => lifecycle(other, n),
      );

      const before = await sse(`/v1/commands/${id}/events`, bearer(alice.apiKey));
      const seen = await before.waitForEvents(5);
      expect(ids(seen)).toEqual(first);
      expect(seen.map((e) => e.event)).toEqual(LIFECYCLE.slice(0, 5));
      expect(seen.map((e) => JSON.parse(e.data).n)).toEqual([0, 1, 2, 3, 4]);
      before.close();

      // Published while the client is away.
      const missed = await interleaved(
        3,
        5,
        (n) => lifecycle(id, n),
        (n) => lifecycle(other, n),
      );

      const { path, headers } = resume(first[4]);
      const after = await sse(`/v1/commands/${id}/events${path}`, { ...bearer(alice.apiKey), ...headers });
      expect(ids(await after.waitForEvents(3))).toEqual(missed);
      const live = await lifecycle(id, 8);
      await after.waitForEvents(4);
      expect(ids(after.events)).toEqual([...missed, live]);
      expect(after.events.map((e) => e.event)).toEqual(LIFECYCLE.slice(5, 9));
      expect(after.events.map((e) => JSON.parse(e.data))).toEqual(
        [5, 6, 7, 8].map((n) => expect.objectContaining({ commandId: id, event: LIFECYCLE[n], n })),
      );
    });

    it.each(forms)("an agent's status, $name", async ({ resume }) => {
      const first = await interleaved(
        5,
        0,
        (n) => status('worker-1', n),
        (n) => status('worker-2', n),
      );

      // The agent's earlier history (other tests) is skipped by starting just before this test's first status.
      const before = await sse(`/v1/agents/worker-1/events?lastEventId=${first[0] - 1}`, bearer(bob.apiKey));
      const seen = await before.waitForEvents(5);
      expect(ids(seen)).toEqual(first);
      before.close();

      const missed = await interleaved(
        3,
        5,
        (n) => status('worker-1', n),
        (n) => status('worker-2', n),
      );

      const { path, headers } = resume(Number(seen[4].id));
      const after = await sse(`/v1/agents/worker-1/events${path}`, { ...bearer(bob.apiKey), ...headers });
      expect(ids(await after.waitForEvents(3))).toEqual(missed);
      const live = await status('worker-1', 8);
      await after.waitForEvents(4);
      expect(ids(after.events)).toEqual([...missed, live]);
      expect(after.events.every((e) => e.event === 'status')).toBe(true);
      expect(after.events.map((e) => JSON.parse(e.data))).toEqual(
        [5, 6, 7, 8].map((n) => expect.objectContaining({ agentId: 'worker-1', activity: `step ${n}` })),
      );
    });

    it('all agents: resumes across agents in stream order', async () => {
      const start = await status('worker-3', 0);
      const before = await sse(`/v1/agents/events?lastEventId=${start - 1}`, admin);
      await before.waitForEvents(1);
      before.close();
      const missed = [await status('worker-1', 1), await status('worker-2', 2), await status('worker-3', 3)];
      const after = await sse('/v1/agents/events', { ...admin, 'last-event-id': String(start) });
      expect(ids(await after.waitForEvents(3))).toEqual(missed);
      expect(after.events.map((e) => JSON.parse(e.data).agentId)).toEqual(['worker-1', 'worker-2', 'worker-3']);
      const live = await status('worker-2', 4);
      await after.waitForEvents(4);
      expect(ids(after.events)).toEqual([...missed, live]);
    });
  });

  describe('fresh connections', () => {
    it("a command's stream replays its retained history, then follows live", async () => {
      const id = await commandOf(bob.clientId);
      const history = [await lifecycle(id, 0), await lifecycle(id, 1)];
      const client = await sse(`/v1/commands/${id}/events`, bearer(bob.apiKey));
      expect(ids(await client.waitForEvents(2))).toEqual(history);
      const live = await lifecycle(id, 2);
      await client.waitForEvents(3);
      expect(ids(client.events)).toEqual([...history, live]);
    });

    it('the all-agents stream starts from the latest status of each agent, then follows live', async () => {
      await status('worker-1', 20);
      const latest1 = await status('worker-1', 21);
      const latest2 = await status('worker-2', 22);
      const latest3 = await status('worker-3', 23);
      const client = await sse('/v1/agents/events', bearer(alice.apiKey));
      await client.waitForEvents(3);
      expect(ids(client.events)).toEqual([latest1, latest2, latest3]);
      const live = await status('worker-2', 24);
      await client.waitForEvents(4);
      expect(ids(client.events)).toEqual([latest1, latest2, latest3, live]);
    });

    it('an agent key follows its own status', async () => {
      const seq = await status('worker-2', 30);
      const client = await sse('/v1/agents/worker-2/events?lastEventId=' + (seq - 1), bearer(worker2));
      expect(ids(await client.waitForEvents(1))).toEqual([seq]);
    });

    it('an agent key follows the events of a command assigned to it', async () => {
      const [row] = await seedCommands(t.pool, 1, { caller: `client:${alice.clientId}`, target: 'worker-1' });
      await t.pool.query(`UPDATE commands SET assigned_agent = 'worker-1', state = 'dispatched' WHERE id = $1`, [
        row.id,
      ]);
      const seq = await lifecycle(row.id, 1);
      const client = await sse(`/v1/commands/${row.id}/events`, bearer(worker1));
      expect(ids(await client.waitForEvents(1))).toEqual([seq]);
    });

    it('answers with the event-stream headers at once, before any event', async () => {
      const id = await commandOf(alice.clientId);
      const client = await sse(`/v1/commands/${id}/events`, bearer(alice.apiKey));
      expect(client.status).toBe(200);
      expect(client.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(client.headers.get('cache-control')).toContain('no-cache');
    });
  });

  describe('connection lifetime', () => {
    it('writes a keep-alive comment every SSE_KEEPALIVE_MS on an idle stream', async () => {
      const id = await commandOf(alice.clientId);
      const client = await sse(`/v1/commands/${id}/events`, bearer(alice.apiKey));
      const started = Date.now();
      await client.waitForComment('keep-alive', 5_000);
      await waitFor('three keep-alives', () => client.comments.filter((c) => c === 'keep-alive').length >= 3, {
        timeoutMs: 5_000,
      });
      // Three intervals at least went by; not far more (the default would be 15 s).
      expect(Date.now() - started).toBeGreaterThanOrEqual(3 * KEEPALIVE_MS - 50);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(client.events).toEqual([]);
    });

    it.each([
      {
        name: "a command's stream",
        stream: 'commandEvents' as const,
        path: async () => `/v1/commands/${await commandOf(alice.clientId)}/events`,
      },
      {
        name: "an agent's stream",
        stream: 'agentStatus' as const,
        path: () => Promise.resolve('/v1/agents/worker-3/events'),
      },
      {
        name: 'the all-agents stream',
        stream: 'agentStatus' as const,
        path: () => Promise.resolve('/v1/agents/events'),
      },
    ])('deletes the consumer behind $name when the client goes away', async ({ stream, path }) => {
      expect(await consumerCount(stream)).toBe(0);
      const url = await path();
      const clients = [await sse(url, bearer(alice.apiKey)), await sse(url, bearer(alice.apiKey))];
      await waitFor('one consumer per client', async () => ((await consumerCount(stream)) === 2 ? true : undefined));
      clients[0].close();
      await waitFor('the first consumer deleted', async () => ((await consumerCount(stream)) === 1 ? true : undefined));
      clients[1].close();
      await waitFor('every consumer deleted', async () => ((await consumerCount(stream)) === 0 ? true : undefined));
    });

    it('a gateway shutting down ends its open streams and deletes their consumers', async () => {
      const other = await bootGateway(t, { SSE_KEEPALIVE_MS: String(KEEPALIVE_MS) });
      await other.listen(0, '127.0.0.1');
      const url = (await other.getUrl()).replace('[::1]', '127.0.0.1');
      const client = await SseClient.connect(`${url}/v1/agents/events`, admin);
      open.push(client);
      await waitFor('its consumer', async () => ((await consumerCount('agentStatus')) === 1 ? true : undefined));
      const started = Date.now();
      await other.close();
      expect(Date.now() - started).toBeLessThan(5_000);
      await client.waitForEnd();
      expect(await consumerCount('agentStatus')).toBe(0);
    });

    it('a client that leaves at once leaves no consumer behind', async () => {
      const id = await commandOf(alice.clientId);
      for (let i = 0; i < 5; i++) (await sse(`/v1/commands/${id}/events`, bearer(alice.apiKey))).close();
      await waitFor('no consumers', async () => ((await consumerCount('commandEvents')) === 0 ? true : undefined));
    });
  });

  describe('the agents read API', () => {
    beforeAll(async () => {
      const now = new Date();
      await connectAgentRow(
        t.pool,
        { id: 'worker-1', pools: ['alpha', 'beta'], concurrency: 4, sessionId: 's-1', transport: 'nats' },
        now,
      );
      await applyAgentStatus(
        t.pool,
        'worker-1',
        { phase: 'busy', activity: 'running echo', detail: 'half way', commandId: uuidv7(), sessionId: 's-1' },
        now,
      );
      await connectAgentRow(
        t.pool,
        { id: 'worker-2', pools: ['beta'], concurrency: 1, sessionId: 's-2', transport: 'http' },
        now,
      );
    });

    it('lists every agent with its pools, concurrency, status and last heartbeat, by id', async () => {
      const res = await get('/v1/agents', bearer(alice.apiKey));
      expect(res.status).toBe(200);
      expect(res.body.items.map((a: { id: string }) => a.id)).toEqual(['worker-1', 'worker-2', 'worker-3']);
      const [w1, , w3] = res.body.items;
      expect(w1).toEqual({
        id: 'worker-1',
        name: 'worker-1',
        pools: ['alpha', 'beta'],
        concurrency: 4,
        status: {
          phase: 'busy',
          activity: 'running echo',
          detail: 'half way',
          commandId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          at: expect.any(String),
        },
        lastHeartbeatAt: expect.any(String),
      });
      expect(w3.status).toEqual({
        phase: 'offline',
        activity: null,
        detail: null,
        commandId: null,
        at: expect.any(String),
      });
      expect(w3.lastHeartbeatAt).toBeNull();
    });

    it.each([
      { query: '?pool=beta', expected: ['worker-1', 'worker-2'] },
      { query: '?pool=gamma', expected: ['worker-3'] },
      { query: '?pool=none', expected: [] },
      { query: '?status=busy', expected: ['worker-1'] },
      { query: '?status=idle', expected: ['worker-2'] },
      { query: '?status=offline&pool=gamma', expected: ['worker-3'] },
      { query: '?status=idle&pool=alpha', expected: [] },
    ])('filters by pool and status: $query', async ({ query, expected }) => {
      const res = await get(`/v1/agents${query}`, admin);
      expect(res.status).toBe(200);
      expect(res.body.items.map((a: { id: string }) => a.id)).toEqual(expected);
    });

    it('the admin key and client keys see every agent; an agent key only itself', async () => {
      const seen = async (headers: Record<string, string>) =>
        (await get('/v1/agents', headers)).body.items.map((a: { id: string }) => a.id);
      expect(await seen(admin)).toEqual(['worker-1', 'worker-2', 'worker-3']);
      expect(await seen(bearer(bob.apiKey))).toEqual(['worker-1', 'worker-2', 'worker-3']);
      expect(await seen(bearer(worker2))).toEqual(['worker-2']);
      expect((await get('/v1/agents?pool=alpha', bearer(worker2))).body.items).toEqual([]);
    });

    it('reads one agent', async () => {
      const res = await get('/v1/agents/worker-2', bearer(worker2));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: 'worker-2', pools: ['beta'], concurrency: 1, status: { phase: 'idle' } });
      expect((await get('/v1/agents/worker-1', admin)).body.status.phase).toBe('busy');
    });
  });

  it("the SDK's statuses reach the agent's stream: idle on connect, then draining and offline on close", async () => {
    // The SDK also publishes its session on the reports stream, which a dispatcher would have created.
    await jsm.streams.add(streamConfigs(t.namespace).reports);
    const { last_seq } = (await jsm.streams.info(streams.agentStatus)).state;
    const client = await sse(`/v1/agents/worker-3/events?lastEventId=${last_seq}`, bearer(alice.apiKey));
    const agent = await connectAgent({
      servers: t.natsUrl,
      namespace: t.namespace,
      agentId: 'worker-3',
      pools: ['gamma'],
      handlers: { echo: (payload: unknown) => Promise.resolve(payload) },
    });
    try {
      await waitFor('idle', () => client.events.some((e) => JSON.parse(e.data).phase === 'idle'));
    } finally {
      await agent.close();
    }
    await waitFor('offline', () => client.events.some((e) => JSON.parse(e.data).phase === 'offline'));
    const phases = client.events.map((e) => JSON.parse(e.data).phase);
    expect(phases[0]).toBe('idle');
    expect(phases[phases.length - 1]).toBe('offline');
    expect(client.events.every((e) => JSON.parse(e.data).agentId === 'worker-3')).toBe(true);
  });

  it('documents every route in the OpenAPI document, the streams as text/event-stream', async () => {
    const { body } = await get('/docs-json', {});
    const paths = body.paths as Record<
      string,
      { get?: { responses: Record<string, unknown>; parameters?: { name: string }[] } }
    >;
    for (const path of ['/v1/agents', '/v1/agents/{id}']) expect(paths[path]?.get?.responses).toHaveProperty('200');
    for (const path of ['/v1/agents/events', '/v1/agents/{id}/events', '/v1/commands/{id}/events']) {
      expect(JSON.stringify(paths[path]?.get?.responses['200'])).toContain('text/event-stream');
      expect(paths[path]?.get?.parameters?.map((p) => p.name)).toEqual(
        expect.arrayContaining(['Last-Event-ID', 'lastEventId']),
      );
    }
  });

  describe('refusals are problem+json', () => {
    let aliceCommand: string;
    beforeAll(async () => {
      aliceCommand = await commandOf(alice.clientId);
    });

    const ROUTES = [
      'GET /v1/agents',
      'GET /v1/agents/{id}',
      'GET /v1/agents/{id}/events',
      'GET /v1/agents/events',
      'GET /v1/commands/{id}/events',
    ] as const;
    const pathOf = (route: (typeof ROUTES)[number]) =>
      ({
        'GET /v1/agents': '/v1/agents',
        'GET /v1/agents/{id}': '/v1/agents/worker-1',
        'GET /v1/agents/{id}/events': '/v1/agents/worker-1/events',
        'GET /v1/agents/events': '/v1/agents/events',
        'GET /v1/commands/{id}/events': `/v1/commands/${aliceCommand}/events`,
      })[route];

    async function expectProblem(path: string, headers: Record<string, string>, status: number) {
      const res = await SseClient.open(`${base}${path}`, headers);
      if (res instanceof SseClient) {
        open.push(res);
        throw new Error(`${path} answered ${res.status} with an event stream, expected ${status}`);
      }
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
      const body = JSON.parse(res.body);
      expect(body).toMatchObject({ status, instance: path.split('?')[0] });
      return body;
    }

    const credentials: { name: string; headers: () => Record<string, string> }[] = [
      { name: 'no credentials', headers: () => ({}) },
      { name: 'a bearer that is not a key', headers: () => ({ authorization: 'Bearer nope' }) },
      {
        name: 'a real key id with a wrong secret',
        headers: () => bearer(alice.apiKey.slice(0, -1) + (alice.apiKey.endsWith('A') ? 'B' : 'A')),
      },
      { name: 'a revoked key', headers: () => bearer(revoked) },
      { name: 'a wrong x-admin-key', headers: () => ({ 'x-admin-key': 'wrong' }) },
    ];

    describe.each(credentials)('401 for $name', ({ headers }) => {
      it.each(ROUTES)('%s', async (route) => {
        await expectProblem(pathOf(route), headers(), 401);
      });
    });

    it.each(ROUTES.filter((r) => r.startsWith('GET /v1/agents')))(
      '401 for a wrong x-admin-key with a good bearer key on %s (the admin key is checked, not skipped)',
      async (route) => {
        await expectProblem(pathOf(route), { 'x-admin-key': 'wrong', ...bearer(alice.apiKey) }, 401);
      },
    );

    it.each([
      { path: '/v1/agents/worker-1', why: 'another agent' },
      { path: '/v1/agents/worker-1/events', why: "another agent's stream" },
      { path: '/v1/agents/nobody', why: 'an unknown agent (no hint that it does not exist)' },
      { path: '/v1/agents/events', why: 'the all-agents stream' },
    ])('403 for an agent key reading $why', async ({ path }) => {
      await expectProblem(path, bearer(worker2), 403);
    });

    it.each([
      {
        name: "another client's command",
        path: () => `/v1/commands/${aliceCommand}/events`,
        headers: () => bearer(bob.apiKey),
      },
      {
        name: 'a command not assigned to the agent',
        path: () => `/v1/commands/${aliceCommand}/events`,
        headers: () => bearer(worker2),
      },
      {
        name: 'an unknown command',
        path: () => `/v1/commands/${uuidv7()}/events`,
        headers: () => bearer(alice.apiKey),
      },
      { name: 'an unknown agent', path: () => '/v1/agents/nobody', headers: () => bearer(alice.apiKey) },
      { name: "an unknown agent's stream", path: () => '/v1/agents/nobody/events', headers: () => admin },
    ])('404 for $name', async ({ path, headers }) => {
      await expectProblem(path(), headers(), 404);
    });

    it.each([
      { path: '/v1/agents/Not_A_Slug', field: '(root)' },
      { path: '/v1/agents/-x/events', field: '(root)' },
      { path: '/v1/commands/not-a-uuid/events', field: '(root)' },
      { path: '/v1/agents?status=asleep', field: 'status' },
      { path: '/v1/agents?pool=Bad.Pool', field: 'pool' },
      { path: '/v1/agents?colour=red', field: '(root)' },
    ])('400 for a malformed request: $path', async ({ path, field }) => {
      const body = await expectProblem(path, bearer(alice.apiKey), 400);
      expect(body.errors).toEqual([expect.objectContaining({ field })]);
    });

    const sseRoutes = ['GET /v1/agents/{id}/events', 'GET /v1/agents/events', 'GET /v1/commands/{id}/events'] as const;
    describe.each(sseRoutes)('400 for a bad resume point on %s', (route) => {
      it.each<{ name: string; query: string; headers: Record<string, string>; field: string }>([
        { name: 'header not a number', query: '', headers: { 'last-event-id': 'abc' }, field: 'Last-Event-ID' },
        { name: 'negative header', query: '', headers: { 'last-event-id': '-1' }, field: 'Last-Event-ID' },
        { name: 'query not a number', query: '?lastEventId=1.5', headers: {}, field: 'lastEventId' },
        { name: 'repeated query', query: '?lastEventId=1&lastEventId=2', headers: {}, field: 'lastEventId' },
        {
          name: 'past the end of the stream',
          query: '',
          headers: { 'last-event-id': '900000000' },
          field: 'Last-Event-ID',
        },
        {
          name: 'bad header, good query',
          query: '?lastEventId=1',
          headers: { 'last-event-id': 'x' },
          field: 'Last-Event-ID',
        },
      ])('$name', async ({ query, headers, field }) => {
        const body = await expectProblem(`${pathOf(route)}${query}`, { ...bearer(alice.apiKey), ...headers }, 400);
        expect(body.type).toBe('urn:switchyard:problem:invalid-last-event-id');
        expect(body.errors).toEqual([expect.objectContaining({ field })]);
      });
    });
  });
});
