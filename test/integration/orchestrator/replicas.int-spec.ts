import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Pool } from 'pg';
import type { DueJob, Effect } from '../../../apps/orchestrator/src/runner/due-job';
import type { PassResult } from '../../../apps/orchestrator/src/runner/due-runner';
import { DUE_KINDS, seedDueRows } from '../../support/due-rows';
import { expectOneEventPerDueCommand } from '../../support/due-rows.expect';
import { createTestEnv, TestEnv } from '../../support/test-env';
import { commandAndAgentJobs, jobs, recordingRunner } from '../../support/ticker';
import { closePool } from '../../support/close-pool';

const PER_KIND = 1_000;
const REPLICAS = 3;

/**
 * Three orchestrators in one process, each with its own pg Pool (its own
 * connections, as separate processes have), ticking concurrently over the
 * same due rows until none of them claims anything. Exactly-once is counted
 * in the ledger, not inferred: one command_events row per transition.
 */
describe('ticker replicas (real Postgres)', () => {
  let t: TestEnv;
  const pools: Pool[] = [];

  beforeAll(async () => {
    t = await createTestEnv();
    for (let i = 0; i < REPLICAS; i += 1) {
      pools.push(new Pool({ connectionString: t.databaseUrl, max: 2, application_name: `replica-${i + 1}` }));
    }
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => closePool(p)));
    await t?.teardown();
  });

  it(`${REPLICAS} orchestrator processes against ${PER_KIND.toLocaleString('en')} due rows of each kind: each transition applied once (count the command_events rows)`, async () => {
    for (const kind of DUE_KINDS) await seedDueRows(t.pool, kind, PER_KIND);

    const replicas = pools.map((pool) =>
      recordingRunner(pool, { batchSize: 50, jobs: [...commandAndAgentJobs(), jobs.retention] as DueJob<unknown>[] }),
    );
    const passes: PassResult[][] = replicas.map(({ runner }) => {
      const mine: PassResult[] = [];
      runner.on('pass', (p: PassResult) => mine.push(p));
      return mine;
    });

    // Each replica ticks until a whole tick claims nothing; rows a peer holds are skipped, not waited for.
    await Promise.all(
      replicas.map(async ({ runner }, i) => {
        for (;;) {
          const before = passes[i].length;
          await runner.tick();
          if (passes[i].slice(before).every((p) => p.claimed === 0)) return;
        }
      }),
    );

    // Nothing left for anyone: a fresh pass of every job claims nothing.
    const { runner: late } = recordingRunner(t.pool, {
      jobs: [...commandAndAgentJobs(), jobs.retention] as DueJob<unknown>[],
    });
    for (const job of [...commandAndAgentJobs(), jobs.retention])
      expect(await late.pass(job)).toMatchObject({ claimed: 0 });

    // Each command transition: exactly PER_KIND events of its kind, one per command, none twice.
    await expectOneEventPerDueCommand(t.pool, PER_KIND);
    const { rows: states } = await t.pool.query<{ type: string; state: string; n: number }>(
      `SELECT type, state, count(*)::int AS n FROM commands GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    expect(states).toEqual([
      { type: 'due-ack-timeout', state: 'queued', n: PER_KIND },
      { type: 'due-deadline', state: 'expired', n: PER_KIND },
      { type: 'due-heartbeat-loss', state: 'queued', n: PER_KIND },
      { type: 'due-publish-due', state: 'queued', n: PER_KIND },
      { type: 'due-scheduled-due', state: 'queued', n: PER_KIND },
    ]);
    const { rows: deadLetters } = await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM dead_letters`);
    expect(deadLetters[0].n).toBe(PER_KIND);
    const { rows: agents } = await t.pool.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM agents GROUP BY 1`,
    );
    expect(agents).toEqual([{ status: 'offline', n: PER_KIND }]);

    // Effects, across the three replicas: each offer, cancel and offline notice once.
    const effects: Effect[] = replicas.flatMap((r) => r.effects);
    const once = (keys: string[]) => ({ total: keys.length, distinct: new Set(keys).size });
    const offersOf = (type: string) =>
      effects.flatMap((e) => (e.kind === 'offer' && e.row.type === type ? [e.row.id] : []));
    expect(once(offersOf('due-publish-due'))).toEqual({ total: PER_KIND, distinct: PER_KIND });
    // A row made due by scheduled-due is offered by that transition and, its published_at still null, once more
    // by publish-due (JetStream drops the copy by message id): exactly twice, once by each job.
    const scheduledOffers = new Map<string, number>();
    for (const id of offersOf('due-scheduled-due')) scheduledOffers.set(id, (scheduledOffers.get(id) ?? 0) + 1);
    expect(scheduledOffers.size).toBe(PER_KIND);
    expect(new Set(scheduledOffers.values())).toEqual(new Set([2]));
    const cancels = effects.flatMap((e) => (e.kind === 'cancel-on-agent' ? [e.commandId] : []));
    expect(once(cancels)).toEqual({ total: PER_KIND, distinct: PER_KIND });
    const offline = effects.flatMap((e) => (e.kind === 'agent-offline' ? [e.agentId] : []));
    expect(once(offline)).toEqual({ total: PER_KIND, distinct: PER_KIND });

    // Every claimed row was applied, and the work really was shared. Claims: one per seeded row, plus
    // publish-due's second offer of each row scheduled-due queued.
    const all = passes.flat();
    const sum = (list: PassResult[], key: 'claimed' | 'applied' | 'failed') => list.reduce((n, p) => n + p[key], 0);
    expect({ claimed: sum(all, 'claimed'), applied: sum(all, 'applied'), failed: sum(all, 'failed') }).toEqual({
      claimed: (DUE_KINDS.length + 1) * PER_KIND,
      applied: (DUE_KINDS.length + 1) * PER_KIND,
      failed: 0,
    });
    for (const mine of passes) expect(sum(mine, 'claimed')).toBeGreaterThan(0);
  });
});
