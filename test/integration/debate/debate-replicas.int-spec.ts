import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { insertTopic, type Queryable } from '@switchyard/persistence';
import { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { debateJob } from '../../../apps/orchestrator/src/jobs/debate.job';
import type { Effect } from '../../../apps/orchestrator/src/runner/due-job';
import { DueRunner, type PassResult } from '../../../apps/orchestrator/src/runner/due-runner';
import { seedAgent } from '../../support/fixtures';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { closePool } from '../../support/close-pool';

const PER_KIND = 200;
const REPLICAS = 3;
const AGENTS = 12;
const S = 1_000;
const H = 3_600_000;

type Kind = 'open' | 'allocate' | 'cancel' | 'start';

/**
 * Seeds `count` topics each due for exactly one step at `now`: `open`
 * (created), `allocate` (sign-up open with three volunteers), `cancel` (sign-up
 * open with two) and `start` (sign-up closed). The next instant of each is an
 * hour away, so one step is all a topic can take.
 */
async function seedDueTopics(db: Queryable, kind: Kind, count: number, now: number): Promise<string[]> {
  const ids: string[] = [];
  const at = (ms: number) => new Date(now + ms);
  const times = {
    open: [at(-S), at(H), at(2 * H), at(3 * H)],
    allocate: [at(-2 * S), at(-S), at(H), at(2 * H)],
    cancel: [at(-2 * S), at(-S), at(H), at(2 * H)],
    start: [at(-3 * S), at(-2 * S), at(-S), at(H)],
  }[kind];
  const state = { open: 'created', allocate: 'signup_open', cancel: 'signup_open', start: 'signup_closed' }[kind];
  for (let i = 0; i < count; i += 1) {
    const id = uuidv7();
    ids.push(id);
    await insertTopic(
      db,
      {
        id,
        title: `${kind} ${i}`,
        summary: 'replicas',
        visibility: 'public',
        signupOpenAt: times[0],
        signupCloseAt: times[1],
        debateStartAt: times[2],
        debateEndAt: times[3],
        verdictSchema: undefined,
        createdBy: 'admin',
      },
      at(-10 * S),
    );
    const due = { open: times[0], allocate: times[1], cancel: times[1], start: times[2] }[kind];
    await db.query(`UPDATE topics SET state = $2, next_due_at = $3 WHERE id = $1`, [id, state, due]);
    const volunteers = kind === 'allocate' ? 3 : kind === 'cancel' ? 2 : 0;
    for (let v = 0; v < volunteers; v += 1) {
      await db.query(
        `INSERT INTO topic_signups (topic_id, agent_id, camps, signed_up_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
        [id, `agent-${(i + v) % AGENTS}`, ['pro', 'con', 'judge'].slice(v), at(-S)],
      );
    }
  }
  return ids;
}

/**
 * Three orchestrators, each with its own pg Pool (its own connections, as
 * separate processes have), ticking the debate job concurrently over 800 due
 * topics until none of them claims anything. Exactly-once is counted in the
 * ledger: one topic_events row per topic and step, three allocations and
 * three debate.assigned commands per allocated topic, one round per started
 * one; and in the effects: one announcement per opened topic, one offer per
 * command.
 */
describe('debate job replicas (real Postgres)', () => {
  let t: TestEnv;
  const pools: Pool[] = [];

  beforeAll(async () => {
    t = await createTestEnv();
    for (let i = 0; i < REPLICAS; i += 1) {
      pools.push(new Pool({ connectionString: t.databaseUrl, max: 2, application_name: `replica-${i + 1}` }));
    }
    for (let i = 0; i < AGENTS; i += 1) await seedAgent(t.pool, { id: `agent-${i}` });
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => closePool(p)));
    await t?.teardown();
  });

  it(`${REPLICAS} runners over ${4 * PER_KIND} due topics: each transition applied exactly once`, async () => {
    const now = Date.now();
    const seeded: Record<Kind, string[]> = {
      open: await seedDueTopics(t.pool, 'open', PER_KIND, now),
      allocate: await seedDueTopics(t.pool, 'allocate', PER_KIND, now),
      cancel: await seedDueTopics(t.pool, 'cancel', PER_KIND, now),
      start: await seedDueTopics(t.pool, 'start', PER_KIND, now),
    };

    const defaults = t.config('orchestrator').commandDefaults;
    const replicas = pools.map((pool) => {
      const effects: Effect[] = [];
      const passes: PassResult[] = [];
      const runner = new DueRunner(
        pool,
        [debateJob({ defaults })],
        { tickIntervalMs: 1_000, batchSize: 20 },
        (list) => {
          effects.push(...list);
          return Promise.resolve();
        },
      );
      runner.on('pass', (p: PassResult) => passes.push(p));
      return { runner, effects, passes };
    });

    // Each replica ticks until a whole tick claims nothing; topics a peer holds are skipped, not waited for.
    await Promise.all(
      replicas.map(async ({ runner, passes }) => {
        for (;;) {
          const before = passes.length;
          await runner.tick();
          if (passes.slice(before).every((p) => p.claimed === 0)) return;
        }
      }),
    );

    const all = replicas.flatMap((r) => r.passes);
    const sum = (key: 'claimed' | 'applied' | 'failed') => all.reduce((n, p) => n + p[key], 0);
    expect({ claimed: sum('claimed'), applied: sum('applied'), failed: sum('failed') }).toEqual({
      claimed: 4 * PER_KIND,
      applied: 4 * PER_KIND,
      failed: 0,
    });
    for (const r of replicas) expect(r.passes.reduce((n, p) => n + p.claimed, 0)).toBeGreaterThan(0);

    // The ledger: one event per topic and step, every topic in the state its step leads to.
    const { rows: events } = await t.pool.query<{ event: string; to_state: string; topics: number; rows: number }>(
      `SELECT event, to_state, count(DISTINCT topic_id)::int AS topics, count(*)::int AS rows
       FROM topic_events GROUP BY 1, 2 ORDER BY 1`,
    );
    expect(events).toEqual([
      { event: 'cancel', to_state: 'cancelled', topics: PER_KIND, rows: PER_KIND },
      { event: 'close-signup', to_state: 'signup_closed', topics: PER_KIND, rows: PER_KIND },
      { event: 'open-signup', to_state: 'signup_open', topics: PER_KIND, rows: PER_KIND },
      { event: 'start-debate', to_state: 'debating', topics: PER_KIND, rows: PER_KIND },
    ]);
    const stateOf = async (ids: string[]) => {
      const { rows } = await t.pool.query<{ state: string; n: number }>(
        `SELECT state, count(*)::int AS n FROM topics WHERE id = ANY($1::uuid[]) GROUP BY 1`,
        [ids],
      );
      return rows;
    };
    expect(await stateOf(seeded.open)).toEqual([{ state: 'signup_open', n: PER_KIND }]);
    expect(await stateOf(seeded.allocate)).toEqual([{ state: 'signup_closed', n: PER_KIND }]);
    expect(await stateOf(seeded.cancel)).toEqual([{ state: 'cancelled', n: PER_KIND }]);
    expect(await stateOf(seeded.start)).toEqual([{ state: 'debating', n: PER_KIND }]);

    const count = async (sql: string, params: unknown[] = []) =>
      (await t.pool.query<{ n: number }>(sql, params)).rows[0].n;
    expect(await count(`SELECT count(*)::int AS n FROM topic_allocations`)).toBe(3 * PER_KIND);
    expect(await count(`SELECT count(DISTINCT topic_id)::int AS n FROM topic_allocations`)).toBe(PER_KIND);
    expect(await count(`SELECT count(*)::int AS n FROM commands WHERE type = 'debate.assigned'`)).toBe(3 * PER_KIND);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM topic_allocations a JOIN commands c
           ON c.id = a.command_id AND c.target = a.agent_id AND c.caller = 'topic:' || a.topic_id`,
      ),
    ).toBe(3 * PER_KIND);
    expect(await count(`SELECT count(*)::int AS n FROM debate_rounds`)).toBe(PER_KIND);
    expect(
      await count(`SELECT count(*)::int AS n FROM debate_rounds WHERE topic_id = ANY($1::uuid[])`, [seeded.start]),
    ).toBe(PER_KIND);
    expect(await count(`SELECT count(*)::int AS n FROM topics WHERE next_due_at <= now()`)).toBe(0);

    // The effects, across the three replicas: one announcement per opened topic, one offer per command.
    const effects = replicas.flatMap((r) => r.effects);
    const once = (keys: string[]) => ({ total: keys.length, distinct: new Set(keys).size });
    const announcements = effects.flatMap((e) => (e.kind === 'debate-announced' ? [e.topic.id] : []));
    expect(once(announcements)).toEqual({ total: PER_KIND, distinct: PER_KIND });
    expect(new Set(announcements)).toEqual(new Set(seeded.open));
    const offers = effects.flatMap((e) => (e.kind === 'offer' ? [e.row.id] : []));
    expect(once(offers)).toEqual({ total: 3 * PER_KIND, distinct: 3 * PER_KIND });

    // Nothing left for anyone.
    const late = new DueRunner(t.pool, [debateJob({ defaults })], { tickIntervalMs: 1_000, batchSize: 20 }, () =>
      Promise.resolve(),
    );
    expect(await late.pass(debateJob({ defaults }))).toMatchObject({ claimed: 0 });
  });
});
