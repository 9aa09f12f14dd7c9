import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { subjectsFor } from '@switchyard/messaging';
import { startSyncHarness, SyncHarness, SYNC_MAX_TIMEOUT_MS } from './sync-harness';

/**
 * The NATS request/reply form of sync mode (docs/sync.md): a request on
 * `<ns>.cmd.call.agent.<id>` / `<ns>.cmd.call.pool.<name>` gets its outcome,
 * with the HTTP status mapping, on the reply subject.
 */
describe('sync calls over NATS request/reply (gateway and dispatcher in-process, SDK agents)', () => {
  let h: SyncHarness;
  let nc: NatsConnection;
  let subjects: ReturnType<typeof subjectsFor>;

  async function call(subject: string, body: unknown, msgId?: string): Promise<any> {
    const h2 = headers();
    if (msgId) h2.set('Nats-Msg-Id', msgId);
    const data = typeof body === 'string' ? body : JSON.stringify(body);
    const reply = await nc.request(subject, data, { timeout: 15_000, headers: msgId ? h2 : undefined });
    return reply.json();
  }

  async function rowsWhere(where: string, params: unknown[] = []) {
    const { rows } = await h.t.pool.query(`SELECT * FROM commands WHERE ${where}`, params);
    return rows;
  }

  beforeAll(async () => {
    h = await startSyncHarness();
    subjects = subjectsFor(h.t.namespace);
    nc = await connect({ servers: h.t.natsUrl });
  });

  afterAll(async () => {
    await nc?.close();
    await h?.close();
  });

  it('call subjects are outside every stream (the COMMANDS stream never stores a call)', async () => {
    const jsm = await jetstreamManager(nc);
    await expect(jsm.streams.find(subjects.callToPool('work'))).rejects.toThrow();
    await expect(jsm.streams.find(subjects.callToAgent('solo'))).rejects.toThrow();
  });

  it('200: the outcome on the reply subject; caller nats, Nats-Msg-Id is the idempotency key', async () => {
    const reply = await call(subjects.callToPool('work'), { type: 'echo', payload: { via: 'nats' } }, 'svc-call-1');
    expect(reply).toEqual({ status: 200, id: expect.any(String), state: 'succeeded', result: { via: 'nats' } });
    const [row] = await rowsWhere('id = $1', [reply.id]);
    expect(row).toMatchObject({ caller: 'nats', idempotency_key: 'svc-call-1', mode: 'sync', max_attempts: 1 });

    const again = await call(subjects.callToPool('work'), { type: 'echo', payload: { via: 'nats' } }, 'svc-call-1');
    expect(again).toEqual({ ...reply, replayed: true });
    expect(await rowsWhere(`idempotency_key = 'svc-call-1'`)).toHaveLength(1);
  });

  it('422: the agent failed', async () => {
    const reply = await call(subjects.callToAgent('solo'), { type: 'fail', payload: { times: 1 } });
    expect(reply).toMatchObject({
      status: 422,
      state: 'failed',
      error: { code: 'command-failed', detail: { code: 'planned_failure' } },
    });
  });

  it('503: no live agent; retryAfterSeconds, and no row', async () => {
    const reply = await call(subjects.callToAgent('nobody'), { type: 'echo' }, 'svc-nobody');
    expect(reply).toMatchObject({ status: 503, error: { code: 'no-agent' }, retryAfterSeconds: 5 });
    expect(reply.id).toBeUndefined();
    expect(await rowsWhere(`target = 'nobody'`)).toHaveLength(0);
  });

  it('504: not finished in time; the command keeps running and later succeeds', async () => {
    const reply = await call(subjects.callToPool('work'), { type: 'sleep', payload: { ms: 2_000 }, timeoutMs: 500 });
    expect(reply).toMatchObject({ status: 504, id: expect.any(String), error: { code: 'sync-timeout' } });
    const deadline = Date.now() + 10_000;
    let state = reply.state;
    while (state !== 'succeeded' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await rowsWhere('id = $1', [reply.id]))[0].state;
    }
    expect(state).toBe('succeeded');
  });

  describe('malformed calls: a 4xx reply, no row, and the responder keeps answering', () => {
    it.each([
      { name: 'invalid JSON', body: '{"type":', code: 'malformed-json' },
      { name: 'an empty body', body: '', code: 'malformed-json' },
      { name: 'a JSON array', body: [{ type: 'echo' }], code: 'invalid-body' },
      { name: 'an unknown field', body: { type: 'echo', colour: 'red' }, code: 'invalid-body', field: '(root)' },
      { name: 'a type with a space', body: { type: 'two words' }, code: 'invalid-body', field: 'type' },
      { name: 'mode async', body: { type: 'echo', mode: 'async' }, code: 'invalid-body', field: 'mode' },
      {
        name: 'timeoutMs over the maximum',
        body: { type: 'echo', timeoutMs: SYNC_MAX_TIMEOUT_MS + 1 },
        code: 'validation',
        field: 'timeoutMs',
      },
    ])('$name → 400 $code', async ({ body, code, field }) => {
      const before = (await rowsWhere('true')).length;
      const reply = await call(subjects.callToPool('work'), body);
      expect(reply).toMatchObject({ status: 400, error: { code } });
      if (field) expect(reply.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect((await rowsWhere('true')).length).toBe(before);
    });

    it('a target that is not a slug → 400 bad-subject', async () => {
      const reply = await call(`${h.t.namespace}.cmd.call.pool.Not_A_Slug`, { type: 'echo' });
      expect(reply).toMatchObject({ status: 400, error: { code: 'bad-subject' } });
    });

    it('still answers after all of the above', async () => {
      const reply = await call(subjects.callToPool('work'), { type: 'echo', payload: 1 });
      expect(reply).toMatchObject({ status: 200, result: 1 });
    });
  });
});
