import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { CommandTarget } from '@switchyard/domain';
import { PG_POOL } from '@switchyard/persistence';
import type { Pool } from 'pg';
import { SyncService } from '../../../apps/gateway/src/sync/sync.service';
import { seedAgent } from '../../support/fixtures';
import { api } from '../../support/http';
import { waitFor } from '../../support/wait';
import { PROBLEM_JSON } from './in-process-gateway';
import { rowByKey, startSyncHarness, SyncHarness, SYNC_MAX_TIMEOUT_MS } from './sync-harness';

/**
 * `POST /v1/commands` with mode "sync" (docs/sync.md): every status produced
 * by a real scenario against the in-process gateway and dispatcher, SDK
 * agents, real Postgres and NATS JetStream.
 */
describe('sync commands over HTTP (gateway and dispatcher in-process, SDK agents)', () => {
  let h: SyncHarness;
  const post = (body: unknown, key: string | null = h.clientKey) =>
    api(h.baseUrl, 'POST', '/v1/commands', { key: key ?? undefined, body });
  const sync = (body: Record<string, unknown>) => post({ mode: 'sync', ...body });

  async function rowsWhere(where: string, params: unknown[] = []) {
    const { rows } = await h.t.pool.query(`SELECT * FROM commands WHERE ${where}`, params);
    return rows;
  }

  beforeAll(async () => {
    h = await startSyncHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  it('200: an echo agent answers; one attempt, never retried', async () => {
    const res = await sync({ target: { pool: 'work' }, type: 'echo', payload: { hello: 'world' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: expect.any(String), state: 'succeeded', result: { hello: 'world' } });
    expect(res.headers.get('location')).toBe(`/v1/commands/${res.body.id}`);
    const [row] = await rowsWhere('id = $1', [res.body.id]);
    expect(row).toMatchObject({ mode: 'sync', max_attempts: 1, attempt: 1, state: 'succeeded' });
  });

  it('422: the agent reports a failure (retryable, yet not retried)', async () => {
    const res = await sync({ target: { pool: 'work' }, type: 'fail', payload: { times: 5, retryable: true } });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({
      status: 422,
      type: 'urn:switchyard:problem:command-failed',
      id: expect.any(String),
      state: 'failed',
      error: { code: 'planned_failure', message: 'planned failure 1 of 5' },
    });
    const [row] = await rowsWhere('id = $1', [res.body.id]);
    expect(row).toMatchObject({ state: 'failed', attempt: 1 });
  });

  describe('503: no agent can take it now; Retry-After, and no row', () => {
    it.each([
      { name: 'an agent that never connected', target: { agent: 'nobody' } },
      { name: 'a pool without members', target: { pool: 'empty-pool' } },
    ])('$name', async ({ target }) => {
      const res = await sync({ target, type: 'echo', idempotencyKey: `no-agent-${JSON.stringify(target)}` });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.body).toMatchObject({ type: 'urn:switchyard:problem:no-agent', status: 503 });
      expect(res.body.id).toBeUndefined();
      const name = 'agent' in target ? target.agent : target.pool;
      expect(await rowsWhere('target = $1', [name])).toHaveLength(0);
    });

    it('saturated: the only agent (concurrency 1) is busy', async () => {
      const busy = await post({ target: { agent: 'solo' }, type: 'hold', payload: { gate: 'solo-busy' } });
      expect(busy.status).toBe(202);
      await waitFor('solo to hold its command', () => h.started('solo-busy'));
      const res = await sync({ target: { agent: 'solo' }, type: 'echo', payload: { n: 1 } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.body).toMatchObject({ type: 'urn:switchyard:problem:saturated' });
      expect((await rowsWhere(`target = 'solo'`)).map((r) => r.id)).toEqual([busy.body.id]);
      h.open('solo-busy');
      await waitFor('the busy command to finish', async () => {
        const [row] = await rowsWhere('id = $1', [busy.body.id]);
        return row.state === 'succeeded';
      });
    });

    it('the agent vanishes after the check: the dispatcher ends the command instead of parking it', async () => {
      // Live in the ledger, but nobody subscribes: the gateway admits the call, the delivery finds no
      // responder, the attempt is released and the agent marked offline; the dispatcher must then end it.
      await seedAgent(h.t.pool, { id: 'ghost', concurrency: 4 });
      const res = await sync({ target: { agent: 'ghost' }, type: 'echo', idempotencyKey: 'ghost-1' });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.body).toMatchObject({
        type: 'urn:switchyard:problem:no-agent',
        state: 'cancelled',
        error: { code: 'no_agent' },
      });
      const [row] = await rowsWhere('id = $1', [res.body.id]);
      expect(row).toMatchObject({ state: 'cancelled', error: { code: 'no_agent' } });
      const { rows: events } = await h.t.pool.query(
        'SELECT event, to_state FROM command_events WHERE command_id = $1 ORDER BY id',
        [row.id],
      );
      expect(events.at(-1)).toEqual({ event: 'cancel', to_state: 'cancelled' });
    });
  });

  it('504: a slow agent; the answer names the command, which later succeeds at its Location', async () => {
    const res = await sync({ target: { pool: 'work' }, type: 'sleep', payload: { ms: 2_500 }, timeoutMs: 1_000 });
    expect(res.status).toBe(504);
    expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({ type: 'urn:switchyard:problem:sync-timeout', id: expect.any(String) });
    expect(['dispatched', 'running']).toContain(res.body.state);
    const location = res.headers.get('location');
    expect(location).toBe(`/v1/commands/${res.body.id}`);
    const done = await waitFor('the command to succeed after the 504', async () => {
      const got = await api(h.baseUrl, 'GET', location!, { key: h.clientKey });
      return got.status === 200 && got.body.state === 'succeeded' ? got.body : undefined;
    });
    expect(done.result).toEqual({ slept: 2_500 });
  });

  it('507: the agent returns a result over MAX_RESULT_BYTES', async () => {
    const res = await sync({ target: { pool: 'work' }, type: 'big' });
    expect(res.status).toBe(507);
    expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({
      type: 'urn:switchyard:problem:result-too-large',
      state: 'failed',
      error: { code: 'result_too_large' },
    });
  });

  it('500: the command is cancelled while the caller waits', async () => {
    const pending = sync({
      target: { pool: 'work' },
      type: 'hold',
      payload: { gate: 'cancel-me' },
      idempotencyKey: 'c1',
    });
    const row = await rowByKey(h.t, 'c1', 'running');
    const cancel = await api(h.baseUrl, 'POST', `/v1/commands/${row.id}/cancel`, { key: h.clientKey, body: {} });
    expect(cancel.status).toBe(200);
    const res = await pending;
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({
      type: 'urn:switchyard:problem:command-ended',
      id: row.id,
      state: 'cancelled',
      error: { code: 'cancelled' },
    });
  });

  it('a missed event: the final state written in SQL without a publish is still answered, from the ledger', async () => {
    const pending = sync({ target: { pool: 'work' }, type: 'hold', payload: { gate: 'missed' }, idempotencyKey: 'm1' });
    const row = await rowByKey(h.t, 'm1', 'running');
    const { rowCount } = await h.t.pool.query(
      `UPDATE commands SET state = 'succeeded', result = '{"from":"sql"}'::jsonb, finished_at = now()
       WHERE id = $1 AND state = 'running'`,
      [row.id],
    );
    expect(rowCount).toBe(1);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: row.id, state: 'succeeded', result: { from: 'sql' } });
    h.open('missed');
  });

  describe('idempotent replay of a sync call', () => {
    it('two calls with one key at once, then a third after the end: one command, the same answer', async () => {
      const body = { target: { pool: 'work' }, type: 'sleep', payload: { ms: 300 }, idempotencyKey: 'same-1' };
      const [a, b] = await Promise.all([sync(body), sync(body)]);
      const c = await sync(body);
      for (const res of [a, b, c]) {
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ id: a.body.id, state: 'succeeded', result: { slept: 300 } });
      }
      expect(c.headers.get('idempotent-replayed')).toBe('true');
      expect(await rowsWhere(`idempotency_key = 'same-1'`)).toHaveLength(1);
    });

    it('a replay of a failed call answers 422 again', async () => {
      const body = { target: { pool: 'work' }, type: 'fail', payload: { times: 1 }, idempotencyKey: 'same-2' };
      const first = await sync(body);
      const again = await sync(body);
      expect([first.status, again.status]).toEqual([422, 422]);
      expect(again.body.id).toBe(first.body.id);
    });
  });

  it('200 concurrent sync calls all complete, each with its own result', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, n) => sync({ target: { pool: 'work' }, type: 'echo', payload: { n } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(200).fill(200));
    expect(results.map((r) => r.body.result)).toEqual(Array.from({ length: 200 }, (_, n) => ({ n })));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(200);
  });

  it('the calls of one turn read the fleet in one statement, and each gets its own answer', async () => {
    const pool = h.gateway.get<Pool>(PG_POOL);
    const queries = jest.spyOn(pool, 'query');
    try {
      const service = h.gateway.get(SyncService);
      const call = (target: CommandTarget, n: number) =>
        service.call({ caller: 'client:one-turn', target, request: { type: 'echo', payload: { n } } });
      const results = await Promise.all([
        ...[1, 2, 3, 4].map((n) => call({ kind: 'pool', name: 'work' }, n)),
        call({ kind: 'pool', name: 'empty-pool' }, 5),
        call({ kind: 'agent', name: 'nobody' }, 6),
      ]);
      const fleetReads = queries.mock.calls.filter(([q]) => (q as { name?: string }).name === 'sy_load_live_agents');
      expect(fleetReads).toHaveLength(1);
      expect(results.map((r) => (r.kind === 'outcome' ? r.outcome.status : r.status))).toEqual([
        200, 200, 200, 200, 503, 503,
      ]);
      const payloads = results.slice(0, 4).map((r) => (r.kind === 'outcome' ? r.row?.result : undefined));
      expect(payloads).toEqual([1, 2, 3, 4].map((n) => ({ n })));
    } finally {
      queries.mockRestore();
    }
  });

  describe('refused requests: problem+json, and nothing recorded', () => {
    it.each([
      {
        name: 'timeoutMs over SYNC_MAX_TIMEOUT_MS',
        body: { mode: 'sync', timeoutMs: SYNC_MAX_TIMEOUT_MS + 1 },
        field: 'timeoutMs',
        message: `must be at most ${SYNC_MAX_TIMEOUT_MS}`,
      },
      { name: 'timeoutMs below 100', body: { mode: 'sync', timeoutMs: 99 }, field: 'timeoutMs' },
      { name: 'timeoutMs on an async request', body: { timeoutMs: 1_000 }, field: 'timeoutMs' },
      {
        name: 'runAt with mode sync',
        body: { mode: 'sync', runAt: new Date(Date.now() + 60_000).toISOString() },
        field: 'runAt',
      },
    ])('400: $name', async ({ body, field, message }) => {
      const key = `refused-${field}-${JSON.stringify(body).length}`;
      const res = await post({ target: { pool: 'work' }, type: 'echo', idempotencyKey: key, ...body });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(res.body.errors).toEqual([{ field, message: message ?? expect.any(String) }]);
      expect(await rowsWhere('idempotency_key = $1', [key])).toHaveLength(0);
    });

    it('401: no API key', async () => {
      const res = await post({ target: { pool: 'work' }, type: 'echo', mode: 'sync' }, null);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
    });
  });
});
