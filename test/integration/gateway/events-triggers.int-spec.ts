import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { EVENT_CAUSE_HEADER, streamsFor, subjectsFor } from '@switchyard/messaging';
import request from 'supertest';
import { v7 as uuidv7 } from 'uuid';
import { createTestEnv, TEST_ADMIN_KEY, TestEnv } from '../../support/test-env';
import { bootGateway, mintAgent, mintClient, PROBLEM_JSON } from './in-process-gateway';

const MAX_PAYLOAD_BYTES = 2048;

describe('/v1/events and /v1/triggers (gateway in-process, real Postgres and NATS)', () => {
  let t: TestEnv;
  let app: INestApplication;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let alice: { apiKey: string; clientId: string };
  let bob: { apiKey: string; clientId: string };

  const http = () => request(app.getHttpServer());
  const post = (key: string, path: string, body: unknown) =>
    http()
      .post(path)
      .set('authorization', `Bearer ${key}`)
      .send(body as object);

  beforeAll(async () => {
    t = await createTestEnv();
    app = await bootGateway(t, { MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES) });
    alice = await mintClient(app, 'alice');
    bob = await mintClient(app, 'bob');
    nc = await connect({ servers: t.natsUrl });
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await nc?.close();
    await app?.close();
    await t?.teardown();
  });

  describe('POST /v1/events', () => {
    it('stores the event in the EVENTS stream: data as the body, cause and id as headers', async () => {
      const cause = uuidv7();
      const res = await post(alice.apiKey, '/v1/events', {
        subject: 'orders.created',
        data: { id: 7 },
        causeCommandId: cause,
      });
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 202 });
      expect(res.body).toMatchObject({ subject: 'orders.created', duplicate: false, id: expect.any(String) });
      const stored = await jsm.streams.getMessage(streamsFor(t.namespace).events, { seq: res.body.sequence });
      expect(stored?.subject).toBe(subjectsFor(t.namespace).event('orders.created'));
      expect(stored?.json()).toEqual({ id: 7 });
      expect(stored?.header.get('Nats-Msg-Id')).toBe(res.body.id);
      expect(stored?.header.get(EVENT_CAUSE_HEADER)).toBe(cause);
    });

    it('the same idempotency key from the same caller is the same event; the admin key works too', async () => {
      const body = { subject: 'orders.paid', data: 1, idempotencyKey: 'pay-1' };
      const first = await post(alice.apiKey, '/v1/events', body);
      const second = await post(alice.apiKey, '/v1/events', body);
      const bobs = await post(bob.apiKey, '/v1/events', body);
      expect(first.body.id).toBe(`client:${alice.clientId}:pay-1`);
      expect(second.body).toMatchObject({ id: first.body.id, duplicate: true, sequence: first.body.sequence });
      expect(bobs.body).toMatchObject({ duplicate: false });
      const admin = await http().post('/v1/events').set('x-admin-key', TEST_ADMIN_KEY).send({ subject: 'ops.note' });
      expect(admin.status).toBe(202);
      const agentKey = (await mintAgent(app, 'event-agent')).apiKey;
      expect((await post(agentKey, '/v1/events', { subject: 'agent.said' })).status).toBe(202);
    });

    const invalid: { name: string; body: unknown; field: string }[] = [
      { name: 'missing subject', body: { data: 1 }, field: 'subject' },
      { name: 'wildcard subject', body: { subject: 'orders.*' }, field: 'subject' },
      { name: 'full wildcard', body: { subject: '>' }, field: 'subject' },
      { name: 'empty token', body: { subject: 'orders..created' }, field: 'subject' },
      { name: 'whitespace', body: { subject: 'orders created' }, field: 'subject' },
      { name: 'reserved deadletter subject', body: { subject: 'deadletter.echo' }, field: 'subject' },
      { name: 'bad cause', body: { subject: 'a', causeCommandId: 'x' }, field: 'causeCommandId' },
      { name: 'empty idempotency key', body: { subject: 'a', idempotencyKey: '' }, field: 'idempotencyKey' },
      { name: 'unknown field', body: { subject: 'a', extra: 1 }, field: '(root)' },
    ];
    it.each(invalid)('400: $name', async ({ body, field }) => {
      const res = await post(alice.apiKey, '/v1/events', body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('413 for data over the limit; 401 without a key or with a wrong admin key', async () => {
      const big = await post(alice.apiKey, '/v1/events', { subject: 'a', data: 'x'.repeat(MAX_PAYLOAD_BYTES) });
      expect(big.status).toBe(413);
      expect((await http().post('/v1/events').send({ subject: 'a' })).status).toBe(401);
      expect((await http().post('/v1/events').set('x-admin-key', 'wrong').send({ subject: 'a' })).status).toBe(401);
    });
  });

  describe('/v1/triggers', () => {
    const VALID = { subjectPattern: 'orders.*', target: { pool: 'billing' }, type: 'invoice.create' };

    it('create, list (own only; the admin sees all), delete', async () => {
      const created = await post(alice.apiKey, '/v1/triggers', {
        ...VALID,
        payloadTemplate: { order: '{{data.id}}' },
        retry: { maxAttempts: 5, backoff: { kind: 'constant', baseMs: 100, maxMs: 100 } },
        deadlineMs: 60_000,
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        subjectPattern: 'orders.*',
        target: { pool: 'billing' },
        type: 'invoice.create',
        payloadTemplate: { order: '{{data.id}}' },
        mode: 'async',
        retry: { maxAttempts: 5, backoff: { kind: 'constant', baseMs: 100, maxMs: 100, jitter: true } },
        deadlineMs: 60_000,
        owner: `client:${alice.clientId}`,
      });
      const bobs = await post(bob.apiKey, '/v1/triggers', { ...VALID, target: { agent: 'b1' } });
      expect(bobs.body.payloadTemplate).toBeNull();

      const aliceList = await http().get('/v1/triggers').set('authorization', `Bearer ${alice.apiKey}`);
      expect(aliceList.body.items.map((x: { id: string }) => x.id)).toEqual([created.body.id]);
      const adminList = await http().get('/v1/triggers?limit=1').set('x-admin-key', TEST_ADMIN_KEY);
      expect(adminList.body.items.map((x: { id: string }) => x.id)).toEqual([created.body.id]);
      const adminPage2 = await http()
        .get(`/v1/triggers?limit=1&cursor=${adminList.body.nextCursor}`)
        .set('x-admin-key', TEST_ADMIN_KEY);
      expect(adminPage2.body.items.map((x: { id: string }) => x.id)).toEqual([bobs.body.id]);

      const del = (key: string, id: string) =>
        http().delete(`/v1/triggers/${id}`).set('authorization', `Bearer ${key}`);
      expect((await del(alice.apiKey, bobs.body.id)).status).toBe(404);
      expect((await del(alice.apiKey, created.body.id)).status).toBe(204);
      expect((await del(alice.apiKey, created.body.id)).status).toBe(404);
      expect((await del(alice.apiKey, 'nope')).status).toBe(400);
      expect((await http().delete(`/v1/triggers/${bobs.body.id}`).set('x-admin-key', TEST_ADMIN_KEY)).status).toBe(204);
      const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM triggers WHERE deleted_at IS NULL');
      expect(rows[0].n).toBe(0);
    });

    const invalid: { name: string; body: unknown; field: string }[] = [
      { name: 'wildcard inside a token', body: { ...VALID, subjectPattern: 'orders.a*' }, field: 'subjectPattern' },
      { name: '> not last', body: { ...VALID, subjectPattern: '>.x' }, field: 'subjectPattern' },
      { name: 'empty pattern', body: { ...VALID, subjectPattern: '' }, field: 'subjectPattern' },
      { name: 'unknown template root', body: { ...VALID, payloadTemplate: '{{event.x}}' }, field: 'payloadTemplate' },
      { name: 'sync mode', body: { ...VALID, mode: 'sync' }, field: 'mode' },
      { name: 'bad target', body: { ...VALID, target: { agent: 'A B' } }, field: 'target.agent' },
      { name: 'bad type', body: { ...VALID, type: '.x' }, field: 'type' },
      { name: 'zero attempts', body: { ...VALID, retry: { maxAttempts: 0 } }, field: 'retry.maxAttempts' },
      {
        name: 'backoff max below base',
        body: { ...VALID, retry: { backoff: { kind: 'linear', baseMs: 100, maxMs: 10 } } },
        field: 'retry.backoff.maxMs',
      },
      { name: 'unknown field', body: { ...VALID, priority: 1 }, field: '(root)' },
    ];
    it.each(invalid)('400: $name', async ({ body, field }) => {
      const res = await post(alice.apiKey, '/v1/triggers', body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('413 for a template over the payload limit; 401 without a key', async () => {
      const res = await post(alice.apiKey, '/v1/triggers', {
        ...VALID,
        payloadTemplate: 'x'.repeat(MAX_PAYLOAD_BYTES),
      });
      expect(res.status).toBe(413);
      expect((await http().post('/v1/triggers').send(VALID)).status).toBe(401);
      expect((await http().get('/v1/triggers')).status).toBe(401);
    });
  });
});
