import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { nextFireTime } from '@switchyard/domain';
import { ScheduleRow } from '@switchyard/persistence';
import { Pool } from 'pg';
import request from 'supertest';
import { scheduleFireJob } from '../../../apps/orchestrator/src/jobs/schedule-fire.job';
import type { Effect } from '../../../apps/orchestrator/src/runner/due-job';
import { DueRunner, PassResult } from '../../../apps/orchestrator/src/runner/due-runner';
import { bootGateway, mintClient, MintedKey, PROBLEM_JSON } from '../gateway/in-process-gateway';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { waitFor } from '../../support/wait';
import { closePool } from '../../support/close-pool';

const MAX_PAYLOAD_BYTES = 2048;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const VALID = {
  name: 'nightly report',
  cron: '30 2 * * *',
  timezone: 'Europe/Berlin',
  command: { target: { pool: 'reports' }, type: 'report.nightly', payload: { format: 'pdf' } },
};
const RUNNER = { tickIntervalMs: 100, batchSize: 50 };

const floorTo = (unitMs: number, d: Date) => new Date(Math.floor(d.getTime() / unitMs) * unitMs);

/**
 * Schedules end to end below the HTTP edge: the gateway's routes (in-process,
 * real Postgres and NATS) and the orchestrator's schedule-fire job run by real
 * DueRunners on their own connection pools, as replicas would.
 */
describe('schedules (gateway routes and the schedule-fire job, real Postgres and NATS)', () => {
  let t: TestEnv;
  let app: INestApplication;
  let alice: MintedKey & { clientId: string };
  let bob: MintedKey & { clientId: string };

  const http = () => request(app.getHttpServer());
  const create = (key: string, body: unknown) =>
    http()
      .post('/v1/schedules')
      .set('authorization', `Bearer ${key}`)
      .send(body as object);
  const list = (key: string, query = '') => http().get(`/v1/schedules${query}`).set('authorization', `Bearer ${key}`);
  const remove = (key: string, id: string) =>
    http().delete(`/v1/schedules/${id}`).set('authorization', `Bearer ${key}`);
  const job = () => scheduleFireJob(t.config('orchestrator').commandDefaults);

  async function scheduleCount(): Promise<number> {
    const { rows } = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM schedules');
    return rows[0].n;
  }
  async function scheduleRow(id: string): Promise<ScheduleRow> {
    const { rows } = await t.pool.query<ScheduleRow>('SELECT * FROM schedules WHERE id = $1', [id]);
    return rows[0];
  }
  /** The commands a schedule fired, by fire time. */
  async function fired(scheduleId: string) {
    const { rows } = await t.pool.query<{ id: string; idempotency_key: string; state: string; target: string }>(
      `SELECT id, idempotency_key, state, target FROM commands WHERE caller = $1 ORDER BY idempotency_key`,
      [`schedule:${scheduleId}`],
    );
    return rows;
  }
  async function setNextFireAt(id: string, at: Date): Promise<void> {
    await t.pool.query('UPDATE schedules SET next_fire_at = $2 WHERE id = $1', [id, at]);
  }
  /** A runner that is never started: tests call `pass` and read what it would publish. */
  function passRunner(): { runner: DueRunner; effects: Effect[] } {
    const effects: Effect[] = [];
    const runner = new DueRunner(t.pool, [job()], RUNNER, (list) => {
      effects.push(...list);
      return Promise.resolve();
    });
    return { runner, effects };
  }

  beforeAll(async () => {
    t = await createTestEnv();
    app = await bootGateway(t, { MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES) });
    alice = await mintClient(app, 'alice');
    bob = await mintClient(app, 'bob');
  });

  afterAll(async () => {
    await app?.close();
    await t?.teardown();
  });

  describe('POST /v1/schedules', () => {
    it('201 with the schedule and its first fire time', async () => {
      const res = await create(alice.apiKey, VALID);
      expect(res.status).toBe(201);
      const body = res.body;
      expect(body).toEqual({
        id: expect.stringMatching(UUID_V7),
        name: 'nightly report',
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        catchUp: 'once',
        command: { target: { pool: 'reports' }, type: 'report.nightly', payload: { format: 'pdf' } },
        nextFireAt: expect.any(String),
        lastFiredAt: null,
        createdAt: expect.any(String),
      });
      // The first 02:30 in Berlin after creation.
      expect(body.nextFireAt).toBe(nextFireTime(VALID, new Date(body.createdAt)).toISOString());
      expect(Date.parse(body.nextFireAt) - Date.parse(body.createdAt)).toBeLessThanOrEqual(25 * 3_600_000);

      expect(await scheduleRow(body.id)).toMatchObject({
        caller: `client:${alice.clientId}`,
        catch_up: 'once',
        command: { target: { kind: 'pool', name: 'reports' }, type: 'report.nightly', payload: { format: 'pdf' } },
        last_fired_at: null,
        deleted_at: null,
      });
    });

    it('canonicalises the zone, takes a 6-field cron and keeps the command options', async () => {
      const command = {
        target: { agent: 'agent-7' },
        type: 'probe',
        maxAttempts: 5,
        backoff: { kind: 'constant', baseMs: 200, maxMs: 200, jitter: false },
        ackTimeoutMs: 5_000,
        heartbeatTimeoutMs: 20_000,
        deadlineMs: 60_000,
      };
      const res = await create(alice.apiKey, {
        name: 'probe',
        cron: ' 0 */10 * * * * ',
        timezone: 'america/new_york',
        catchUp: 'all',
        command,
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        cron: '0 */10 * * * *',
        timezone: 'America/New_York',
        catchUp: 'all',
        command: { ...command, payload: null },
      });
      const next = new Date(res.body.nextFireAt);
      expect(next.getTime() % 600_000).toBe(0);
      expect(next.getTime() - Date.parse(res.body.createdAt)).toBeLessThanOrEqual(600_000);
      await remove(alice.apiKey, res.body.id);
    });

    const refusals: { name: string; body: Record<string, unknown>; fields: string[]; message?: RegExp }[] = [
      { name: 'cron that is not one', body: { ...VALID, cron: 'every day at noon' }, fields: ['cron'] },
      { name: 'cron with 3 fields', body: { ...VALID, cron: '* * *' }, fields: ['cron'], message: /5 fields/ },
      { name: 'cron minute out of range', body: { ...VALID, cron: '61 * * * *' }, fields: ['cron'], message: /0-59/ },
      { name: 'cron day that never comes', body: { ...VALID, cron: '0 0 30 2 *' }, fields: ['cron'] },
      { name: 'hashed cron', body: { ...VALID, cron: 'H * * * *' }, fields: ['cron'], message: /hashed/ },
      { name: 'cron not a string', body: { ...VALID, cron: 5 }, fields: ['cron'] },
      {
        name: 'unknown time zone',
        body: { ...VALID, timezone: 'Mars/Olympus' },
        fields: ['timezone'],
        message: /IANA/,
      },
      { name: 'offset instead of a zone', body: { ...VALID, timezone: 'UTC+2' }, fields: ['timezone'] },
      { name: 'no time zone', body: { ...VALID, timezone: undefined }, fields: ['timezone'] },
      {
        name: 'bad cron and unknown zone at once',
        body: { ...VALID, cron: 'x', timezone: 'Nowhere' },
        fields: ['cron', 'timezone'],
      },
      { name: 'empty name', body: { ...VALID, name: '  ' }, fields: ['name'] },
      { name: 'unknown catch-up policy', body: { ...VALID, catchUp: 'sometimes' }, fields: ['catchUp'] },
      { name: 'unknown top-level field', body: { ...VALID, every: 'day' }, fields: ['(root)'] },
      { name: 'no command', body: { ...VALID, command: undefined }, fields: ['command'] },
      { name: 'command without target', body: { ...VALID, command: { type: 'x' } }, fields: ['command.target'] },
      {
        name: 'command with a bad type',
        body: { ...VALID, command: { ...VALID.command, type: 'no spaces' } },
        fields: ['command.type'],
      },
      ...['idempotencyKey', 'runAt', 'mode', 'id', 'deadline'].map((field) => ({
        name: `command.${field} (not for a recurring command)`,
        body: { ...VALID, command: { ...VALID.command, [field]: field === 'mode' ? 'async' : 'x' } },
        fields: ['command'],
        message: new RegExp(field),
      })),
      {
        name: 'backoff cap below its base',
        body: { ...VALID, command: { ...VALID.command, backoff: { kind: 'linear', baseMs: 5_000, maxMs: 1_000 } } },
        fields: ['command.backoff.maxMs'],
      },
      {
        name: 'deadline too short',
        body: { ...VALID, command: { ...VALID.command, deadlineMs: 10 } },
        fields: ['command.deadlineMs'],
      },
    ];

    it.each(refusals)('400 problem+json naming the field: $name', async ({ body, fields, message }) => {
      const before = await scheduleCount();
      const res = await create(alice.apiKey, body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 400, type: 'urn:switchyard:problem:validation' });
      const errors = res.body.errors as { field: string; message: string }[];
      expect([...new Set(errors.map((e) => e.field))].sort()).toEqual(fields);
      if (message) expect(errors.map((e) => e.message).join('; ')).toMatch(message);
      expect(await scheduleCount()).toBe(before);
    });

    it('413 when the command payload is over the limit, and nothing stored', async () => {
      const before = await scheduleCount();
      const res = await create(alice.apiKey, {
        ...VALID,
        command: { ...VALID.command, payload: 'x'.repeat(MAX_PAYLOAD_BYTES) },
      });
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'command.payload' })]);
      expect(await scheduleCount()).toBe(before);
    });
  });

  describe('GET and DELETE /v1/schedules', () => {
    it("lists only the caller's live schedules, oldest first, in keyset pages", async () => {
      const carol = await mintClient(app, 'carol');
      const ids: string[] = [];
      for (const name of ['first', 'second', 'third'])
        ids.push((await create(carol.apiKey, { ...VALID, name })).body.id);
      await create(bob.apiKey, { ...VALID, name: "bob's" });

      const page1 = await list(carol.apiKey, '?limit=2');
      expect(page1.status).toBe(200);
      expect(page1.body.items.map((s: { id: string }) => s.id)).toEqual(ids.slice(0, 2));
      expect(page1.body.nextCursor).toEqual(expect.any(String));
      const page2 = await list(carol.apiKey, `?limit=2&cursor=${page1.body.nextCursor}`);
      expect(page2.body).toEqual({ items: [expect.objectContaining({ id: ids[2], name: 'third' })], nextCursor: null });

      expect((await remove(carol.apiKey, ids[1])).status).toBe(204);
      const after = await list(carol.apiKey);
      expect(after.body.items.map((s: { id: string }) => s.id)).toEqual([ids[0], ids[2]]);
    });

    it("404 on another client's schedule, which stays; 204 on one's own, then 404", async () => {
      const { id } = (await create(alice.apiKey, VALID)).body;
      const refused = await remove(bob.apiKey, id);
      expect(refused.status).toBe(404);
      expect(refused.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(refused.body).toMatchObject({ status: 404, type: 'urn:switchyard:problem:schedule-not-found' });
      expect((await scheduleRow(id)).deleted_at).toBeNull();
      expect((await list(bob.apiKey)).body.items.map((s: { id: string }) => s.id)).not.toContain(id);

      const deleted = await remove(alice.apiKey, id);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect((await scheduleRow(id)).deleted_at).toBeInstanceOf(Date);
      expect((await list(alice.apiKey)).body.items.map((s: { id: string }) => s.id)).not.toContain(id);
      expect((await remove(alice.apiKey, id)).status).toBe(404);
    });

    it('404 for an unknown id, 400 for one that is not a UUID', async () => {
      expect((await remove(alice.apiKey, '0190a0b0-0000-7000-8000-000000000000')).status).toBe(404);
      const res = await remove(alice.apiKey, 'not-a-uuid');
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ message: 'must be a UUID' })]);
    });
  });

  describe('authentication', () => {
    const routes = [
      {
        route: 'POST /v1/schedules',
        call: (h: Record<string, string>) => http().post('/v1/schedules').set(h).send(VALID),
      },
      { route: 'GET /v1/schedules', call: (h: Record<string, string>) => http().get('/v1/schedules').set(h) },
      {
        route: 'DELETE /v1/schedules/:id',
        call: (h: Record<string, string>) => http().delete('/v1/schedules/0190a0b0-0000-7000-8000-000000000000').set(h),
      },
    ];
    const credentials: { credential: string; headers: Record<string, string> }[] = [
      { credential: 'no key', headers: {} },
      { credential: 'a bearer that is not a key', headers: { authorization: 'Bearer nope' } },
    ];
    const cases = routes.flatMap((r) => credentials.map((c) => ({ ...r, ...c })));

    it.each(cases)('$route with $credential: 401 problem+json, nothing changed', async ({ call, headers }) => {
      const before = await scheduleCount();
      const res = await call(headers);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(await scheduleCount()).toBe(before);
    });
  });

  describe('firing', () => {
    beforeEach(async () => {
      // Only the schedule under test may be due.
      await t.pool.query('UPDATE schedules SET deleted_at = now() WHERE deleted_at IS NULL');
    });

    it('a schedule firing every second for 10 s with 3 orchestrator replicas creates 10 commands, not 30', async () => {
      // catchUp "all" so that a pass delayed past a second (a loaded machine)
      // still fires every second rather than coalescing: then the expected
      // commands are exactly the fire times in the window, each once.
      const res = await create(alice.apiKey, {
        name: 'every second',
        cron: '* * * * * *',
        timezone: 'UTC',
        catchUp: 'all',
        command: { target: { pool: 'ticks' }, type: 'tick' },
      });
      expect(res.status).toBe(201);
      const id = res.body.id as string;
      const first = Date.parse(res.body.nextFireAt);

      const pools = Array.from({ length: 3 }, () => new Pool({ connectionString: t.databaseUrl, max: 2 }));
      const runners = pools.map((pool) => new DueRunner(pool, [job()], RUNNER, async () => {}));
      const passes: PassResult[][] = runners.map(() => []);
      runners.forEach((runner, i) => runner.on('pass', (p: PassResult) => passes[i].push(p)));
      try {
        for (const runner of runners) runner.start();
        await waitFor(
          'ten fire times to be fired',
          async () => (await scheduleRow(id)).next_fire_at.getTime() >= first + 10_000,
          { timeoutMs: 20_000, intervalMs: 20 },
        );
      } finally {
        await Promise.all(runners.map((runner) => runner.stop()));
        await Promise.all(pools.map((pool) => closePool(pool)));
      }
      const end = (await scheduleRow(id)).next_fire_at.getTime();

      // The window is [first, end): every fire time in it, and only those, has exactly one command.
      const window = Array.from({ length: (end - first) / 1000 }, (_, i) => new Date(first + i * 1000).toISOString());
      expect(window.length).toBeGreaterThanOrEqual(10);
      expect(window.length).toBeLessThanOrEqual(11); // one more second may pass between the last look and the stop
      const commands = await fired(id);
      expect(commands.map((c) => c.idempotency_key)).toEqual(window);
      expect(new Set(commands.map((c) => c.id)).size).toBe(commands.length);
      for (const c of commands) expect(c).toMatchObject({ state: 'queued', target: 'ticks' });
      const { rows: events } = await t.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM command_events WHERE command_id = ANY($1) AND event = 'submit'`,
        [commands.map((c) => c.id)],
      );
      expect(events[0].n).toBe(commands.length);

      const all = passes.flat();
      expect(all.filter((p) => p.failed > 0)).toEqual([]);
      expect(all.reduce((n, p) => n + p.applied, 0)).toBeGreaterThanOrEqual(1);
      expect((await scheduleRow(id)).last_fired_at?.toISOString()).toBe(window[window.length - 1]);
    });

    it('a fire time that already has its command creates no second one (unique caller + fire time)', async () => {
      const res = await create(alice.apiKey, { ...VALID, name: 'leap day', cron: '0 0 29 2 *', timezone: 'UTC' });
      const id = res.body.id as string;
      const fireTime = new Date(Date.now() - 3_600_000);
      await setNextFireAt(id, fireTime);
      const { runner, effects } = passRunner();

      expect(await runner.pass(job())).toMatchObject({ claimed: 1, applied: 1, failed: 0 });
      const [command] = await fired(id);
      expect(await fired(id)).toEqual([expect.objectContaining({ idempotency_key: fireTime.toISOString() })]);
      expect(effects).toEqual([
        { kind: 'offer', row: expect.objectContaining({ id: command.id }) },
        { kind: 'lifecycle', row: expect.objectContaining({ id: command.id }), event: 'submit', from: null },
      ]);
      expect((await scheduleRow(id)).next_fire_at.toISOString()).toBe(
        nextFireTime({ cron: '0 0 29 2 *', timezone: 'UTC' }, new Date()).toISOString(),
      );

      // As if the advance had been lost: the same fire time comes due again.
      await setNextFireAt(id, fireTime);
      effects.length = 0;
      expect(await runner.pass(job())).toMatchObject({ claimed: 1, applied: 1, failed: 0 });
      expect(await fired(id)).toEqual([expect.objectContaining({ id: command.id })]);
      expect(effects).toEqual([]);
      expect((await scheduleRow(id)).next_fire_at.getTime()).toBeGreaterThan(Date.now());
    });

    it('catch-up (default policy): next fire time an hour in the past fires once, for the latest fire time', async () => {
      const res = await create(alice.apiKey, { ...VALID, name: 'every minute', cron: '* * * * *', timezone: 'UTC' });
      const id = res.body.id as string;
      await setNextFireAt(id, new Date(Date.now() - 3_600_000));
      const { runner } = passRunner();

      const before = new Date();
      expect(await runner.pass(job())).toMatchObject({ claimed: 1, applied: 1, failed: 0 });
      const after = new Date();
      const commands = await fired(id);
      expect(commands).toHaveLength(1);
      // The latest minute at or before the pass's clock.
      const latest = commands[0].idempotency_key;
      expect([floorTo(60_000, before).toISOString(), floorTo(60_000, after).toISOString()]).toContain(latest);
      const schedule = await scheduleRow(id);
      expect(schedule.last_fired_at?.toISOString()).toBe(latest);
      expect(schedule.next_fire_at.getTime()).toBe(Date.parse(latest) + 60_000);

      // Caught up: the next pass has nothing due.
      expect(await runner.pass(job())).toMatchObject({ claimed: 0 });
      expect(await fired(id)).toHaveLength(1);
    });

    it(`catch-up "all": an hour of per-second fire times fires the latest 100, oldest first`, async () => {
      const res = await create(alice.apiKey, {
        ...VALID,
        name: 'every second, all',
        cron: '* * * * * *',
        timezone: 'UTC',
        catchUp: 'all',
      });
      const id = res.body.id as string;
      await setNextFireAt(id, new Date(Date.now() - 3_600_000));
      const { runner, effects } = passRunner();

      const before = new Date();
      await runner.pass(job());
      const after = new Date();
      const keys = (await fired(id)).map((c) => c.idempotency_key);
      expect(keys).toHaveLength(100);
      const last = Date.parse(keys[99]);
      expect(last).toBeGreaterThanOrEqual(floorTo(1000, before).getTime());
      expect(last).toBeLessThanOrEqual(floorTo(1000, after).getTime());
      expect(keys).toEqual(Array.from({ length: 100 }, (_, i) => new Date(last - (99 - i) * 1000).toISOString()));
      expect(effects.filter((e) => e.kind === 'offer')).toHaveLength(100);
    });

    it('catch-up "none": a missed fire time is skipped, the schedule moves to the next future one', async () => {
      const res = await create(alice.apiKey, {
        ...VALID,
        name: 'leap day, none',
        cron: '0 0 29 2 *',
        timezone: 'UTC',
        catchUp: 'none',
      });
      const id = res.body.id as string;
      await setNextFireAt(id, new Date(Date.now() - 3_600_000));
      const { runner } = passRunner();

      expect(await runner.pass(job())).toMatchObject({ claimed: 1, applied: 1, failed: 0 });
      expect(await fired(id)).toEqual([]);
      const schedule = await scheduleRow(id);
      expect(schedule.last_fired_at).toBeNull();
      expect(schedule.next_fire_at.toISOString()).toBe(
        nextFireTime({ cron: '0 0 29 2 *', timezone: 'UTC' }, new Date()).toISOString(),
      );
    });

    it("the schedule's owner reads the commands it fired; another client does not", async () => {
      const res = await create(alice.apiKey, { ...VALID, name: 'visible', cron: '* * * * *', timezone: 'UTC' });
      const id = res.body.id as string;
      await setNextFireAt(id, new Date(Date.now() - 60_000));
      const { runner } = passRunner();
      expect(await runner.pass(job())).toMatchObject({ applied: 1 });
      const [command] = await fired(id);

      const own = await http().get(`/v1/commands/${command.id}`).set('authorization', `Bearer ${alice.apiKey}`);
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ id: command.id, caller: `schedule:${id}` });
      const listed = await http().get('/v1/commands?limit=500').set('authorization', `Bearer ${alice.apiKey}`);
      expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(command.id);

      const other = await http().get(`/v1/commands/${command.id}`).set('authorization', `Bearer ${bob.apiKey}`);
      expect(other.status).toBe(404);
      const bobs = await http().get('/v1/commands?limit=500').set('authorization', `Bearer ${bob.apiKey}`);
      expect(bobs.body.items.map((c: { id: string }) => c.id)).not.toContain(command.id);
    });

    it('a deleted schedule never fires', async () => {
      const res = await create(alice.apiKey, { ...VALID, name: 'deleted', cron: '* * * * * *', timezone: 'UTC' });
      const id = res.body.id as string;
      expect((await remove(alice.apiKey, id)).status).toBe(204);
      await setNextFireAt(id, new Date(Date.now() - 60_000));
      const { runner } = passRunner();

      expect(await runner.pass(job())).toMatchObject({ claimed: 0 });
      expect(await fired(id)).toEqual([]);
    });
  });
});
