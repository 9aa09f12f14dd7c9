import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream } from '@nats-io/jetstream';
import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { connect, connectHttp, type Agent, type Handler, type HttpAgent } from '@switchyard/agent-sdk';
import { subjectsFor } from '@switchyard/messaging';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { v7 as uuidv7 } from 'uuid';
import { DispatcherModule } from '../../../apps/dispatcher/src/dispatcher.module';
import { delay } from '../../../apps/demo-agents/src/demo-handlers';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { waitFor } from '../../support/wait';
import { bootGateway, mintAgent, mintClient, PROBLEM_JSON } from './in-process-gateway';

/**
 * Delegation chains: an agent running a command submits children (SDK
 * `ctx.delegate` over NATS or HTTP, or `POST /v1/commands` with `parentId`
 * and its agent key). Gateway and dispatcher in-process; real Postgres and
 * NATS JetStream; real SDK agents of both transports.
 */
describe('delegation chains', () => {
  let t: TestEnv;
  let gateway: INestApplication;
  let dispatcher: INestApplication;
  let gatewayUrl: string;
  let nc: NatsConnection;
  let client: { apiKey: string };
  const agents: (Agent | HttpAgent)[] = [];
  const cancelled: string[] = [];

  const http = () => request(gateway.getHttpServer());
  const asClient = () => ({ authorization: `Bearer ${client.apiKey}` });

  /** Delegates `count` children of `type` to `to`, then holds the parent until cancelled or `holdMs` passed. */
  const delegating: Handler = async (payload, ctx) => {
    const { to, type, count, holdMs, childPayload } = payload as {
      to: { agent: string } | { pool: string };
      type: string;
      count: number;
      holdMs: number;
      childPayload?: unknown;
    };
    const children: string[] = [];
    for (let i = 0; i < count; i += 1) {
      children.push((await ctx.delegate(to, type, childPayload, { idempotencyKey: `${ctx.commandId}:${i}` })).id);
    }
    await delay(holdMs, ctx.signal);
    return { children };
  };
  const hold: Handler = async (payload, ctx) => {
    await delay((payload as { ms: number }).ms, ctx.signal);
    return 'held';
  };
  const handlers = { delegating, hold, echo: (p: unknown) => Promise.resolve(p) };

  function track<A extends Agent | HttpAgent>(agent: A): A {
    agent.on('cancelled', (d) => cancelled.push(d.id));
    agents.push(agent);
    return agent;
  }

  async function submit(body: object, headers: Record<string, string> = asClient()) {
    return http().post('/v1/commands').set(headers).send(body);
  }

  async function row(id: string) {
    const { rows } = await t.pool.query(
      'SELECT id, state, parent_id, depth, caller, assigned_agent FROM commands WHERE id = $1',
      [id],
    );
    return rows[0];
  }

  function waitForState(id: string, state: string) {
    return waitFor(`command ${id} ${state}`, async () => (await row(id))?.state === state || undefined);
  }

  beforeAll(async () => {
    // Depth 2 is the deepest that runs: children (1) and grandchildren (2) run, great-grandchildren do not.
    t = await createTestEnv({ MAX_COMMAND_DEPTH: '2' });
    gateway = await bootGateway(t);
    await gateway.listen(0, '127.0.0.1');
    gatewayUrl = `http://127.0.0.1:${(gateway.getHttpServer().address() as AddressInfo).port}`;
    const moduleRef = await Test.createTestingModule({
      imports: [DispatcherModule.forRoot(t.config('dispatcher'))],
    }).compile();
    dispatcher = moduleRef.createNestApplication({ logger: ['error', 'fatal'] });
    await dispatcher.init();
    nc = await natsConnect({ servers: t.natsUrl });
    client = await mintClient(gateway);

    const sdk = (agentId: string, pools: string[]) =>
      connect({ servers: t.natsUrl, namespace: t.namespace, agentId, pools, concurrency: 4, handlers });
    track(await sdk('boss-nats', ['bosses']));
    track(await sdk('worker-nats', ['workers']));
    const overHttp = async (agentId: string, pools: string[]) => {
      const { apiKey } = await mintAgent(gateway, agentId, { pools, concurrency: 4 });
      // Cancels reach an HTTP agent on its next heartbeat: beat often.
      return track(
        await connectHttp({
          gatewayUrl,
          apiKey,
          agentId,
          pools,
          concurrency: 4,
          handlers,
          pollWaitMs: 2_000,
          heartbeatIntervalMs: 300,
        }),
      );
    };
    await overHttp('boss-http', ['http-bosses']);
    await overHttp('worker-http', ['http-workers']);
    await waitFor('four agents online', async () => {
      const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM agents WHERE status <> 'offline'`);
      return rows[0].n === 4;
    });
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close({ drainTimeoutMs: 100 })));
    await nc?.close();
    await dispatcher?.close();
    await gateway?.close();
    await t?.teardown();
  });

  describe.each([
    { transport: 'NATS (SDK agent)', boss: 'boss-nats', bosses: 'bosses', workers: 'workers' },
    { transport: 'HTTP (SDK HTTP agent)', boss: 'boss-http', bosses: 'http-bosses', workers: 'http-workers' },
  ])('ctx.delegate over $transport', ({ boss, bosses, workers }) => {
    it('records each child with its parent, one level deeper, submitted by the agent; the parent lists them', async () => {
      const res = await submit({
        target: { pool: bosses },
        type: 'delegating',
        payload: { to: { pool: workers }, type: 'echo', count: 3, holdMs: 0, childPayload: { hi: 1 } },
      });
      expect(res.status).toBe(202);
      const parentId = res.body.id as string;
      await waitForState(parentId, 'succeeded');
      // Stored when delegate() resolved; recorded in the ledger a moment later (perhaps after the parent ended).
      const children = await waitFor('three children recorded', async () => {
        const { rows } = await t.pool.query(
          'SELECT parent_id, depth, caller, state, type FROM commands WHERE parent_id = $1 ORDER BY id',
          [parentId],
        );
        return rows.length === 3 ? rows : undefined;
      });
      for (const child of children) {
        expect(child).toMatchObject({ parent_id: parentId, depth: 1, caller: `agent:${boss}`, type: 'echo' });
      }
      await waitFor('children to finish', async () => {
        const { rows } = await t.pool.query(
          `SELECT count(*)::int AS n FROM commands WHERE parent_id = $1 AND state = 'succeeded'`,
          [parentId],
        );
        return rows[0].n === 3;
      });

      const view = await http().get(`/v1/commands/${parentId}`).set(asClient());
      expect(view.status).toBe(200);
      expect(view.body.children).toHaveLength(3);
      expect(view.body.children[0]).toMatchObject({ type: 'echo', state: 'succeeded', target: { pool: workers } });
      expect(view.body.result.children.sort()).toEqual(view.body.children.map((c: { id: string }) => c.id).sort());
      const childView = await http()
        .get(`/v1/commands/${view.body.children[0].id as string}`)
        .set(asClient());
      // A child belongs to the agent that submitted it; its parent's owner sees it through the parent.
      expect(childView.status).toBe(404);
    });

    it('cancelling the parent cancels its unfinished children and grandchildren, and their agents are told', async () => {
      const res = await submit({
        target: { pool: bosses },
        type: 'delegating',
        payload: {
          to: { pool: bosses },
          type: 'delegating',
          count: 1,
          holdMs: 60_000,
          childPayload: { to: { pool: workers }, type: 'hold', count: 2, holdMs: 60_000, childPayload: { ms: 60_000 } },
        },
      });
      const parentId = res.body.id as string;
      const grandchildren = await waitFor('two grandchildren running', async () => {
        const { rows } = await t.pool.query(
          `SELECT g.id, g.state, g.depth FROM commands c JOIN commands g ON g.parent_id = c.id
           WHERE c.parent_id = $1 ORDER BY g.id`,
          [parentId],
        );
        return rows.length === 2 && rows.every((r) => r.state === 'running') ? rows : undefined;
      });
      expect(grandchildren.map((g) => g.depth)).toEqual([2, 2]);
      const [{ id: childId }] = (await t.pool.query('SELECT id FROM commands WHERE parent_id = $1', [parentId])).rows;

      const cancel = await http().post(`/v1/commands/${parentId}/cancel`).set(asClient()).send({});
      expect(cancel.status).toBe(200);
      expect(cancel.body.state).toBe('cancelled');
      for (const id of [parentId, childId, ...grandchildren.map((g) => g.id as string)]) {
        expect((await row(id)).state).toBe('cancelled');
      }
      await waitFor('every holder told to stop', () =>
        [parentId, childId, ...grandchildren.map((g) => g.id as string)].every((id) => cancelled.includes(id)),
      );
    });
  });

  describe('POST /v1/commands with parentId', () => {
    /** The parent runs on an agent this test drives by hand over the HTTP agent routes. */
    let manual: { apiKey: string };
    let heldParent: string;

    beforeAll(async () => {
      manual = await mintAgent(gateway, 'manual', { concurrency: 2 });
      const auth = { authorization: `Bearer ${manual.apiKey}` };
      expect((await http().post('/v1/agent/sessions').set(auth).send({})).status).toBe(201);
      await waitFor('manual online', async () => {
        const { rows } = await t.pool.query(`SELECT status FROM agents WHERE id = 'manual'`);
        return rows[0]?.status === 'idle';
      });
      heldParent = (await submit({ target: { agent: 'manual' }, type: 'work' })).body.id;
      const claimed = await http().post('/v1/agent/commands/claim').set(auth).send({ max: 1, waitMs: 5_000 });
      expect(claimed.body.commands).toHaveLength(1);
      await http().post(`/v1/agent/commands/${heldParent}/accept`).set(auth).send({ attempt: 1 });
      await waitForState(heldParent, 'running');
    });

    const manualKey = () => ({ authorization: `Bearer ${manual.apiKey}` });

    it('the agent running the parent may delegate (async and sync)', async () => {
      const res = await submit(
        { target: { pool: 'workers' }, type: 'echo', payload: 1, parentId: heldParent },
        manualKey(),
      );
      expect(res.status).toBe(202);
      expect(await row(res.body.id)).toMatchObject({ parent_id: heldParent, depth: 1, caller: 'agent:manual' });

      const sync = await submit(
        {
          target: { pool: 'workers' },
          type: 'echo',
          payload: 2,
          parentId: heldParent,
          mode: 'sync',
          timeoutMs: 10_000,
        },
        manualKey(),
      );
      expect(sync.status).toBe(200);
      expect(sync.body.result).toBe(2);
      expect(await row(sync.body.id)).toMatchObject({ parent_id: heldParent, depth: 1, caller: 'agent:manual' });
    });

    it.each([
      ['a client key', () => asClient(), () => heldParent, 403, 'parent-needs-agent-key'],
      ['a wrong key', () => ({ authorization: 'Bearer sy_nope' }), () => heldParent, 401, undefined],
      ['an unknown parent', () => manualKey(), () => uuidv7(), 404, 'parent-not-found'],
    ] as const)('refuses %s', async (_, headers, parent, status, type) => {
      const before = (await t.pool.query('SELECT count(*)::int AS n FROM commands')).rows[0].n;
      const res = await submit({ target: { pool: 'workers' }, type: 'echo', parentId: parent() }, headers());
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      if (type) expect(res.body.type).toContain(type);
      expect((await t.pool.query('SELECT count(*)::int AS n FROM commands')).rows[0].n).toBe(before);
    });

    it("refuses an agent delegating from another agent's command (403) and from a finished one (409)", async () => {
      const other = await mintAgent(gateway, 'other-agent');
      const notHeld = await submit(
        { target: { pool: 'workers' }, type: 'echo', parentId: heldParent },
        { authorization: `Bearer ${other.apiKey}` },
      );
      expect(notHeld.status).toBe(403);
      expect(notHeld.body.type).toContain('parent-not-held');

      const done = (await submit({ target: { agent: 'manual' }, type: 'work' })).body.id as string;
      const auth = manualKey();
      await http().post('/v1/agent/commands/claim').set(auth).send({ max: 1, waitMs: 5_000 });
      await http().post(`/v1/agent/commands/${done}/complete`).set(auth).send({ attempt: 1, result: null });
      await waitForState(done, 'succeeded');
      const finished = await submit({ target: { pool: 'workers' }, type: 'echo', parentId: done }, auth);
      expect(finished.status).toBe(409);
      expect(finished.body.type).toContain('parent-not-running');
      expect(finished.body.errors).toEqual([expect.objectContaining({ field: 'parentId' })]);
    });

    it('a delegation past MAX_COMMAND_DEPTH is recorded cancelled (max_depth_exceeded), never run, no dead letter', async () => {
      const auth = manualKey();
      let parent = heldParent;
      const chain: string[] = [];
      for (let depth = 1; depth <= 2; depth += 1) {
        const child = await submit({ target: { agent: 'manual' }, type: 'work', parentId: parent }, auth);
        expect(child.status).toBe(202);
        const claimed = await http().post('/v1/agent/commands/claim').set(auth).send({ max: 1, waitMs: 5_000 });
        expect(claimed.body.commands).toEqual([expect.objectContaining({ id: child.body.id, depth })]);
        await http()
          .post(`/v1/agent/commands/${child.body.id as string}/accept`)
          .set(auth)
          .send({ attempt: 1 });
        await waitForState(child.body.id, 'running');
        chain.push(child.body.id);
        parent = child.body.id;
      }
      const tooDeep = await submit({ target: { agent: 'manual' }, type: 'work', parentId: parent }, auth);
      expect(tooDeep.status).toBe(202);
      expect(tooDeep.body.state).toBe('cancelled');
      const { rows } = await t.pool.query('SELECT state, depth, error, attempt FROM commands WHERE id = $1', [
        tooDeep.body.id,
      ]);
      expect(rows[0]).toMatchObject({
        state: 'cancelled',
        depth: 3,
        attempt: 0,
        error: { code: 'max_depth_exceeded' },
      });
      const { rows: letters } = await t.pool.query(
        'SELECT count(*)::int AS n FROM dead_letters WHERE command_id = $1',
        [tooDeep.body.id],
      );
      expect(letters[0].n).toBe(0);
      // Nothing was dispatched for it: the agent's next claim is empty.
      const next = await http().post('/v1/agent/commands/claim').set(auth).send({ max: 1, waitMs: 300 });
      expect(next.body.commands).toEqual([]);
    });

    it('refuses a malformed parentId with field details', async () => {
      const res = await submit({ target: { pool: 'workers' }, type: 'echo', parentId: 'nope' }, manualKey());
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'parentId' })]);
    });
  });

  it('over NATS, a chain of delegations stops at MAX_COMMAND_DEPTH: the too-deep child is recorded, not run', async () => {
    const level = (inner: object | undefined) =>
      inner
        ? { to: { pool: 'bosses' }, type: 'delegating', count: 1, holdMs: 0, childPayload: inner }
        : { to: { pool: 'workers' }, type: 'echo', count: 1, holdMs: 0, childPayload: 'deepest' };
    // depth 0 delegates a depth-1 delegating command, which delegates depth 2, which delegates depth 3 (too deep).
    const res = await submit({
      target: { pool: 'bosses' },
      type: 'delegating',
      payload: level(level(level(undefined))),
    });
    const chain = await waitFor('a chain of four commands', async () => {
      const { rows } = await t.pool.query(
        `WITH RECURSIVE tree AS (
           SELECT id, depth, state, type, error FROM commands WHERE id = $1
           UNION ALL SELECT c.id, c.depth, c.state, c.type, c.error FROM commands c JOIN tree t ON c.parent_id = t.id)
         SELECT depth, state, type, error FROM tree ORDER BY depth`,
        [res.body.id],
      );
      return rows.length === 4 && rows.slice(0, 3).every((r) => r.state === 'succeeded') ? rows : undefined;
    });
    expect(chain.map((r) => [r.depth, r.state])).toEqual([
      [0, 'succeeded'],
      [1, 'succeeded'],
      [2, 'succeeded'],
      [3, 'cancelled'],
    ]);
    expect(chain[3]).toMatchObject({ type: 'echo', error: { code: 'max_depth_exceeded' } });
  });

  it('a NATS submission naming an unknown parent is terminated, not recorded', async () => {
    const js = jetstream(nc);
    const subjects = subjectsFor(t.namespace);
    const orphan = uuidv7();
    await js.publish(
      subjects.submitToPool('workers'),
      JSON.stringify({ id: orphan, type: 'echo', parentId: uuidv7() }),
      { msgID: orphan },
    );
    const marker = uuidv7();
    await js.publish(subjects.submitToPool('workers'), JSON.stringify({ id: marker, type: 'echo' }), { msgID: marker });
    // Messages of one subject are taken in order: once the later one is recorded, the orphan was judged.
    await waitFor('the later submission recorded', async () => (await row(marker)) !== undefined);
    expect(await row(orphan)).toBeUndefined();
  });
});
