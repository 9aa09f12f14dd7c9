import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CommandRow } from '@switchyard/persistence';
import type { DueJob } from '../../../apps/orchestrator/src/runner/due-job';
import { RETENTION_BATCH } from '../../../apps/orchestrator/src/jobs/retention.job';
import { seedAgent, seedCommands } from '../../support/fixtures';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { at, jobs, LIVENESS_MS, recordingRunner, RELAY_AFTER_MS, RETENTION_MS } from '../../support/ticker';

/**
 * Every ticker job against real Postgres, driven one pass at a time through
 * the real DueRunner at a fixed instant (`at(job, NOW)`): the past is written
 * into the rows, never slept through.
 */
const NOW = new Date();
const ms = (offset: number) => new Date(NOW.getTime() + offset);
/** The fixtures' backoff: exponential from 1 s without jitter, so attempt 1 waits exactly 1 s. */
const FIRST_BACKOFF_MS = 1_000;

/** A job that also reports the ids it claimed. */
function spied<Row>(job: DueJob<Row>): { job: DueJob<Row>; claimed: string[] } {
  const claimed: string[] = [];
  return {
    claimed,
    job: {
      ...job,
      claim: async (tx, now, limit) => {
        const rows = await job.claim(tx, now, limit);
        claimed.push(...rows.map((r) => job.idOf(r)));
        return rows;
      },
    },
  };
}

describe('ticker jobs (real Postgres)', () => {
  let t: TestEnv;

  beforeAll(async () => {
    t = await createTestEnv();
  });
  afterAll(async () => {
    await t?.teardown();
  });
  beforeEach(async () => {
    await t.pool.query('TRUNCATE commands, agents CASCADE');
  });

  /** A command for agent-1 moved straight into `state` with the given columns: the past, written down. */
  async function seed(state: CommandRow['state'], columns: Record<string, unknown> = {}, maxAttempts = 3) {
    const [row] = await seedCommands(t.pool, 1, { maxAttempts });
    const entries = Object.entries({ state, ...columns });
    await t.pool.query(
      `UPDATE commands SET ${entries.map(([column], i) => `${column} = $${i + 2}`).join(', ')} WHERE id = $1`,
      [row.id, ...entries.map(([, value]) => value)],
    );
    return row.id;
  }

  const held = (state: 'dispatched' | 'running', leaseEnd: Date, attempt = 1) => ({
    attempt,
    assigned_agent: 'agent-1',
    dispatched_at: ms(-60_000),
    ...(state === 'running' ? { accepted_at: ms(-59_000), last_heartbeat_at: ms(-59_000) } : {}),
    lease_expires_at: leaseEnd,
  });

  const load = async (id: string) =>
    (await t.pool.query<CommandRow>('SELECT * FROM commands WHERE id = $1', [id])).rows[0];
  const events = async (id: string) =>
    (
      await t.pool.query<{ event: string; from_state: string; to_state: string; attempt: number }>(
        'SELECT event, from_state, to_state, attempt FROM command_events WHERE command_id = $1 AND event <> $2 ORDER BY id',
        [id, 'submit'],
      )
    ).rows;
  const deadLetter = async (id: string) =>
    (await t.pool.query('SELECT reason, attempt FROM dead_letters WHERE command_id = $1', [id])).rows[0] as
      { reason: string; attempt: number } | undefined;

  describe('due / not-due boundaries: due exactly at now and 1 ms before are claimed, 1 ms after is not', () => {
    const cases: { name: string; job: DueJob<any>; seed: (dueAt: Date) => Promise<string> }[] = [
      {
        name: 'scheduled-due (run_at)',
        job: jobs.scheduledDue,
        seed: (dueAt) => seed('scheduled', { run_at: dueAt, available_at: dueAt, published_at: null }),
      },
      {
        name: 'publish-due, retry (available_at, never published)',
        job: jobs.publishDue,
        seed: (dueAt) => seed('queued', { available_at: dueAt, published_at: null }),
      },
      {
        name: 'publish-due, relay (published_at + RELAY_AFTER_MS)',
        job: jobs.publishDue,
        seed: (dueAt) =>
          seed('queued', {
            available_at: new Date(dueAt.getTime() - 3_600_000),
            published_at: new Date(dueAt.getTime() - RELAY_AFTER_MS),
          }),
      },
      {
        name: 'ack-timeout (lease_expires_at of a dispatched row)',
        job: jobs.ackTimeout,
        seed: (dueAt) => seed('dispatched', held('dispatched', dueAt)),
      },
      {
        name: 'heartbeat-loss (lease_expires_at of a running row)',
        job: jobs.heartbeatLoss,
        seed: (dueAt) => seed('running', held('running', dueAt)),
      },
      {
        name: 'deadline (deadline_at)',
        job: jobs.deadline,
        seed: (dueAt) => seed('queued', { deadline_at: dueAt }),
      },
      {
        name: 'agent-liveness (last_heartbeat_at + AGENT_LIVENESS_TIMEOUT_MS)',
        job: jobs.agentLiveness,
        seed: async (dueAt) => {
          const id = `agent-${dueAt.getTime() - NOW.getTime() + 1}`;
          await seedAgent(t.pool, { id });
          await t.pool.query('UPDATE agents SET last_heartbeat_at = $2 WHERE id = $1', [
            id,
            new Date(dueAt.getTime() - LIVENESS_MS),
          ]);
          return id;
        },
      },
      {
        name: 'retention (finished_at + RETENTION_MS)',
        job: jobs.retention,
        seed: (dueAt) => seed('succeeded', { finished_at: new Date(dueAt.getTime() - RETENTION_MS) }),
      },
    ];

    it.each(cases)('$name', async ({ job, seed: seedDue }) => {
      const exactly = await seedDue(NOW);
      const before = await seedDue(ms(-1));
      const after = await seedDue(ms(1));
      const sut = spied(job);
      const { runner } = recordingRunner(t.pool);

      const result = await runner.pass(at(sut.job, NOW));

      expect(result).toMatchObject({ claimed: 2, applied: 2, failed: 0 });
      expect([...sut.claimed].sort()).toEqual([exactly, before].sort());
      expect(sut.claimed).not.toContain(after);
      // Oldest first: the row due 1 ms before now comes first.
      expect(sut.claimed[0]).toBe(before);
    });
  });

  describe('ack-timeout', () => {
    it('a dispatched row past its lease goes back to queued: attempt kept, available after the backoff', async () => {
      const id = await seed('dispatched', held('dispatched', ms(-1)));
      const { runner, effects } = recordingRunner(t.pool);

      expect(await runner.pass(at(jobs.ackTimeout, NOW))).toMatchObject({ claimed: 1, applied: 1 });

      expect(await load(id)).toMatchObject({
        state: 'queued',
        attempt: 1,
        available_at: ms(FIRST_BACKOFF_MS),
        assigned_agent: null,
        lease_expires_at: null,
        published_at: null,
        error: { code: 'ack_timeout' },
      });
      expect(await events(id)).toEqual([
        { event: 'ack-timeout', from_state: 'dispatched', to_state: 'queued', attempt: 1 },
      ]);
      expect(await deadLetter(id)).toBeUndefined();
      // Not offered now: the publish-due job offers it once the backoff has passed.
      expect(effects.map((e) => e.kind)).toEqual(['lifecycle']);
    });

    it('with its attempts used up it fails and is dead-lettered', async () => {
      const id = await seed('dispatched', held('dispatched', ms(-1), 3), 3);
      const { runner, effects } = recordingRunner(t.pool);

      await runner.pass(at(jobs.ackTimeout, NOW));

      expect(await load(id)).toMatchObject({ state: 'failed', attempt: 3, finished_at: NOW, lease_expires_at: null });
      expect(await events(id)).toEqual([
        { event: 'ack-timeout', from_state: 'dispatched', to_state: 'failed', attempt: 3 },
      ]);
      expect(await deadLetter(id)).toEqual({ reason: 'ack_timeout', attempt: 3 });
      expect(effects).toMatchObject([
        { kind: 'lifecycle', event: 'ack-timeout', from: 'dispatched' },
        { kind: 'dead-letter', commandId: id },
      ]);
    });

    /**
     * Whose attempt ran out of lease decides the edge. An attempt an agent had (any SDK delivery, an HTTP
     * agent's claimed one) timed out; so did one an HTTP agent left unclaimed with a slot free. One that
     * waited in the ledger while the HTTP agent's every slot was busy goes back to the queue, no attempt used.
     */
    it.each([
      { agent: 'an SDK agent', transport: 'nats', delivered: null, attempt: 1, busy: true, edge: 'ack-timeout' },
      {
        agent: 'an HTTP agent that claimed it',
        transport: 'http',
        delivered: 1,
        attempt: 1,
        busy: true,
        edge: 'ack-timeout',
      },
      {
        agent: 'an HTTP agent with a free slot that never claimed it',
        transport: 'http',
        delivered: null,
        attempt: 1,
        busy: false,
        edge: 'ack-timeout',
      },
      {
        agent: 'a busy HTTP agent that never claimed it',
        transport: 'http',
        delivered: null,
        attempt: 1,
        busy: true,
        edge: 'release',
      },
      {
        agent: 'a busy HTTP agent that claimed only an earlier attempt',
        transport: 'http',
        delivered: 1,
        attempt: 2,
        busy: true,
        edge: 'release',
      },
    ])('a dispatched row of $agent past its lease: $edge', async ({ transport, delivered, attempt, busy, edge }) => {
      await seedAgent(t.pool, { id: 'agent-1', concurrency: 1 });
      await t.pool.query(`UPDATE agents SET transport = $1 WHERE id = 'agent-1'`, [transport]);
      // The agent's one slot: an attempt it claimed and is running (its lease far off), or nothing.
      if (busy) await seed('running', { ...held('running', ms(60_000)), delivered_attempt: 1 });
      const id = await seed('dispatched', { ...held('dispatched', ms(-1), attempt), delivered_attempt: delivered });
      const { runner, effects } = recordingRunner(t.pool);

      expect(await runner.pass(at(jobs.ackTimeout, NOW))).toMatchObject({ claimed: 1, applied: 1 });

      expect(await events(id)).toEqual([{ event: edge, from_state: 'dispatched', to_state: 'queued', attempt }]);
      const after = await load(id);
      expect(after).toMatchObject({ state: 'queued', attempt, assigned_agent: null, lease_expires_at: null });
      if (edge === 'release') {
        // Not a failure: the budget grows by the attempt it did not use, and it is offered again now.
        expect(after).toMatchObject({ max_attempts: 4, available_at: NOW, error: null });
        expect(effects.map((e) => e.kind)).toEqual(['lifecycle', 'offer']);
      } else {
        expect(after).toMatchObject({
          max_attempts: 3,
          available_at: ms(FIRST_BACKOFF_MS),
          error: { code: 'ack_timeout' },
        });
        expect(effects.map((e) => e.kind)).toEqual(['lifecycle']);
      }
    });

    it('does not touch a running row whose lease also ran out (that is heartbeat-loss)', async () => {
      const id = await seed('running', held('running', ms(-1)));
      const { runner } = recordingRunner(t.pool);
      expect(await runner.pass(at(jobs.ackTimeout, NOW))).toMatchObject({ claimed: 0 });
      expect((await load(id)).state).toBe('running');
    });
  });

  describe('heartbeat-loss', () => {
    it('a running row past its lease goes back to queued: attempt kept, available after the backoff', async () => {
      const id = await seed('running', held('running', ms(-1)));
      const { runner, effects } = recordingRunner(t.pool);

      expect(await runner.pass(at(jobs.heartbeatLoss, NOW))).toMatchObject({ claimed: 1, applied: 1 });

      expect(await load(id)).toMatchObject({
        state: 'queued',
        attempt: 1,
        available_at: ms(FIRST_BACKOFF_MS),
        assigned_agent: null,
        lease_expires_at: null,
        error: { code: 'heartbeat_lost' },
      });
      expect(await events(id)).toEqual([
        { event: 'heartbeat-lost', from_state: 'running', to_state: 'queued', attempt: 1 },
      ]);
      expect(await deadLetter(id)).toBeUndefined();
      expect(effects.map((e) => e.kind)).toEqual(['lifecycle']);
    });

    it('with no retry left it is stuck and dead-lettered', async () => {
      const id = await seed('running', held('running', ms(-1), 2), 2);
      const { runner } = recordingRunner(t.pool);

      await runner.pass(at(jobs.heartbeatLoss, NOW));

      expect(await load(id)).toMatchObject({ state: 'stuck', attempt: 2, finished_at: NOW });
      expect(await events(id)).toEqual([
        { event: 'heartbeat-lost', from_state: 'running', to_state: 'stuck', attempt: 2 },
      ]);
      expect(await deadLetter(id)).toEqual({ reason: 'heartbeat_lost', attempt: 2 });
    });

    it('a sync command is never retried: stuck on its first attempt', async () => {
      const id = await seed('running', { ...held('running', ms(-1)), mode: 'sync' });
      const { runner } = recordingRunner(t.pool);
      await runner.pass(at(jobs.heartbeatLoss, NOW));
      expect(await load(id)).toMatchObject({ state: 'stuck', attempt: 1 });
    });
  });

  describe('deadline', () => {
    it.each([
      { state: 'scheduled' as const, columns: { run_at: ms(3_600_000), available_at: ms(3_600_000) }, held: false },
      { state: 'queued' as const, columns: {}, held: false },
      { state: 'dispatched' as const, columns: held('dispatched', ms(10_000)), held: true },
      { state: 'running' as const, columns: held('running', ms(10_000)), held: true },
    ])('a $state row past its deadline expires with a dead letter', async ({ state, columns, held: isHeld }) => {
      const id = await seed(state, { ...columns, deadline_at: ms(-1) });
      const { runner, effects } = recordingRunner(t.pool);

      expect(await runner.pass(at(jobs.deadline, NOW))).toMatchObject({ claimed: 1, applied: 1, failed: 0 });

      expect(await load(id)).toMatchObject({ state: 'expired', finished_at: NOW, error: { code: 'expired' } });
      expect(await events(id)).toEqual([
        { event: 'expire', from_state: state, to_state: 'expired', attempt: isHeld ? 1 : 0 },
      ]);
      expect(await deadLetter(id)).toEqual({ reason: 'expired', attempt: isHeld ? 1 : 0 });
      const cancels = effects.filter((e) => e.kind === 'cancel-on-agent');
      expect(cancels).toEqual(
        isHeld ? [{ kind: 'cancel-on-agent', agentId: 'agent-1', commandId: id, attempt: 1 }] : [],
      );
      expect(effects).toContainEqual(expect.objectContaining({ kind: 'lifecycle', event: 'expire', from: state }));
    });

    it('never claims a terminal row, whatever its deadline', async () => {
      for (const state of ['succeeded', 'failed', 'cancelled', 'expired', 'stuck'] as const) {
        await seed(state, { deadline_at: ms(-60_000), finished_at: ms(-30_000) });
      }
      const { runner } = recordingRunner(t.pool);
      expect(await runner.pass(at(jobs.deadline, NOW))).toMatchObject({ claimed: 0 });
    });
  });

  describe('agent-liveness', () => {
    it('marks a silent agent offline, leaves a fresh one alone and never claims one already offline', async () => {
      for (const id of ['silent', 'fresh', 'gone']) await seedAgent(t.pool, { id });
      await t.pool.query(
        `UPDATE agents SET last_heartbeat_at = CASE id WHEN 'fresh' THEN $2::timestamptz ELSE $1::timestamptz END,
           status = CASE id WHEN 'gone' THEN 'offline' ELSE 'busy' END`,
        [ms(-LIVENESS_MS - 60_000), ms(-1_000)],
      );
      const sut = spied(jobs.agentLiveness);
      const { runner, effects } = recordingRunner(t.pool);

      expect(await runner.pass(at(sut.job, NOW))).toMatchObject({ claimed: 1, applied: 1 });

      expect(sut.claimed).toEqual(['silent']);
      const { rows } = await t.pool.query('SELECT id, status, session_id, updated_at FROM agents ORDER BY id');
      expect(rows).toEqual([
        expect.objectContaining({ id: 'fresh', status: 'busy' }),
        // The session is kept: a heartbeat of the same session brings the agent back.
        { id: 'gone', status: 'offline', session_id: 's1', updated_at: expect.any(Date) },
        { id: 'silent', status: 'offline', session_id: 's1', updated_at: NOW },
      ]);
      expect(effects).toEqual([{ kind: 'agent-offline', agentId: 'silent', sessionId: 's1' }]);
    });
  });

  describe('scheduled-due', () => {
    it('a scheduled row whose run_at passed is queued, available now, and offered', async () => {
      const id = await seed('scheduled', { run_at: ms(-1), available_at: ms(-1), published_at: null });
      const { runner, effects } = recordingRunner(t.pool);

      expect(await runner.pass(at(jobs.scheduledDue, NOW))).toMatchObject({ claimed: 1, applied: 1 });

      expect(await load(id)).toMatchObject({ state: 'queued', attempt: 0, available_at: NOW, published_at: null });
      expect(await events(id)).toEqual([{ event: 'due', from_state: 'scheduled', to_state: 'queued', attempt: 0 }]);
      expect(effects.map((e) => e.kind)).toEqual(['lifecycle', 'offer']);
      // published_at stays null, so publish-due offers it again in the same tick (deduplicated by JetStream's
      // message id): a crash between the commit and the first offer costs no relay delay.
      expect(await runner.pass(at(jobs.publishDue, NOW))).toMatchObject({ claimed: 1 });
      expect(await load(id)).toMatchObject({ published_at: NOW });
    });
  });

  describe('publish-due', () => {
    it('offers a retry whose backoff passed and a row whose publish was lost; not a recent one, never a parked one', async () => {
      const retry = await seed('queued', { available_at: ms(-1), published_at: null });
      const relay = await seed('queued', { available_at: ms(-60_000), published_at: ms(-RELAY_AFTER_MS - 1) });
      const recent = await seed('queued', { available_at: ms(-60_000), published_at: ms(-1_000) });
      const parkedNeverPublished = await seed('queued', { available_at: 'infinity', published_at: null });
      const parkedLongAgo = await seed('queued', { available_at: 'infinity', published_at: ms(-86_400_000) });
      const notQueued = await seed('dispatched', { ...held('dispatched', ms(10_000)), published_at: null });
      const sut = spied(jobs.publishDue);
      const { runner, effects } = recordingRunner(t.pool);

      expect(await runner.pass(at(sut.job, NOW))).toMatchObject({ claimed: 2, applied: 2 });

      expect([...sut.claimed].sort()).toEqual([retry, relay].sort());
      expect(effects.map((e) => (e.kind === 'offer' ? e.row.id : e.kind)).sort()).toEqual([retry, relay].sort());
      for (const id of [retry, relay]) expect((await load(id)).published_at).toEqual(NOW);
      expect((await load(recent)).published_at).toEqual(ms(-1_000));
      for (const id of [parkedNeverPublished, parkedLongAgo, notQueued]) expect(sut.claimed).not.toContain(id);
      // Not a transition: no event is written.
      for (const id of [retry, relay]) expect(await events(id)).toEqual([]);

      // Once stamped, a row is offered again only when the relay delay has passed since: the recent row
      // (published 1 s before now) comes due 1 s ahead of the two stamped now.
      expect(await runner.pass(at(jobs.publishDue, ms(RELAY_AFTER_MS - 1_001)))).toMatchObject({ claimed: 0 });
      const again = spied(jobs.publishDue);
      expect(await runner.pass(at(again.job, ms(RELAY_AFTER_MS)))).toMatchObject({ claimed: 3 });
      expect([...again.claimed].sort()).toEqual([retry, relay, recent].sort());
    });
  });

  describe('retention', () => {
    const old = () => ms(-RETENTION_MS - 60_000);
    const count = async (sql: string, ids: string[]) =>
      Number((await t.pool.query<{ n: string }>(sql, [ids])).rows[0].n);

    it('purges old terminal rows of every terminal state with their events, and nothing else', async () => {
      const purged: string[] = [];
      for (const state of ['succeeded', 'failed', 'cancelled', 'expired', 'stuck'] as const) {
        purged.push(await seed(state, { finished_at: old() }));
      }
      const young = await seed('succeeded', { finished_at: ms(-RETENTION_MS + 60_000) });
      const live = await seed('queued', { created_at: old() });
      await t.pool.query(
        `INSERT INTO command_events (command_id, attempt, event, from_state, to_state) SELECT id, 1, 'x', 'queued', state FROM commands`,
      );
      const { runner, effects } = recordingRunner(t.pool);

      expect(await runner.pass(at(jobs.retention, NOW))).toMatchObject({ claimed: 5, applied: 5, failed: 0 });

      expect(await count('SELECT count(*) AS n FROM commands WHERE id = ANY($1)', purged)).toBe(0);
      expect(await count('SELECT count(*) AS n FROM command_events WHERE command_id = ANY($1)', purged)).toBe(0);
      expect(await count('SELECT count(*) AS n FROM commands WHERE id = ANY($1)', [young, live])).toBe(2);
      expect(await count('SELECT count(*) AS n FROM command_events WHERE command_id = ANY($1)', [young, live])).toBe(4);
      expect(effects).toEqual([]);
    });

    it('keeps a row with an unresolved dead letter until it is resolved; the resolved dead letter goes with it', async () => {
      const id = await seed('failed', { finished_at: old() });
      await t.pool.query(
        `INSERT INTO dead_letters (command_id, reason, type, target, attempt) VALUES ($1, 'failed', 'echo', 'agent-1', 3)`,
        [id],
      );
      const { runner } = recordingRunner(t.pool);

      expect(await runner.pass(at(jobs.retention, NOW))).toMatchObject({ claimed: 0 });
      await t.pool.query('UPDATE dead_letters SET resolved_at = $2 WHERE command_id = $1', [id, NOW]);
      expect(await runner.pass(at(jobs.retention, NOW))).toMatchObject({ claimed: 1, applied: 1 });

      expect(await count('SELECT count(*) AS n FROM commands WHERE id = ANY($1)', [id])).toBe(0);
      expect(await count('SELECT count(*) AS n FROM dead_letters WHERE command_id = ANY($1)', [id])).toBe(0);
    });

    it('keeps a parent while a child references it, live or finished; purges child, then parent', async () => {
      const parent = await seed('succeeded', { finished_at: old() });
      const liveChild = await seed('running', { ...held('running', ms(10_000)), parent_id: parent, depth: 1 });
      const { runner } = recordingRunner(t.pool);

      expect(await runner.pass(at(jobs.retention, NOW))).toMatchObject({ claimed: 0 });

      // The child finishes; it is young, so the parent still waits for it.
      await t.pool.query(`UPDATE commands SET state = 'succeeded', finished_at = $2 WHERE id = $1`, [liveChild, NOW]);
      expect(await runner.pass(at(jobs.retention, NOW))).toMatchObject({ claimed: 0 });

      // Past retention the child goes first and its parent in the next pass: the foreign key never trips.
      const later = ms(RETENTION_MS + 1);
      expect(await runner.pass(at(jobs.retention, later))).toMatchObject({ claimed: 1, applied: 1, failed: 0 });
      expect(await count('SELECT count(*) AS n FROM commands WHERE id = ANY($1)', [liveChild])).toBe(0);
      expect(await runner.pass(at(jobs.retention, later))).toMatchObject({ claimed: 1, applied: 1, failed: 0 });
      expect(await count('SELECT count(*) AS n FROM commands WHERE id = ANY($1)', [parent])).toBe(0);
    });

    it(`purges at most ${RETENTION_BATCH} rows per pass, oldest first, whatever the batch size`, async () => {
      const ids: string[] = [];
      for (let i = 0; i < RETENTION_BATCH + 20; i += 1) {
        ids.push(await seed('succeeded', { finished_at: ms(-RETENTION_MS - 1_000 - i) }));
      }
      const { runner } = recordingRunner(t.pool, { batchSize: 1_000 });

      expect(await runner.pass(at(jobs.retention, NOW))).toMatchObject({ claimed: RETENTION_BATCH });
      // The 20 left are the youngest seeded (the last ids).
      expect(await count('SELECT count(*) AS n FROM commands WHERE id = ANY($1)', ids.slice(0, 20))).toBe(20);
      expect(await runner.pass(at(jobs.retention, NOW))).toMatchObject({ claimed: 20 });
    });
  });

  describe('per-row isolation', () => {
    it('a row whose apply throws is rolled back alone; the others are applied and the pass reports failed: 1', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1)
        ids.push(await seed('running', { ...held('running', ms(10_000)), deadline_at: ms(-1 - i) }));
      const poisoned = ids[2];
      const failing: DueJob<CommandRow> = {
        ...jobs.deadline,
        async apply(tx, row, now) {
          const effects = await jobs.deadline.apply(tx, row, now);
          // Thrown after the row's writes: the savepoint must undo them.
          if (row.id === poisoned) throw new Error('poisoned row');
          return effects;
        },
      };
      const { runner, effects } = recordingRunner(t.pool);

      expect(await runner.pass(at(failing, NOW))).toMatchObject({ claimed: 5, applied: 4, failed: 1 });

      const { rows } = await t.pool.query<{ id: string; state: string }>(
        'SELECT id, state FROM commands WHERE id = ANY($1)',
        [ids],
      );
      expect(Object.fromEntries(rows.map((r) => [r.id, r.state]))).toEqual(
        Object.fromEntries(ids.map((id) => [id, id === poisoned ? 'running' : 'expired'])),
      );
      expect(await events(poisoned)).toEqual([]);
      expect(await deadLetter(poisoned)).toBeUndefined();
      // No effect of the rolled-back row leaks out.
      expect(effects.filter((e) => e.kind === 'cancel-on-agent' && e.commandId === poisoned)).toEqual([]);
      expect(effects.filter((e) => e.kind === 'cancel-on-agent')).toHaveLength(4);

      // It stays due: the next pass claims it again, and only it.
      expect(await runner.pass(at(failing, NOW))).toMatchObject({ claimed: 1, applied: 0, failed: 1 });
    });
  });

  describe('tick', () => {
    it('runs a job again at once while its batch comes back full, then moves on', async () => {
      for (let i = 0; i < 7; i += 1) await seed('queued', { deadline_at: ms(-1 - i) });
      const { runner } = recordingRunner(t.pool, { batchSize: 3, jobs: [at(jobs.deadline, NOW)] as DueJob<unknown>[] });
      const passes: unknown[] = [];
      runner.on('pass', (p) => passes.push(p));

      await runner.tick();

      expect(passes).toEqual([
        { job: 'deadline', claimed: 3, applied: 3, failed: 0 },
        { job: 'deadline', claimed: 3, applied: 3, failed: 0 },
        { job: 'deadline', claimed: 1, applied: 1, failed: 0 },
      ]);
    });
  });
});
