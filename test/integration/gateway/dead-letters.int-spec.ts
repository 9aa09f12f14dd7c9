import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { seedCommands } from '../../support/fixtures';
import request from 'supertest';
import { v7 as uuidv7 } from 'uuid';
import { createTestEnv, TEST_ADMIN_KEY, TestEnv } from '../../support/test-env';
import { bootGateway, mintClient, PROBLEM_JSON } from './in-process-gateway';

/**
 * The dead-letter routes against real Postgres: the past (failed commands and
 * their dead letters) is written directly, the routes are driven over HTTP.
 */
describe('/v1/dead-letters (gateway in-process, real Postgres and NATS)', () => {
  let t: TestEnv;
  let app: INestApplication;
  let alice: { apiKey: string; clientId: string };
  let bob: { apiKey: string; clientId: string };

  const http = () => request(app.getHttpServer());
  const as = (key: string) => (req: request.Test) =>
    key === 'admin' ? req.set('x-admin-key', TEST_ADMIN_KEY) : req.set('authorization', `Bearer ${key}`);
  const get = (key: string, path: string) => as(key)(http().get(path));
  const post = (key: string, path: string, body?: object) => {
    const req = as(key)(http().post(path));
    return body === undefined ? req : req.send(body);
  };

  /** A failed command of `caller` with its dead letter, written `ageMs` ago. */
  async function deadLetter(
    caller: string,
    fields: { type?: string; reason?: string; target?: string; resolved?: boolean } = {},
  ): Promise<{ id: string; commandId: string }> {
    const [command] = await seedCommands(t.pool, 1, {
      caller,
      type: fields.type ?? 'echo',
      target: fields.target ?? 'agent-1',
      payload: { from: caller },
      maxAttempts: 2,
      depth: 1,
    });
    await t.pool.query(
      `UPDATE commands SET state = 'failed', attempt = 2, finished_at = now(), error = '{"message":"boom","code":"boom"}' WHERE id = $1`,
      [command.id],
    );
    const id = uuidv7();
    await t.pool.query(
      `INSERT INTO dead_letters (id, command_id, reason, type, target, attempt, error, published_at, resolved_at)
       VALUES ($1, $2, $3, $4, $5, 2, '{"message":"boom","code":"boom"}', now(), $6)`,
      [
        id,
        command.id,
        fields.reason ?? 'boom',
        fields.type ?? 'echo',
        fields.target ?? 'agent-1',
        fields.resolved ? new Date() : null,
      ],
    );
    return { id, commandId: command.id };
  }

  beforeAll(async () => {
    t = await createTestEnv();
    app = await bootGateway(t);
    alice = await mintClient(app, 'alice');
    bob = await mintClient(app, 'bob');
  });

  afterAll(async () => {
    await app?.close();
    await t?.teardown();
  });

  beforeEach(async () => {
    await t.pool.query('TRUNCATE commands CASCADE');
  });

  describe('list', () => {
    it('newest first, filtered, paginated with a cursor; a client sees only its own', async () => {
      const aliceCaller = `client:${alice.clientId}`;
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push((await deadLetter(aliceCaller, { type: i % 2 ? 'odd' : 'even' })).id);
      const resolved = await deadLetter(aliceCaller, {
        type: 'even',
        reason: 'expired',
        target: 'agent-2',
        resolved: true,
      });
      const bobs = await deadLetter(`client:${bob.clientId}`);

      const page1 = await get(alice.apiKey, '/v1/dead-letters?limit=4');
      expect(page1.status).toBe(200);
      expect(page1.body.items.map((d: { id: string }) => d.id)).toEqual([resolved.id, ...ids.slice(2).reverse()]);
      const page2 = await get(alice.apiKey, `/v1/dead-letters?limit=4&cursor=${page1.body.nextCursor}`);
      expect(page2.body.items.map((d: { id: string }) => d.id)).toEqual([ids[1], ids[0]]);
      expect(page2.body.nextCursor).toBeNull();

      const filters: [string, string[]][] = [
        ['type=odd', [ids[3], ids[1]]],
        ['reason=expired', [resolved.id]],
        ['target=agent-2', [resolved.id]],
        ['resolved=true', [resolved.id]],
        ['resolved=false&type=even', [ids[4], ids[2], ids[0]]],
      ];
      for (const [query, expected] of filters) {
        const res = await get(alice.apiKey, `/v1/dead-letters?${query}`);
        expect({ query, ids: res.body.items.map((d: { id: string }) => d.id) }).toEqual({ query, ids: expected });
      }
      const admin = await get('admin', '/v1/dead-letters?limit=500');
      expect(admin.body.items.map((d: { id: string }) => d.id)).toContain(bobs.id);
      expect(admin.body.items).toHaveLength(7);
      const bobList = await get(bob.apiKey, '/v1/dead-letters');
      expect(bobList.body.items.map((d: { id: string }) => d.id)).toEqual([bobs.id]);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['resolved=maybe', 'resolved'],
      ['cursor=%25%25', 'cursor'],
      ['unknown=1', '(root)'],
    ])('400 for %s', async (query, field) => {
      const res = await get(alice.apiKey, `/v1/dead-letters?${query}`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });

  describe('get', () => {
    it('the dead letter with its command and state', async () => {
      const { id, commandId } = await deadLetter(`client:${alice.clientId}`, { type: 'report.daily' });
      const res = await get(alice.apiKey, `/v1/dead-letters/${id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id,
        commandId,
        reason: 'boom',
        type: 'report.daily',
        target: { agent: 'agent-1' },
        attempt: 2,
        depth: 1,
        error: { message: 'boom', code: 'boom' },
        replayedAt: null,
        replayCommandId: null,
        resolvedAt: null,
        handlerFailedAt: null,
        handlerCommandId: null,
      });
    });

    it("404 for an unknown id and for another client's dead letter; 400 for a bad id", async () => {
      const bobs = await deadLetter(`client:${bob.clientId}`);
      expect((await get(alice.apiKey, `/v1/dead-letters/${uuidv7()}`)).status).toBe(404);
      const hidden = await get(alice.apiKey, `/v1/dead-letters/${bobs.id}`);
      expect(hidden.status).toBe(404);
      expect(hidden.headers['content-type']).toMatch(PROBLEM_JSON);
      expect((await get(alice.apiKey, '/v1/dead-letters/not-a-uuid')).status).toBe(400);
    });
  });

  describe('replay', () => {
    it('creates a new linked command; a second replay is 409; force replays again', async () => {
      const { id, commandId } = await deadLetter(`client:${alice.clientId}`, { type: 'echo' });
      const first = await post(alice.apiKey, `/v1/dead-letters/${id}/replay`);
      expect(first.status).toBe(201);
      const replayId = first.body.command.id as string;
      expect(first.headers.location).toBe(`/v1/commands/${replayId}`);
      expect(first.body).toMatchObject({ command: { state: 'queued' }, deadLetter: { id, replayCommandId: replayId } });

      const { rows } = await t.pool.query('SELECT * FROM commands WHERE id = $1', [replayId]);
      expect(rows[0]).toMatchObject({
        type: 'echo',
        target_kind: 'agent',
        target: 'agent-1',
        payload: { from: `client:${alice.clientId}` },
        caller: `client:${alice.clientId}`,
        state: 'queued',
        attempt: 0,
        max_attempts: 2,
        parent_id: commandId,
        depth: 1,
      });
      const command = await get(alice.apiKey, `/v1/commands/${replayId}`);
      expect(command.status).toBe(200);

      const second = await post(alice.apiKey, `/v1/dead-letters/${id}/replay`, {});
      expect(second.status).toBe(409);
      expect(second.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(second.body).toMatchObject({ replayCommandId: replayId });

      const forced = await post('admin', `/v1/dead-letters/${id}/replay`, { force: true });
      expect(forced.status).toBe(201);
      expect(forced.body.command.id).not.toBe(replayId);
      expect(forced.body.deadLetter.replayCommandId).toBe(forced.body.command.id);
      const { rows: children } = await t.pool.query('SELECT id FROM commands WHERE parent_id = $1', [commandId]);
      expect(children).toHaveLength(2);
    });

    it('two replays at once: one wins, the other is 409', async () => {
      const { id } = await deadLetter(`client:${alice.clientId}`);
      const results = await Promise.all([1, 2].map(() => post(alice.apiKey, `/v1/dead-letters/${id}/replay`)));
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    });

    it('failure cases: 401 without a key, 404 unknown or not the caller, 400 bad id or body', async () => {
      const bobs = await deadLetter(`client:${bob.clientId}`);
      expect((await http().post(`/v1/dead-letters/${bobs.id}/replay`)).status).toBe(401);
      expect((await http().post(`/v1/dead-letters/${bobs.id}/replay`).set('x-admin-key', 'wrong')).status).toBe(401);
      expect((await post(alice.apiKey, `/v1/dead-letters/${bobs.id}/replay`)).status).toBe(404);
      expect((await post(alice.apiKey, `/v1/dead-letters/${uuidv7()}/replay`)).status).toBe(404);
      expect((await post(alice.apiKey, '/v1/dead-letters/123/replay')).status).toBe(400);
      const bad = await post(bob.apiKey, `/v1/dead-letters/${bobs.id}/replay`, { force: 'yes' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([{ field: 'force', message: expect.any(String) }]);
      expect((await post(bob.apiKey, `/v1/dead-letters/${bobs.id}/replay`, { again: true })).status).toBe(400);
    });
  });

  describe('resolve', () => {
    it('records the note once; a second resolve is 409', async () => {
      const { id } = await deadLetter(`client:${alice.clientId}`);
      const res = await post(alice.apiKey, `/v1/dead-letters/${id}/resolve`, { note: 'fixed upstream' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, resolutionNote: 'fixed upstream' });
      expect(res.body.resolvedAt).toEqual(expect.any(String));
      const again = await post(alice.apiKey, `/v1/dead-letters/${id}/resolve`, { note: 'again' });
      expect(again.status).toBe(409);
      expect(again.headers['content-type']).toMatch(PROBLEM_JSON);
      const listed = await get(alice.apiKey, '/v1/dead-letters?resolved=true');
      expect(listed.body.items.map((d: { id: string }) => d.id)).toEqual([id]);
    });

    it('failure cases: 401, 404, 400 (missing or empty note, bad id)', async () => {
      const { id } = await deadLetter(`client:${alice.clientId}`);
      expect((await http().post(`/v1/dead-letters/${id}/resolve`).send({ note: 'x' })).status).toBe(401);
      expect((await post(bob.apiKey, `/v1/dead-letters/${id}/resolve`, { note: 'x' })).status).toBe(404);
      expect((await post(alice.apiKey, `/v1/dead-letters/${uuidv7()}/resolve`, { note: 'x' })).status).toBe(404);
      for (const body of [{}, { note: '' }, { note: '   ' }, { note: 'x', extra: 1 }]) {
        const res = await post(alice.apiKey, `/v1/dead-letters/${id}/resolve`, body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
      }
      expect((await post(alice.apiKey, '/v1/dead-letters/nope/resolve', { note: 'x' })).status).toBe(400);
      expect((await get(alice.apiKey, `/v1/dead-letters/${id}`)).body.resolvedAt).toBeNull();
    });
  });

  it('401 on every route without a key', async () => {
    expect((await http().get('/v1/dead-letters')).status).toBe(401);
    expect((await http().get(`/v1/dead-letters/${uuidv7()}`)).status).toBe(401);
    expect((await http().get('/v1/dead-letters').set('authorization', 'Bearer nope')).status).toBe(401);
  });
});
