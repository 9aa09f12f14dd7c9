import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { LEDGER_ID_HEADER, streamsFor, subjectsFor } from '@switchyard/messaging';
import request from 'supertest';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { bootGateway, mintAgent, mintClient, PROBLEM_JSON } from './in-process-gateway';

const MAX_PAYLOAD_BYTES = 2048;
const VALID = { target: { pool: 'work' }, type: 'echo' };

describe('POST/GET /v1/commands (gateway in-process, real Postgres and NATS)', () => {
  let t: TestEnv;
  let app: INestApplication;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let alice: { apiKey: string; clientId: string };
  let bob: { apiKey: string; clientId: string };
  let agentKey: string;

  const http = () => request(app.getHttpServer());
  const submit = (key: string, body: unknown) =>
    http()
      .post('/v1/commands')
      .set('authorization', `Bearer ${key}`)
      .send(body as object);
  const get = (key: string, path: string) => http().get(path).set('authorization', `Bearer ${key}`);
  const cancel = (key: string, id: string, body: object = {}) =>
    http().post(`/v1/commands/${id}/cancel`).set('authorization', `Bearer ${key}`).send(body);
  /** Sends the bytes as they are (superagent would otherwise JSON-encode a Buffer). */
  const rawSubmit = (key: string, body: string | Buffer) =>
    http()
      .post('/v1/commands')
      .set('authorization', `Bearer ${key}`)
      .set('content-type', 'application/json')
      .serialize((bytes: string) => bytes)
      .send(body);

  async function commandCount(): Promise<number> {
    const { rows } = await t.pool.query<{ n: string }>('SELECT count(*) AS n FROM commands');
    return Number(rows[0].n);
  }

  async function row(id: string) {
    const { rows } = await t.pool.query('SELECT * FROM commands WHERE id = $1', [id]);
    return rows[0];
  }

  async function events(id: string) {
    const { rows } = await t.pool.query(
      'SELECT event, from_state, to_state, attempt FROM command_events WHERE command_id = $1 ORDER BY id',
      [id],
    );
    return rows;
  }

  beforeAll(async () => {
    t = await createTestEnv();
    app = await bootGateway(t, { MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES) });
    alice = await mintClient(app, 'alice');
    bob = await mintClient(app, 'bob');
    agentKey = (await mintAgent(app, 'cmd-agent')).apiKey;
    nc = await connect({ servers: t.natsUrl });
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await nc?.close();
    await app?.close();
    await t?.teardown();
  });

  describe('validation: 400 problem+json with field details, and nothing recorded', () => {
    const cases: { name: string; body: unknown; field: string | RegExp; message?: RegExp }[] = [
      { name: 'missing target', body: { type: 'echo' }, field: 'target' },
      {
        name: 'target with both agent and pool',
        body: { ...VALID, target: { agent: 'a1', pool: 'p1' } },
        field: /^target/,
      },
      { name: 'target with neither agent nor pool', body: { ...VALID, target: {} }, field: /^target/ },
      { name: 'an agent id that is not a slug', body: { ...VALID, target: { agent: 'Not A Slug' } }, field: /^target/ },
      { name: 'a pool name with a dot', body: { ...VALID, target: { pool: 'a.b' } }, field: /^target/ },
      { name: 'a pool name with a wildcard', body: { ...VALID, target: { pool: 'a*' } }, field: /^target/ },
      { name: 'a pool name of 64 chars', body: { ...VALID, target: { pool: 'p'.repeat(64) } }, field: /^target/ },
      { name: 'an unknown top-level field', body: { ...VALID, colour: 'red' }, field: '(root)', message: /colour/ },
      { name: 'an unknown field in target', body: { ...VALID, target: { pool: 'work', zone: 'x' } }, field: /^target/ },
      { name: 'a client-chosen id', body: { ...VALID, id: 'not-a-uuid' }, field: 'id' },
      { name: 'a client-chosen UUID id', body: { ...VALID, id: '01970a3e-5c1b-7d2e-9f40-2b6c8d9e0a11' }, field: 'id' },
      { name: 'type empty', body: { ...VALID, type: '' }, field: 'type' },
      { name: 'type missing', body: { target: { pool: 'work' } }, field: 'type' },
      { name: 'type with a space', body: { ...VALID, type: 'two words' }, field: 'type' },
      { name: 'maxAttempts 0', body: { ...VALID, maxAttempts: 0 }, field: 'maxAttempts' },
      { name: 'maxAttempts 1.5', body: { ...VALID, maxAttempts: 1.5 }, field: 'maxAttempts' },
      { name: 'maxAttempts as a string', body: { ...VALID, maxAttempts: '3' }, field: 'maxAttempts' },
      {
        name: 'backoff.kind unknown',
        body: { ...VALID, backoff: { kind: 'fibonacci', baseMs: 100, maxMs: 1_000 } },
        field: 'backoff.kind',
      },
      {
        name: 'backoff.maxMs below baseMs',
        body: { ...VALID, backoff: { kind: 'linear', baseMs: 1_000, maxMs: 10 } },
        field: 'backoff.maxMs',
      },
      { name: 'runAt not a date', body: { ...VALID, runAt: 'tomorrow' }, field: 'runAt' },
      { name: 'runAt without an offset', body: { ...VALID, runAt: '2031-01-01T00:00:00' }, field: 'runAt' },
      {
        name: 'deadline in the past',
        body: { ...VALID, deadline: new Date(Date.now() - 60_000).toISOString() },
        field: 'deadline',
        message: /future/,
      },
      {
        name: 'runAt after the deadline',
        body: {
          ...VALID,
          runAt: new Date(Date.now() + 7_200_000).toISOString(),
          deadline: new Date(Date.now() + 3_600_000).toISOString(),
        },
        field: 'runAt',
      },
      { name: 'ackTimeoutMs below 100', body: { ...VALID, ackTimeoutMs: 99 }, field: 'ackTimeoutMs' },
      {
        name: 'heartbeatTimeoutMs over a day',
        body: { ...VALID, heartbeatTimeoutMs: 86_400_001 },
        field: 'heartbeatTimeoutMs',
      },
      { name: 'an unknown mode', body: { ...VALID, mode: 'fast' }, field: 'mode' },
      { name: 'timeoutMs without mode sync', body: { ...VALID, timeoutMs: 1_000 }, field: 'timeoutMs' },
      { name: 'an empty idempotencyKey', body: { ...VALID, idempotencyKey: '' }, field: 'idempotencyKey' },
      { name: 'a body that is an array', body: [VALID], field: '(root)' },
    ];

    it.each(cases)('$name', async ({ body, field, message }) => {
      const before = await commandCount();
      const res = await submit(alice.apiKey, body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 400, title: 'Bad Request', instance: '/v1/commands' });
      const errors = res.body.errors as { field: string; message: string }[];
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            field: typeof field === 'string' ? field : expect.stringMatching(field),
            ...(message ? { message: expect.stringMatching(message) } : {}),
          }),
        ]),
      );
      for (const e of errors) expect(typeof e.message).toBe('string');
      expect(await commandCount()).toBe(before);
    });

    const raw: { name: string; body: string | Buffer; type?: string }[] = [
      { name: 'malformed JSON', body: '{"target": {"pool": "work"}, "type": ', type: 'malformed-json' },
      {
        name: 'JSON with a trailing comma',
        body: '{"target": {"pool": "work"}, "type": "echo",}',
        type: 'malformed-json',
      },
      { name: 'a JSON string as the body', body: '"echo"' },
      { name: 'a JSON number as the body', body: '42' },
      { name: 'JSON null as the body', body: 'null' },
      { name: 'an empty JSON array as the body', body: '[]' },
      {
        name: 'invalid UTF-8 bytes inside a string',
        body: Buffer.concat([
          Buffer.from('{"target":{"pool":"work"},"type":"echo","payload":{"s":"'),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from('"}}'),
        ]),
      },
      {
        name: 'a lone UTF-8 continuation byte inside the idempotency key',
        body: Buffer.concat([
          Buffer.from('{"target":{"pool":"work"},"type":"echo","idempotencyKey":"k'),
          Buffer.from([0x80]),
          Buffer.from('"}'),
        ]),
      },
    ];

    it.each(raw)('$name', async ({ body, type }) => {
      const before = await commandCount();
      const res = await rawSubmit(alice.apiKey, body);
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 400 });
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 400, title: 'Bad Request' });
      if (type) expect(res.body.type).toBe(`urn:switchyard:problem:${type}`);
      expect(await commandCount()).toBe(before);
    });
  });

  describe('payload size', () => {
    it(`a payload of exactly MAX_PAYLOAD_BYTES (${MAX_PAYLOAD_BYTES}) bytes of JSON is accepted`, async () => {
      // JSON of a string is the string plus two quotes; 'é' is two bytes in UTF-8.
      const payload = 'é'.repeat((MAX_PAYLOAD_BYTES - 2) / 2);
      expect(Buffer.byteLength(JSON.stringify(payload))).toBe(MAX_PAYLOAD_BYTES);
      const res = await submit(alice.apiKey, { ...VALID, payload });
      expect(res.status).toBe(202);
    });

    it('one byte over is 413 with a field detail, and nothing recorded', async () => {
      const payload = `${'é'.repeat((MAX_PAYLOAD_BYTES - 2) / 2)}x`;
      const before = await commandCount();
      const res = await submit(alice.apiKey, { ...VALID, payload });
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({
        status: 413,
        type: 'urn:switchyard:problem:payload-too-large',
        errors: [expect.objectContaining({ field: 'payload' })],
      });
      expect(await commandCount()).toBe(before);
    });

    it('a body far over the limit is refused by the parser with 413 problem+json', async () => {
      const before = await commandCount();
      const res = await submit(alice.apiKey, { ...VALID, payload: 'x'.repeat(MAX_PAYLOAD_BYTES + 200 * 1024) });
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 413, type: 'urn:switchyard:problem:payload-too-large' });
      expect(await commandCount()).toBe(before);
    });
  });

  describe('accepted submissions', () => {
    it('202 with Location, a queued ledger row, one submit event, and a publish with the command id', async () => {
      const res = await submit(alice.apiKey, {
        target: { pool: 'work' },
        type: 'echo',
        payload: { hello: 'world' },
        maxAttempts: 5,
        backoff: { kind: 'constant', baseMs: 100, maxMs: 100, jitter: false },
      });
      expect(res.status).toBe(202);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      const { id, state, acceptedAt } = res.body;
      expect(Object.keys(res.body).sort()).toEqual(['acceptedAt', 'id', 'state']);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(state).toBe('queued');
      expect(Math.abs(Date.parse(acceptedAt) - Date.now())).toBeLessThan(10_000);
      expect(res.headers.location).toBe(`/v1/commands/${id}`);

      expect(await row(id)).toMatchObject({
        id,
        target_kind: 'pool',
        target: 'work',
        type: 'echo',
        payload: { hello: 'world' },
        caller: `client:${alice.clientId}`,
        idempotency_key: null,
        mode: 'async',
        state: 'queued',
        attempt: 0,
        max_attempts: 5,
        backoff: { kind: 'constant', baseMs: 100, maxMs: 100, jitter: false },
      });
      expect(await events(id)).toEqual([{ event: 'submit', from_state: null, to_state: 'queued', attempt: 0 }]);

      const published = await jsm.streams.getMessage(streamsFor(t.namespace).commands, {
        last_by_subj: subjectsFor(t.namespace).submitToPool('work'),
      });
      expect(published?.header.get(LEDGER_ID_HEADER)).toBe(id);
      expect(published?.header.get('Nats-Msg-Id')).toBe(id);
    });

    it('an agent target is published on the agent subject', async () => {
      const res = await submit(alice.apiKey, { target: { agent: 'some-agent' }, type: 'echo' });
      expect(res.status).toBe(202);
      expect(await row(res.body.id)).toMatchObject({ target_kind: 'agent', target: 'some-agent' });
      const published = await jsm.streams.getMessage(streamsFor(t.namespace).commands, {
        last_by_subj: subjectsFor(t.namespace).submitToAgent('some-agent'),
      });
      expect(published?.header.get(LEDGER_ID_HEADER)).toBe(res.body.id);
    });

    it('runAt in the future → scheduled, available at runAt, not published yet', async () => {
      const runAt = new Date(Date.now() + 600_000);
      const res = await submit(alice.apiKey, { target: { pool: 'later' }, type: 'echo', runAt: runAt.toISOString() });
      expect(res.status).toBe(202);
      expect(res.body.state).toBe('scheduled');
      const r = await row(res.body.id);
      expect(r).toMatchObject({ state: 'scheduled', published_at: null });
      expect(r.run_at.toISOString()).toBe(runAt.toISOString());
      expect(r.available_at.toISOString()).toBe(runAt.toISOString());
      expect(await events(res.body.id)).toEqual([
        { event: 'submit', from_state: null, to_state: 'scheduled', attempt: 0 },
      ]);
      const info = await jsm.streams.info(streamsFor(t.namespace).commands, {
        subjects_filter: subjectsFor(t.namespace).submitToPool('later'),
      });
      expect(info.state.subjects?.[subjectsFor(t.namespace).submitToPool('later')] ?? 0).toBe(0);
    });

    it('runAt in the past → queued at once', async () => {
      const res = await submit(alice.apiKey, {
        ...VALID,
        runAt: new Date(Date.now() - 60_000).toISOString(),
      });
      expect(res.status).toBe(202);
      expect(res.body.state).toBe('queued');
    });
  });

  describe('idempotency', () => {
    it('50 concurrent submissions with one key: one 202, 49 replays of the same id, one row, one submit event', async () => {
      const body = { ...VALID, idempotencyKey: 'order-50', payload: { n: 50 } };
      const responses = await Promise.all(Array.from({ length: 50 }, () => submit(alice.apiKey, body)));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 202)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(49);
      const ids = new Set(responses.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      const [id] = ids;
      for (const r of responses) {
        expect(r.headers.location).toBe(`/v1/commands/${id}`);
        expect(r.headers['idempotent-replayed']).toBe(r.status === 200 ? 'true' : undefined);
        expect(r.body).toMatchObject({ id, state: 'queued' });
      }
      const { rows } = await t.pool.query('SELECT id FROM commands WHERE caller = $1 AND idempotency_key = $2', [
        `client:${alice.clientId}`,
        'order-50',
      ]);
      expect(rows).toEqual([{ id }]);
      expect(await events(id as string)).toHaveLength(1);
    });

    it('a replay with a different body still answers with the original command and changes nothing', async () => {
      const first = await submit(alice.apiKey, { ...VALID, type: 'first', idempotencyKey: 'replay-diff' });
      expect(first.status).toBe(202);
      const second = await submit(alice.apiKey, {
        target: { agent: 'elsewhere' },
        type: 'second',
        idempotencyKey: 'replay-diff',
      });
      expect(second.status).toBe(200);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body.id).toBe(first.body.id);
      expect(await row(first.body.id)).toMatchObject({ type: 'first', target: 'work' });
    });

    it('the same key from another client, or from an agent, is a different command', async () => {
      const body = { ...VALID, idempotencyKey: 'shared-key' };
      const a = await submit(alice.apiKey, body);
      const b = await submit(bob.apiKey, body);
      const g = await submit(agentKey, body);
      expect([a.status, b.status, g.status]).toEqual([202, 202, 202]);
      expect(new Set([a.body.id, b.body.id, g.body.id]).size).toBe(3);
      const { rows } = await t.pool.query('SELECT caller FROM commands WHERE idempotency_key = $1 ORDER BY caller', [
        'shared-key',
      ]);
      expect(rows.map((r) => r.caller).sort()).toEqual(
        ['agent:cmd-agent', `client:${alice.clientId}`, `client:${bob.clientId}`].sort(),
      );
    });

    it('a replay of a cancelled command returns it, still cancelled', async () => {
      const first = await submit(alice.apiKey, { ...VALID, idempotencyKey: 'then-cancelled' });
      expect((await cancel(alice.apiKey, first.body.id)).status).toBe(200);
      const replay = await submit(alice.apiKey, { ...VALID, idempotencyKey: 'then-cancelled' });
      expect(replay.status).toBe(200);
      expect(replay.body).toMatchObject({ id: first.body.id, state: 'cancelled' });
    });
  });

  describe('GET /v1/commands/:id', () => {
    let id: string;

    beforeAll(async () => {
      const res = await submit(alice.apiKey, { target: { pool: 'work' }, type: 'visible', payload: { secret: 1 } });
      id = res.body.id;
    });

    it('the caller sees the full command with its events', async () => {
      const res = await get(alice.apiKey, `/v1/commands/${id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id,
        state: 'queued',
        target: { pool: 'work' },
        type: 'visible',
        payload: { secret: 1 },
        caller: `client:${alice.clientId}`,
        events: [expect.objectContaining({ event: 'submit', from: null, to: 'queued', attempt: 0 })],
      });
    });

    it("another client's command is 404, the same as an unknown id", async () => {
      const other = await get(bob.apiKey, `/v1/commands/${id}`);
      const unknown = await get(bob.apiKey, '/v1/commands/0190a8a0-0000-7000-8000-000000000000');
      for (const res of [other, unknown]) {
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
        expect(res.body).toMatchObject({ status: 404, type: 'urn:switchyard:problem:command-not-found' });
        expect(JSON.stringify(res.body)).not.toContain('secret');
      }
    });

    it('an agent sees a command only once it is assigned to it', async () => {
      expect((await get(agentKey, `/v1/commands/${id}`)).status).toBe(404);
      await t.pool.query(`UPDATE commands SET assigned_agent = 'cmd-agent' WHERE id = $1`, [id]);
      expect((await get(agentKey, `/v1/commands/${id}`)).status).toBe(200);
      await t.pool.query(`UPDATE commands SET assigned_agent = NULL WHERE id = $1`, [id]);
    });

    it('a malformed id is 400 with a field detail', async () => {
      const res = await get(alice.apiKey, '/v1/commands/not-a-uuid');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: '(root)' })]);
    });
  });

  describe('GET /v1/commands (listing)', () => {
    it('25 commands in pages of 10: every one exactly once, newest first, then no cursor', async () => {
      const carol = await mintClient(app, 'carol');
      const submitted: string[] = [];
      for (let i = 0; i < 25; i += 1) {
        const res = await submit(carol.apiKey, { target: { pool: 'pages' }, type: 'page', payload: { i } });
        expect(res.status).toBe(202);
        submitted.push(res.body.id);
      }
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(carol.apiKey, `/v1/commands?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        sizes.push(res.body.items.length);
        seen.push(...res.body.items.map((c: { id: string }) => c.id));
        for (const item of res.body.items) {
          expect(item).toHaveProperty('payloadPreview');
          expect(item).not.toHaveProperty('payload');
        }
        cursor = res.body.nextCursor;
      } while (cursor && sizes.length < 10);
      expect(sizes).toEqual([10, 10, 5]);
      expect(seen).toEqual([...submitted].reverse());
    });

    it("a client's listing holds only its own commands", async () => {
      const res = await get(bob.apiKey, '/v1/commands?limit=500');
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeGreaterThan(0);
      for (const item of res.body.items) expect(item.caller).toBe(`client:${bob.clientId}`);
    });

    describe('filters', () => {
      let dave: string;
      const ids: Record<string, string> = {};

      beforeAll(async () => {
        dave = (await mintClient(app, 'dave')).apiKey;
        const specs: [string, object][] = [
          ['alpha1', { target: { pool: 'f-pool' }, type: 'alpha' }],
          ['alpha2', { target: { pool: 'f-pool' }, type: 'alpha' }],
          ['alpha3', { target: { pool: 'f-pool' }, type: 'alpha' }],
          ['beta1', { target: { agent: 'f-agent' }, type: 'beta' }],
          ['beta2', { target: { agent: 'f-agent' }, type: 'beta' }],
          [
            'betaLater',
            { target: { pool: 'f-pool' }, type: 'beta', runAt: new Date(Date.now() + 600_000).toISOString() },
          ],
        ];
        for (const [name, body] of specs) {
          const res = await submit(dave, body);
          expect(res.status).toBe(202);
          ids[name] = res.body.id;
        }
        expect((await cancel(dave, ids.alpha3)).status).toBe(200);
      });

      const cases: { query: string; expected: string[] }[] = [
        { query: 'type=alpha', expected: ['alpha1', 'alpha2', 'alpha3'] },
        { query: 'type=beta', expected: ['beta1', 'beta2', 'betaLater'] },
        { query: 'target=f-agent', expected: ['beta1', 'beta2'] },
        { query: 'target=f-pool', expected: ['alpha1', 'alpha2', 'alpha3', 'betaLater'] },
        { query: 'state=scheduled', expected: ['betaLater'] },
        { query: 'state=cancelled', expected: ['alpha3'] },
        { query: 'state=queued&type=alpha', expected: ['alpha1', 'alpha2'] },
        { query: 'state=queued&target=f-pool&type=beta', expected: [] },
        { query: 'type=gamma', expected: [] },
      ];

      it.each(cases)('?$query', async ({ query, expected }) => {
        const res = await get(dave, `/v1/commands?${query}`);
        expect(res.status).toBe(200);
        const got = res.body.items.map((c: { id: string }) => c.id);
        expect(got).toEqual(
          expected
            .map((n) => ids[n])
            .sort()
            .reverse(),
        );
        expect(res.body.nextCursor).toBeNull();
      });

      const bad: { query: string; field: string }[] = [
        { query: 'state=bogus', field: 'state' },
        { query: 'limit=0', field: 'limit' },
        { query: 'limit=501', field: 'limit' },
        { query: 'limit=ten', field: 'limit' },
        { query: 'cursor=!!!', field: 'cursor' },
        { query: `cursor=${Buffer.from('not-a-uuid').toString('base64url')}`, field: 'cursor' },
        { query: 'colour=red', field: '(root)' },
      ];

      it.each(bad)('?$query → 400 naming $field', async ({ query, field }) => {
        const res = await get(dave, `/v1/commands?${query}`);
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      });
    });
  });

  describe('POST /v1/commands/:id/cancel', () => {
    it('cancels a queued command: 200, cancelled row with the reason, one cancel event', async () => {
      const { body } = await submit(alice.apiKey, VALID);
      const res = await cancel(alice.apiKey, body.id, { reason: 'changed my mind' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: body.id, state: 'cancelled' });
      const r = await row(body.id);
      expect(r).toMatchObject({ state: 'cancelled', error: { message: 'changed my mind', code: 'cancelled' } });
      expect(r.finished_at).toBeInstanceOf(Date);
      expect(await events(body.id)).toEqual([
        { event: 'submit', from_state: null, to_state: 'queued', attempt: 0 },
        { event: 'cancel', from_state: 'queued', to_state: 'cancelled', attempt: 0 },
      ]);
    });

    it('a second cancel is a no-op answering 200 with the cancelled row', async () => {
      const { body } = await submit(alice.apiKey, VALID);
      expect((await cancel(alice.apiKey, body.id)).status).toBe(200);
      const finishedAt = (await row(body.id)).finished_at;
      const again = await cancel(alice.apiKey, body.id, { reason: 'again' });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: body.id, state: 'cancelled' });
      const r = await row(body.id);
      expect(r.finished_at).toEqual(finishedAt);
      expect(r.error.message).not.toBe('again');
      expect((await events(body.id)).filter((e) => e.event === 'cancel')).toHaveLength(1);
    });

    it('cancels a scheduled command', async () => {
      const { body } = await submit(alice.apiKey, { ...VALID, runAt: new Date(Date.now() + 600_000).toISOString() });
      const res = await cancel(alice.apiKey, body.id);
      expect(res.status).toBe(200);
      expect(res.body.state).toBe('cancelled');
    });

    it.each(['succeeded', 'failed', 'expired', 'stuck'])('a %s command is 409 and stays as it was', async (state) => {
      const { body } = await submit(alice.apiKey, VALID);
      await t.pool.query(`UPDATE commands SET state = $2, finished_at = now() WHERE id = $1`, [body.id, state]);
      const before = await row(body.id);
      const res = await cancel(alice.apiKey, body.id);
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 409, type: 'urn:switchyard:problem:command-terminal', state });
      expect(await row(body.id)).toEqual(before);
      expect((await events(body.id)).map((e) => e.event)).toEqual(['submit']);
    });

    it("another client's command is 404 and stays queued", async () => {
      const { body } = await submit(alice.apiKey, VALID);
      const res = await cancel(bob.apiKey, body.id);
      expect(res.status).toBe(404);
      expect((await row(body.id)).state).toBe('queued');
    });

    it('an unknown id is 404, a malformed id 400, an unknown body field 400', async () => {
      expect((await cancel(alice.apiKey, '0190a8a0-0000-7000-8000-000000000000')).status).toBe(404);
      expect((await cancel(alice.apiKey, 'nope')).status).toBe(400);
      const { body } = await submit(alice.apiKey, VALID);
      const res = await cancel(alice.apiKey, body.id, { reason: 'x', force: true });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: '(root)' })]);
      expect((await row(body.id)).state).toBe('queued');
    });
  });
});
