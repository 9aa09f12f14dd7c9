import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { MAX_ARGUMENT_BYTES, seededRandom } from '@switchyard/domain';
import request from 'supertest';
import { debateJob } from '../../../apps/orchestrator/src/jobs/debate.job';
import type { Effect } from '../../../apps/orchestrator/src/runner/due-job';
import { DueRunner } from '../../../apps/orchestrator/src/runner/due-runner';
import { shiftTopic, topicBody, topicEvents } from '../../support/debate';
import { createTestEnv, TEST_ADMIN_KEY, TestEnv } from '../../support/test-env';
import { bootGateway, mintAgent, mintClient, MintedKey, PROBLEM_JSON } from '../gateway/in-process-gateway';

const H = 3_600_000;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const VERDICT_SCHEMA = {
  type: 'object',
  required: ['winner'],
  properties: { winner: { enum: ['pro', 'con'] }, score: { type: 'integer', minimum: 0, maximum: 10 } },
  additionalProperties: false,
};

/**
 * Every route of the debate workflow and every refusal of its gates, through
 * the in-process gateway on real Postgres and NATS. Time is written, not
 * waited for: a topic is created an hour or more ahead, then its instants
 * are moved into the past in SQL (`shiftTopic`) and the orchestrator's
 * debate job runs one pass, as the ticker would.
 */
describe('debate routes (gateway in-process, the debate job at written instants; real Postgres and NATS)', () => {
  let t: TestEnv;
  let app: INestApplication;
  let alice: MintedKey & { clientId: string };
  let bob: MintedKey & { clientId: string };
  const agents: Record<string, MintedKey> = {};
  let runner: DueRunner;
  const effects: Effect[] = [];
  const job = () => debateJob({ defaults: t.config('orchestrator').commandDefaults, random: seededRandom(7) });

  const http = () => request(app.getHttpServer());
  type Auth = { key?: string; admin?: boolean };
  const withAuth = (req: request.Test, auth: Auth = {}) => {
    if (auth.key) req.set('authorization', `Bearer ${auth.key}`);
    if (auth.admin) req.set('x-admin-key', TEST_ADMIN_KEY);
    return req;
  };
  const createTopic = (body: unknown, auth: Auth = { key: alice.apiKey }) =>
    withAuth(http().post('/v1/topics'), auth).send(body as object);
  const get = (path: string, auth: Auth = {}) => withAuth(http().get(path), auth);
  const post = (path: string, body: unknown, auth: Auth) => withAuth(http().post(path), auth).send(body as object);
  const signUp = (id: string, agent: string, camps: unknown) =>
    post(`/v1/topics/${id}/signups`, { camps }, { key: agents[agent].apiKey });
  const argue = (id: string, agent: string, body: unknown) =>
    post(`/v1/topics/${id}/arguments`, { body }, { key: agents[agent].apiKey });
  const judge = (id: string, agent: string, body: unknown) =>
    post(`/v1/topics/${id}/verdict`, body, { key: agents[agent].apiKey });

  /** Moves every given topic `ms` into the past, then runs one pass of the debate job. */
  async function elapse(ids: string[], ms: number): Promise<void> {
    for (const id of ids) await shiftTopic(t.pool, id, ms);
    await runner.pass(job());
  }
  async function stateOf(id: string): Promise<string> {
    const { rows } = await t.pool.query<{ state: string }>('SELECT state FROM topics WHERE id = $1', [id]);
    return rows[0].state;
  }
  async function newTopic(extra: Record<string, unknown> = {}, auth?: Auth): Promise<string> {
    const res = await createTopic(topicBody([H, 2 * H, 3 * H, 4 * H], extra), auth);
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  beforeAll(async () => {
    t = await createTestEnv();
    app = await bootGateway(t);
    alice = await mintClient(app, 'alice');
    bob = await mintClient(app, 'bob');
    for (const id of ['a1', 'a2', 'a3', 'a4', 'a5']) agents[id] = await mintAgent(app, id);
    runner = new DueRunner(t.pool, [job()], { tickIntervalMs: 1_000, batchSize: 50 }, (list) => {
      effects.push(...list);
      return Promise.resolve();
    });
  });

  afterAll(async () => {
    await app?.close();
    await t?.teardown();
  });

  describe('POST /v1/topics', () => {
    it('201 with a client key: the topic, `created`, due when its sign-up opens', async () => {
      const body = topicBody([H, 2 * H, 3 * H, 4 * H], { verdictSchema: VERDICT_SCHEMA });
      const res = await createTopic(body);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID_V7),
        title: body.title,
        summary: body.summary,
        visibility: 'public',
        state: 'created',
        signupOpenAt: body.signupOpenAt,
        signupCloseAt: body.signupCloseAt,
        debateStartAt: body.debateStartAt,
        debateEndAt: body.debateEndAt,
        verdictSchema: VERDICT_SCHEMA,
        cancelReason: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const { rows } = await t.pool.query('SELECT created_by, next_due_at FROM topics WHERE id = $1', [res.body.id]);
      expect(rows[0]).toEqual({
        created_by: `client:${alice.clientId}`,
        next_due_at: new Date(body.signupOpenAt as string),
      });
    });

    it('201 with the admin key', async () => {
      const res = await createTopic(topicBody([H, 2 * H, 3 * H, 4 * H]), { admin: true });
      expect(res.status).toBe(201);
      const { rows } = await t.pool.query('SELECT created_by FROM topics WHERE id = $1', [res.body.id]);
      expect(rows[0].created_by).toBe('admin');
    });

    const refusedAuth: { name: string; auth: Auth & { raw?: Record<string, string> }; status: number }[] = [
      { name: 'no credentials', auth: {}, status: 401 },
      { name: 'a wrong x-admin-key', auth: { raw: { 'x-admin-key': 'nope' } }, status: 401 },
      { name: 'a bearer that is not a key', auth: { raw: { authorization: 'Bearer nope' } }, status: 401 },
      { name: 'an agent key', auth: {}, status: 403 },
    ];
    it.each(refusedAuth)('$status with $name; nothing stored', async ({ name, auth, status }) => {
      const before = await t.pool.query('SELECT count(*)::int AS n FROM topics');
      const req = http().post('/v1/topics');
      for (const [k, v] of Object.entries(auth.raw ?? {})) req.set(k, v);
      if (name === 'an agent key') req.set('authorization', `Bearer ${agents.a1.apiKey}`);
      const res = await req.send(topicBody([H, 2 * H, 3 * H, 4 * H]));
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      const after = await t.pool.query('SELECT count(*)::int AS n FROM topics');
      expect(after.rows[0].n).toBe(before.rows[0].n);
    });

    const invalid: { name: string; body: Record<string, unknown>; fields: string[] }[] = [
      {
        name: 'sign-up closes before it opens',
        body: topicBody([2 * H, H, 3 * H, 4 * H]),
        fields: ['signupCloseAt'],
      },
      {
        name: 'every instant equal to the one before',
        body: topicBody([H, H, H, H]),
        fields: ['signupCloseAt', 'debateStartAt', 'debateEndAt'],
      },
      { name: 'debate ends before it starts', body: topicBody([H, 2 * H, 4 * H, 3 * H]), fields: ['debateEndAt'] },
      {
        name: 'a date without offset',
        body: topicBody([H, 2 * H, 3 * H, 4 * H], { signupOpenAt: '2030-01-01T00:00:00' }),
        fields: ['signupOpenAt'],
      },
      { name: 'sign-up already closed', body: topicBody([-2 * H, -H, H, 2 * H]), fields: ['signupCloseAt'] },
      { name: 'missing title', body: topicBody([H, 2 * H, 3 * H, 4 * H], { title: undefined }), fields: ['title'] },
      { name: 'blank summary', body: topicBody([H, 2 * H, 3 * H, 4 * H], { summary: '  ' }), fields: ['summary'] },
      {
        name: 'unknown visibility',
        body: topicBody([H, 2 * H, 3 * H, 4 * H], { visibility: 'secret' }),
        fields: ['visibility'],
      },
      { name: 'an unknown field', body: topicBody([H, 2 * H, 3 * H, 4 * H], { colour: 'red' }), fields: ['(root)'] },
      {
        name: 'verdictSchema with a bad type',
        body: topicBody([H, 2 * H, 3 * H, 4 * H], { verdictSchema: { type: 'nope' } }),
        fields: ['verdictSchema'],
      },
      {
        name: 'verdictSchema with a non-numeric minimum',
        body: topicBody([H, 2 * H, 3 * H, 4 * H], { verdictSchema: { type: 'integer', minimum: 'zero' } }),
        fields: ['verdictSchema'],
      },
      {
        name: 'verdictSchema with an unresolvable $ref',
        body: topicBody([H, 2 * H, 3 * H, 4 * H], { verdictSchema: { $ref: '#/$defs/missing' } }),
        fields: ['verdictSchema'],
      },
      {
        name: 'verdictSchema that is a number',
        body: topicBody([H, 2 * H, 3 * H, 4 * H], { verdictSchema: 5 }),
        fields: ['verdictSchema'],
      },
    ];
    it.each(invalid)('400 with field details: $name', async ({ body, fields }) => {
      const res = await createTopic(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body.type).toBe('urn:switchyard:problem:validation');
      expect([...new Set((res.body.errors as { field: string }[]).map((e) => e.field))].sort()).toEqual(
        [...fields].sort(),
      );
    });

    it('400 on a body that is not JSON', async () => {
      const res = await withAuth(http().post('/v1/topics'), { key: alice.apiKey })
        .set('content-type', 'application/json')
        .send('{"title":');
      expect(res.status).toBe(400);
    });
  });

  describe('GET /v1/topics and /v1/topics/{id}', () => {
    let pub: string;
    let priv: string;
    let byBob: string;
    beforeAll(async () => {
      pub = await newTopic({ title: 'listing public' });
      priv = await newTopic({ title: 'listing private', visibility: 'private' });
      byBob = await newTopic({ title: 'listing bob private', visibility: 'private' }, { key: bob.apiKey });
    });
    const ids = async (auth: Auth) => {
      const res = await get('/v1/topics?limit=500', auth);
      expect(res.status).toBe(200);
      return (res.body.items as { id: string }[]).map((i) => i.id);
    };

    it('anonymous: public topics only; a client: public ones and its own; the admin: all', async () => {
      const anonymous = await ids({});
      expect(anonymous).toContain(pub);
      expect(anonymous).not.toContain(priv);
      expect(anonymous).not.toContain(byBob);
      const aliceSees = await ids({ key: alice.apiKey });
      expect(aliceSees).toEqual(expect.arrayContaining([pub, priv]));
      expect(aliceSees).not.toContain(byBob);
      expect(await ids({ admin: true })).toEqual(expect.arrayContaining([pub, priv, byBob]));
    });

    it('an agent sees a private topic once it signed up', async () => {
      expect(await ids({ key: agents.a5.apiKey })).not.toContain(priv);
      await shiftTopic(t.pool, priv, H + 1_000);
      await runner.pass(job());
      expect((await signUp(priv, 'a5', ['pro'])).status).toBe(201);
      expect(await ids({ key: agents.a5.apiKey })).toContain(priv);
      expect((await get(`/v1/topics/${priv}`, { key: agents.a5.apiKey })).status).toBe(200);
    });

    it('keyset pages, oldest first, each topic once', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(`/v1/topics?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { admin: true });
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...(res.body.items as { id: string }[]).map((i) => i.id));
        cursor = res.body.nextCursor as string | null;
      } while (cursor);
      expect(seen).toEqual([...seen].sort());
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(await ids({ admin: true }));
    });

    it('400 on a bad limit or cursor; 401 on a key that is presented but wrong', async () => {
      expect((await get('/v1/topics?limit=0')).status).toBe(400);
      expect((await get('/v1/topics?cursor=!!')).status).toBe(400);
      expect((await get('/v1/topics', { key: 'sy_nope' })).status).toBe(401);
      expect((await http().get('/v1/topics').set('x-admin-key', 'wrong')).status).toBe(401);
    });

    it('one topic: 200 public to anyone; private: 401 anonymous, 403 another client, 200 creator and admin', async () => {
      expect((await get(`/v1/topics/${pub}`)).body.id).toBe(pub);
      const anonymous = await get(`/v1/topics/${priv}`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['content-type']).toMatch(PROBLEM_JSON);
      expect((await get(`/v1/topics/${priv}`, { key: bob.apiKey })).status).toBe(403);
      expect((await get(`/v1/topics/${priv}`, { key: agents.a4.apiKey })).status).toBe(403);
      expect((await get(`/v1/topics/${priv}`, { key: alice.apiKey })).status).toBe(200);
      expect((await get(`/v1/topics/${priv}`, { admin: true })).status).toBe(200);
    });

    it('404 for an unknown id, 400 for a malformed one', async () => {
      expect((await get('/v1/topics/0199d0c0-0000-7000-8000-000000000000')).status).toBe(404);
      expect((await get('/v1/topics/not-a-uuid')).status).toBe(400);
    });
  });

  describe('the lifecycle through its gates', () => {
    let pub: string;
    let priv: string;
    const both = () => [pub, priv];

    beforeAll(async () => {
      pub = await newTopic({ title: 'gates public' });
      priv = await newTopic({ title: 'gates private', visibility: 'private', verdictSchema: VERDICT_SCHEMA });
    });

    it('sign-up before it opens: 409', async () => {
      const res = await signUp(pub, 'a1', ['pro']);
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body.detail).toBe('sign-up is not open: the topic is created');
    });

    it('the sign-up opens: one announcement per topic, recorded once', async () => {
      effects.length = 0;
      await elapse(both(), H + 1_000);
      expect(await stateOf(pub)).toBe('signup_open');
      expect(await stateOf(priv)).toBe('signup_open');
      const announced = effects.flatMap((e) => (e.kind === 'debate-announced' ? [e.topic.id] : []));
      expect(announced.sort()).toEqual(both().sort());
      expect(await topicEvents(t.pool, pub)).toEqual(['open-signup']);
    });

    const badSignups: { name: string; camps: unknown }[] = [
      { name: 'no camp', camps: [] },
      { name: 'a camp twice', camps: ['pro', 'pro'] },
      { name: 'an unknown camp', camps: ['referee'] },
      { name: 'not a list', camps: 'pro' },
      { name: 'four camps', camps: ['pro', 'con', 'judge', 'pro'] },
    ];
    it.each(badSignups)('sign-up with $name: 400', async ({ camps }) => {
      const res = await signUp(pub, 'a1', camps);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toMatch(/^camps/);
    });

    it('sign-up auth: 401 without a key, 403 with a client key or the admin key; 404 unknown topic', async () => {
      expect((await post(`/v1/topics/${pub}/signups`, { camps: ['pro'] }, {})).status).toBe(401);
      expect((await post(`/v1/topics/${pub}/signups`, { camps: ['pro'] }, { key: alice.apiKey })).status).toBe(403);
      expect((await post(`/v1/topics/${pub}/signups`, { camps: ['pro'] }, { admin: true })).status).toBe(401);
      expect((await signUp('0199d0c0-0000-7000-8000-000000000000', 'a1', ['pro'])).status).toBe(404);
    });

    it('201 for a first sign-up, 200 when signing up again replaces the camps', async () => {
      for (const id of both()) {
        const first = await signUp(id, 'a1', ['con', 'judge']);
        expect(first.status).toBe(201);
        expect(first.body).toMatchObject({ topicId: id, agentId: 'a1', camps: ['con', 'judge'] });
        const again = await signUp(id, 'a1', ['pro']);
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({ camps: ['pro'], signedUpAt: first.body.signedUpAt });
        expect((await signUp(id, 'a2', ['con'])).status).toBe(201);
        expect((await signUp(id, 'a3', ['judge'])).status).toBe(201);
      }
      const { rows } = await t.pool.query(
        `SELECT agent_id, camps FROM topic_signups WHERE topic_id = $1 ORDER BY agent_id`,
        [pub],
      );
      expect(rows).toEqual([
        { agent_id: 'a1', camps: ['pro'] },
        { agent_id: 'a2', camps: ['con'] },
        { agent_id: 'a3', camps: ['judge'] },
      ]);
    });

    it('sign-up once signupCloseAt has passed, before the ticker closed it: 409', async () => {
      await shiftTopic(t.pool, pub, H);
      expect(await stateOf(pub)).toBe('signup_open');
      const res = await signUp(pub, 'a4', ['pro']);
      expect(res.status).toBe(409);
      expect(res.body.detail).toBe('sign-up has closed');
      await shiftTopic(t.pool, pub, -H);
    });

    it('sign-up closes: camps allocated, one debate.assigned command per agent, created once and offered', async () => {
      effects.length = 0;
      await elapse(both(), H);
      for (const id of both()) {
        expect(await stateOf(id)).toBe('signup_closed');
        const topic = await get(`/v1/topics/${id}`, { admin: true });
        expect(topic.body.camps).toEqual({ pro: 'a1', con: 'a2', judge: 'a3' });
        const { rows } = await t.pool.query(
          `SELECT c.target, c.type, c.payload, c.caller, c.idempotency_key, c.state, a.camp
           FROM topic_allocations a JOIN commands c ON c.id = a.command_id WHERE a.topic_id = $1 ORDER BY c.target`,
          [id],
        );
        expect(rows).toEqual(
          ['a1', 'a2', 'a3'].map((agent, i) => ({
            target: agent,
            type: 'debate.assigned',
            payload: expect.objectContaining({ topicId: id, camp: ['pro', 'con', 'judge'][i] }),
            caller: `topic:${id}`,
            idempotency_key: `debate.assigned:${agent}`,
            state: 'queued',
            camp: ['pro', 'con', 'judge'][i],
          })),
        );
      }
      const offers = effects.flatMap((e) => (e.kind === 'offer' ? [e.row.type] : []));
      expect(offers).toEqual(Array(6).fill('debate.assigned'));
      expect(await topicEvents(t.pool, pub)).toEqual(['open-signup', 'close-signup']);
    });

    it('sign-up after it closed: 409', async () => {
      expect((await signUp(pub, 'a4', ['pro'])).status).toBe(409);
    });

    it('arguments before the debate starts: 409', async () => {
      const res = await argue(pub, 'a1', 'too early');
      expect(res.status).toBe(409);
      expect(res.body.detail).toBe('the debate is not running: the topic is signup_closed');
    });

    it('the debate starts: round 0 opens with the state change', async () => {
      await elapse(both(), H);
      for (const id of both()) expect(await stateOf(id)).toBe('debating');
      const { rows } = await t.pool.query(
        `SELECT r.number, r.closes_at = t.debate_end_at AS closes_at_end FROM debate_rounds r JOIN topics t ON t.id = r.topic_id
         WHERE r.topic_id = $1`,
        [pub],
      );
      expect(rows).toEqual([{ number: 0, closes_at_end: true }]);
    });

    const refusedArguments: { name: string; agent: string; body: unknown; status: number; detail?: string }[] = [
      { name: 'an agent that is not a member', agent: 'a4', body: 'hello', status: 403 },
      { name: 'an agent that signed up but was not allocated', agent: 'a5', body: 'hello', status: 403 },
      { name: 'the judge', agent: 'a3', body: 'hello', status: 403, detail: 'the judge does not argue' },
      { name: 'an empty body', agent: 'a1', body: '', status: 400 },
      { name: 'a whitespace body', agent: 'a1', body: ' \n ', status: 400 },
      { name: 'a body that is not a string', agent: 'a1', body: { text: 'x' }, status: 400 },
      { name: 'one byte over 32 KB', agent: 'a1', body: 'x'.repeat(MAX_ARGUMENT_BYTES + 1), status: 413 },
    ];
    it.each(refusedArguments)(
      'argument from $name: $status, nothing stored',
      async ({ agent, body, status, detail }) => {
        const res = await argue(pub, agent, body);
        expect(res.status).toBe(status);
        expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
        if (detail) expect(res.body.detail).toBe(detail);
        const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM debate_arguments WHERE topic_id = $1', [
          pub,
        ]);
        expect(rows[0].n).toBe(0);
      },
    );

    it('argument auth: 401 without a key, 403 with a client key', async () => {
      expect((await post(`/v1/topics/${pub}/arguments`, { body: 'x' }, {})).status).toBe(401);
      expect((await post(`/v1/topics/${pub}/arguments`, { body: 'x' }, { key: alice.apiKey })).status).toBe(403);
    });

    it('pro and con argue into round 0; exactly 32 KB is taken', async () => {
      for (const id of both()) {
        const pro = await argue(id, 'a1', 'Tabs: one character, any width.');
        expect(pro.status).toBe(201);
        expect(pro.body).toEqual({
          id: expect.stringMatching(UUID_V7),
          topicId: id,
          round: 0,
          agentId: 'a1',
          camp: 'pro',
          body: 'Tabs: one character, any width.',
          createdAt: expect.any(String),
        });
        expect((await argue(id, 'a2', 'Spaces: what you see is what there is.')).status).toBe(201);
      }
      expect((await argue(pub, 'a2', 'é'.repeat(MAX_ARGUMENT_BYTES / 2))).status).toBe(201);
    });

    it('the transcript: public to anyone; private to participants and admins only', async () => {
      const open = await get(`/v1/topics/${pub}/arguments`);
      expect(open.status).toBe(200);
      expect((open.body.items as { agentId: string }[]).map((i) => i.agentId)).toEqual(['a1', 'a2', 'a2']);
      expect(open.body.nextCursor).toBeNull();

      const anonymous = await get(`/v1/topics/${priv}/arguments`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['content-type']).toMatch(PROBLEM_JSON);
      expect((await get(`/v1/topics/${priv}/arguments`, { key: bob.apiKey })).status).toBe(403);
      expect((await get(`/v1/topics/${priv}/arguments`, { key: agents.a4.apiKey })).status).toBe(403);
      expect((await get(`/v1/topics/${priv}/arguments`, { key: 'sy_wrong' })).status).toBe(401);
      for (const auth of [
        { key: agents.a1.apiKey },
        { key: agents.a3.apiKey },
        { key: alice.apiKey },
        { admin: true },
      ]) {
        const res = await get(`/v1/topics/${priv}/arguments`, auth);
        expect(res.status).toBe(200);
        expect(res.body.items).toHaveLength(2);
      }
      const page = await get(`/v1/topics/${pub}/arguments?limit=2`);
      expect(page.body.items).toHaveLength(2);
      const rest = await get(`/v1/topics/${pub}/arguments?limit=2&cursor=${page.body.nextCursor}`);
      expect(rest.body.items).toHaveLength(1);
    });

    it('verdict before the debate ends: 409; no verdict to read yet: 404', async () => {
      const res = await judge(pub, 'a3', { verdict: 'pro', rationale: 'early' });
      expect(res.status).toBe(409);
      expect(res.body.detail).toBe('the debate has not ended yet');
      expect((await get(`/v1/topics/${pub}/verdict`)).status).toBe(404);
    });

    it('the debate ends: arguments are refused with 409', async () => {
      await elapse(both(), H);
      expect(await stateOf(pub)).toBe('debating');
      const res = await argue(pub, 'a1', 'one more thing');
      expect(res.status).toBe(409);
      expect(res.body.detail).toBe('the debate has ended');
    });

    const refusedVerdicts: { name: string; agent: string; body: unknown; status: number; field?: string }[] = [
      { name: 'the pro member', agent: 'a1', body: { verdict: { winner: 'pro' }, rationale: 'mine' }, status: 403 },
      { name: 'a non-member', agent: 'a4', body: { verdict: { winner: 'pro' }, rationale: 'mine' }, status: 403 },
      { name: 'no rationale', agent: 'a3', body: { verdict: { winner: 'pro' } }, status: 400, field: 'rationale' },
      {
        name: 'a blank rationale',
        agent: 'a3',
        body: { verdict: { winner: 'pro' }, rationale: '  ' },
        status: 400,
        field: 'rationale',
      },
      { name: 'no verdict', agent: 'a3', body: { rationale: 'because' }, status: 400, field: 'verdict' },
      {
        name: 'a verdict outside the schema',
        agent: 'a3',
        body: { verdict: { winner: 'draw' }, rationale: 'even' },
        status: 422,
        field: 'verdict.winner',
      },
      {
        name: 'a verdict with a field the schema forbids',
        agent: 'a3',
        body: { verdict: { winner: 'pro', mood: 'happy' }, rationale: 'x' },
        status: 422,
        field: 'verdict',
      },
      {
        name: 'a verdict of the wrong type',
        agent: 'a3',
        body: { verdict: 'pro', rationale: 'x' },
        status: 422,
        field: 'verdict',
      },
    ];
    it.each(refusedVerdicts)(
      'verdict from $name: $status, topic still debating',
      async ({ agent, body, status, field }) => {
        const res = await judge(priv, agent, body);
        expect(res.status).toBe(status);
        expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
        if (field) expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
        expect(await stateOf(priv)).toBe('debating');
      },
    );

    it('verdict auth: 401 without a key, 403 with a client key', async () => {
      expect((await post(`/v1/topics/${priv}/verdict`, { verdict: 1, rationale: 'x' }, {})).status).toBe(401);
      expect(
        (await post(`/v1/topics/${priv}/verdict`, { verdict: 1, rationale: 'x' }, { key: alice.apiKey })).status,
      ).toBe(403);
    });

    it("the judge's verdict completes the topic; a second verdict is 409", async () => {
      const verdict = { winner: 'con', score: 7 };
      const res = await judge(priv, 'a3', { verdict, rationale: 'Spaces render the same everywhere.' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        topicId: priv,
        judge: 'a3',
        verdict,
        rationale: 'Spaces render the same everywhere.',
        createdAt: expect.any(String),
      });
      expect(await stateOf(priv)).toBe('completed');
      expect(await topicEvents(t.pool, priv)).toEqual(['open-signup', 'close-signup', 'start-debate', 'verdict']);

      const second = await judge(priv, 'a3', { verdict: { winner: 'pro' }, rationale: 'changed my mind' });
      expect(second.status).toBe(409);
      expect(second.body.detail).toBe('the topic already has a verdict');

      // Without a schema any JSON value is a verdict; two at once: one wins, the other is 409.
      const racing = await Promise.all([
        judge(pub, 'a3', { verdict: 'pro', rationale: 'first' }),
        judge(pub, 'a3', { verdict: 'con', rationale: 'second' }),
      ]);
      expect(racing.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(await stateOf(pub)).toBe('completed');
    });

    it('reading the verdict: public to anyone; private to participants and admins', async () => {
      expect((await get(`/v1/topics/${pub}/verdict`)).status).toBe(200);
      expect((await get(`/v1/topics/${priv}/verdict`)).status).toBe(401);
      expect((await get(`/v1/topics/${priv}/verdict`, { key: bob.apiKey })).status).toBe(403);
      const res = await get(`/v1/topics/${priv}/verdict`, { key: agents.a2.apiKey });
      expect(res.status).toBe(200);
      expect(res.body.verdict).toEqual({ winner: 'con', score: 7 });
    });

    it('arguments after completion: 409', async () => {
      expect((await argue(pub, 'a1', 'late')).status).toBe(409);
    });
  });

  it('a topic whose next_due_at drifted (nothing is due): the job puts it back from the table, no transition', async () => {
    const id = await newTopic();
    await t.pool.query(`UPDATE topics SET next_due_at = now() - interval '1 second' WHERE id = $1`, [id]);
    expect(await runner.pass(job())).toMatchObject({ claimed: 1, applied: 1, failed: 0 });
    const { rows } = await t.pool.query(
      'SELECT state, next_due_at = signup_open_at AS reset FROM topics WHERE id = $1',
      [id],
    );
    expect(rows[0]).toEqual({ state: 'created', reset: true });
    expect(await topicEvents(t.pool, id)).toEqual([]);
    expect(await runner.pass(job())).toMatchObject({ claimed: 0 });
  });

  it('too few sign-ups: cancelled with the reason, no camps and no commands', async () => {
    const id = await newTopic();
    await elapse([id], H + 1_000);
    expect((await signUp(id, 'a1', ['pro', 'con'])).status).toBe(201);
    expect((await signUp(id, 'a2', ['judge'])).status).toBe(201);
    await elapse([id], H);
    const topic = await get(`/v1/topics/${id}`);
    expect(topic.body).toMatchObject({
      state: 'cancelled',
      cancelReason:
        'not enough sign-ups: 3 distinct agents are needed (pro, con, judge), 2 signed up; nobody left for con',
    });
    expect(topic.body.camps).toBeUndefined();
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM commands WHERE caller = $1`, [`topic:${id}`]);
    expect(rows[0].n).toBe(0);
    expect(await topicEvents(t.pool, id)).toEqual(['open-signup', 'cancel']);
    // Nothing is due any more.
    expect((await t.pool.query('SELECT next_due_at FROM topics WHERE id = $1', [id])).rows[0].next_due_at).toBeNull();
    expect((await argue(id, 'a1', 'x')).status).toBe(403);
  });
});
