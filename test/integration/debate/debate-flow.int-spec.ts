import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { type Agent, connect } from '@switchyard/agent-sdk';
import type { Camp, DebateAssignment } from '@switchyard/domain';
import { type DebateAnnouncement, subjectsFor } from '@switchyard/messaging';
import request from 'supertest';
import { DispatcherModule } from '../../../apps/dispatcher/src/dispatcher.module';
import { OrchestratorModule } from '../../../apps/orchestrator/src/orchestrator.module';
import { topicBody, topicEvents } from '../../support/debate';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { waitFor, waitForAgentsOnline } from '../../support/wait';
import { bootGateway, mintAgent, mintClient, MintedKey } from '../gateway/in-process-gateway';

const AGENTS = ['d1', 'd2', 'd3', 'd4'] as const;
type AgentId = (typeof AGENTS)[number];

/**
 * A whole debate in real time, windows of a few seconds: the gateway, a
 * dispatcher and an orchestrator (ticking every 100 ms) as in-process Nest
 * applications on real Postgres and NATS, and four agents built with the
 * agent SDK. The agents learn their camps from `debate.assigned` commands
 * delivered like any other; everything else they do over HTTP.
 */
describe('a debate end to end (gateway, dispatcher, orchestrator in-process; four SDK agents; real Postgres and NATS)', () => {
  let t: TestEnv;
  let gateway: INestApplication;
  const services: INestApplication[] = [];
  const agents: Agent[] = [];
  const keys = {} as Record<AgentId, MintedKey>;
  let client: MintedKey;
  let nc: NatsConnection;
  let webhook: Server;
  const announced: DebateAnnouncement[] = [];
  const posted: DebateAnnouncement[] = [];
  const assigned: { agentId: AgentId; payload: DebateAssignment; caller: string }[] = [];

  const http = () => request(gateway.getHttpServer());
  const bearer = (agent: AgentId) => `Bearer ${keys[agent].apiKey}`;
  const topic = async (id: string) => (await http().get(`/v1/topics/${id}`)).body;
  const inState = (id: string, state: string) =>
    waitFor(
      `topic ${id} ${state}`,
      async () => {
        const body = await topic(id);
        return body.state === state ? body : undefined;
      },
      { intervalMs: 100 },
    );
  const until = (iso: string) =>
    new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(iso) - Date.now())));

  async function boot(module: ReturnType<typeof DispatcherModule.forRoot>): Promise<void> {
    const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
    const app = moduleRef.createNestApplication({ logger: ['error', 'fatal'] });
    await app.init();
    services.push(app);
  }

  beforeAll(async () => {
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        posted.push(JSON.parse(body) as DebateAnnouncement);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/debates`;

    t = await createTestEnv();
    gateway = await bootGateway(t);
    await boot(DispatcherModule.forRoot(t.config('dispatcher')));
    await boot(
      OrchestratorModule.forRoot(
        t.config('orchestrator', { ORCHESTRATOR_TICK_INTERVAL: '100', DEBATE_WEBHOOK_URL: hook }),
      ),
    );

    nc = await connectNats({ servers: t.natsUrl });
    nc.subscribe(subjectsFor(t.namespace).debateAnnounced, {
      callback: (err, msg) => {
        if (!err) announced.push(msg.json<DebateAnnouncement>());
      },
    });
    await nc.flush();

    client = await mintClient(gateway, 'moderator');
    for (const agentId of AGENTS) {
      keys[agentId] = await mintAgent(gateway, agentId);
      agents.push(
        await connect({
          servers: t.natsUrl,
          namespace: t.namespace,
          agentId,
          heartbeatIntervalMs: 500,
          handlers: {
            'debate.assigned': (payload, ctx) => {
              assigned.push({ agentId, payload: payload as DebateAssignment, caller: ctx.caller });
              return Promise.resolve({ ready: true });
            },
          },
        }),
      );
    }
    await waitForAgentsOnline(t.pool, AGENTS.length);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close({ drainTimeoutMs: 100, flushTimeoutMs: 1_000 })));
    await nc?.close();
    for (const app of services.reverse()) await app.close();
    await gateway?.close();
    await new Promise((resolve) => webhook?.close(resolve));
    await t?.teardown();
  });

  it('announce, sign up, allocate (debate.assigned delivered to each agent), argue, judge, completed', async () => {
    const body = topicBody([700, 3_500, 4_500, 7_000], {
      title: 'Should tests sleep?',
      verdictSchema: {
        type: 'object',
        required: ['winner'],
        properties: { winner: { enum: ['pro', 'con'] } },
      },
    });
    const created = await http().post('/v1/topics').set('authorization', `Bearer ${client.apiKey}`).send(body);
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    // Sign-up opens: the announcement on NATS and at the webhook, once each.
    const announcement = await waitFor('the announcement', () => announced.find((a) => a.topicId === id));
    expect(announcement).toEqual({
      event: 'debate.announced',
      topicId: id,
      title: 'Should tests sleep?',
      summary: body.summary,
      visibility: 'public',
      signupOpenAt: body.signupOpenAt,
      signupCloseAt: body.signupCloseAt,
      debateStartAt: body.debateStartAt,
      debateEndAt: body.debateEndAt,
      at: expect.any(String),
    });
    await waitFor('the webhook post', () => posted.find((p) => p.topicId === id));
    expect(posted.filter((p) => p.topicId === id)).toEqual([announcement]);
    expect((await topic(id)).state).toBe('signup_open');

    const camps: Record<AgentId, Camp[]> = { d1: ['pro'], d2: ['con'], d3: ['judge'], d4: ['pro', 'con', 'judge'] };
    for (const agentId of AGENTS) {
      const res = await http()
        .post(`/v1/topics/${id}/signups`)
        .set('authorization', bearer(agentId))
        .send({ camps: camps[agentId] });
      expect(res.status).toBe(201);
    }

    // Sign-up closes: three of the four hold a camp, and each learns it from its own debate.assigned command.
    const closed = await inState(id, 'signup_closed');
    const holders = closed.camps as Record<Camp, AgentId>;
    expect(new Set(Object.values(holders)).size).toBe(3);
    const left = AGENTS.find((a) => !Object.values(holders).includes(a))!;
    await waitFor(
      'three debate.assigned deliveries',
      () => assigned.filter((a) => a.payload.topicId === id).length >= 3,
    );
    const mine = assigned.filter((a) => a.payload.topicId === id);
    expect(mine.map((a) => [a.agentId, a.payload.camp]).sort()).toEqual(
      Object.entries(holders)
        .map(([camp, agentId]) => [agentId, camp])
        .sort(),
    );
    for (const a of mine) {
      expect(a.caller).toBe(`topic:${id}`);
      expect(a.payload).toEqual({
        topicId: id,
        camp: a.payload.camp,
        title: 'Should tests sleep?',
        debateStartAt: body.debateStartAt,
        debateEndAt: body.debateEndAt,
      });
    }
    await waitFor('the debate.assigned commands succeeded', async () => {
      const { rows } = await t.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM commands WHERE caller = $1 AND type = 'debate.assigned' AND state = 'succeeded'`,
        [`topic:${id}`],
      );
      return rows[0].n === 3;
    });

    // The debate: pro and con argue; the judge and the one left out may not.
    await inState(id, 'debating');
    const argue = (agentId: AgentId, text: string) =>
      http().post(`/v1/topics/${id}/arguments`).set('authorization', bearer(agentId)).send({ body: text });
    expect((await argue(holders.pro, 'Sleeping makes tests slow and flaky.')).status).toBe(201);
    expect((await argue(holders.con, 'Some waits are for real time.')).status).toBe(201);
    expect((await argue(holders.pro, 'Then wait for a signal, with a deadline.')).status).toBe(201);
    expect((await argue(holders.judge, 'I only listen.')).status).toBe(403);
    expect((await argue(left, 'Me too!')).status).toBe(403);

    // After the end, the judge's verdict completes it.
    await until(body.debateEndAt as string);
    expect((await argue(holders.con, 'Too late.')).status).toBe(409);
    const verdict = await http()
      .post(`/v1/topics/${id}/verdict`)
      .set('authorization', bearer(holders.judge))
      .send({ verdict: { winner: 'pro' }, rationale: 'Signals beat sleeps.' });
    expect(verdict.status).toBe(201);
    expect((await topic(id)).state).toBe('completed');

    const transcript = await http().get(`/v1/topics/${id}/arguments`);
    expect((transcript.body.items as { camp: string; round: number }[]).map((i) => [i.camp, i.round])).toEqual([
      ['pro', 0],
      ['con', 0],
      ['pro', 0],
    ]);
    expect((await http().get(`/v1/topics/${id}/verdict`)).body).toMatchObject({
      judge: holders.judge,
      verdict: { winner: 'pro' },
      rationale: 'Signals beat sleeps.',
    });
    expect(await topicEvents(t.pool, id)).toEqual(['open-signup', 'close-signup', 'start-debate', 'verdict']);
    // One announcement, three assignments, whatever the number of ticks that saw the topic.
    expect(announced.filter((a) => a.topicId === id)).toHaveLength(1);
    expect(assigned.filter((a) => a.payload.topicId === id)).toHaveLength(3);
  });

  it('too few sign-ups: the topic is cancelled with the reason, and nobody is assigned', async () => {
    const body = topicBody([300, 1_500, 2_500, 3_500], { title: 'Nobody came' });
    const created = await http().post('/v1/topics').set('authorization', `Bearer ${client.apiKey}`).send(body);
    const id = created.body.id as string;
    await waitFor('the announcement', () => announced.find((a) => a.topicId === id));
    for (const agentId of ['d1', 'd2'] as const) {
      const res = await http()
        .post(`/v1/topics/${id}/signups`)
        .set('authorization', bearer(agentId))
        .send({ camps: ['pro', 'con', 'judge'] });
      expect(res.status).toBe(201);
    }
    const cancelled = await inState(id, 'cancelled');
    expect(cancelled.cancelReason).toBe(
      'not enough sign-ups: 3 distinct agents are needed (pro, con, judge), 2 signed up; nobody left for judge',
    );
    expect(cancelled.camps).toBeUndefined();
    const { rows } = await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM commands WHERE caller = $1`, [
      `topic:${id}`,
    ]);
    expect(rows[0].n).toBe(0);
    expect(await topicEvents(t.pool, id)).toEqual(['open-signup', 'cancel']);
    await until(body.debateStartAt as string);
    expect((await topic(id)).state).toBe('cancelled');
  });
});
