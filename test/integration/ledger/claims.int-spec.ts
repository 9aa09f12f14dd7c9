import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { claimForDispatch, claimQueuedForAgent, parkUnroutable } from '@switchyard/persistence';
import { seedAgent, seedCommands } from '../../support/fixtures';
import { createTestEnv, TestEnv } from '../../support/test-env';

describe('claims (real Postgres)', () => {
  let t: TestEnv;

  beforeAll(async () => {
    t = await createTestEnv();
  });
  afterAll(async () => {
    await t?.teardown();
  });

  it('20 concurrent claimers on the same 500 queued commands: each claimed exactly once', async () => {
    const rows = await seedCommands(t.pool, 500, { target: 'pool-a', targetKind: 'pool' });
    const ids = rows.map((r) => r.id);
    const now = new Date(Date.now() + 1);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, claimer) =>
        // Each claimer asks for every command, in its own order, for its own agent.
        claimForDispatch(
          t.pool,
          [...ids].sort(() => (claimer % 2 ? 1 : -1)).map((id) => ({ commandId: id, agentId: `agent-${claimer}` })),
          now,
        ),
      ),
    );
    const claimedIds = results.flat().map((r) => r.id);
    expect(claimedIds).toHaveLength(500);
    expect(new Set(claimedIds).size).toBe(500);

    const { rows: ledger } = await t.pool.query<{ state: string; attempt: number; n: string }>(
      `SELECT state, attempt, count(*) AS n FROM commands WHERE id = ANY($1) GROUP BY state, attempt`,
      [ids],
    );
    expect(ledger).toEqual([{ state: 'dispatched', attempt: 1, n: '500' }]);
    const { rows: events } = await t.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM command_events WHERE command_id = ANY($1) AND event = 'claim'`,
      [ids],
    );
    expect(Number(events[0].n)).toBe(500);
  });

  it('20 concurrent drains of one pool: each command claimed exactly once, no agent over its limit', async () => {
    const rows = await seedCommands(t.pool, 500, { target: 'pool-b', targetKind: 'pool' });
    const agents = Array.from({ length: 20 }, (_, i) => ({ id: `drainer-${i}`, pools: ['pool-b'] }));
    const results = await Promise.all(agents.map((a) => claimQueuedForAgent(t.pool, a, 50, new Date())));
    const claimed = results.flat();
    expect(new Set(claimed.map((r) => r.id)).size).toBe(claimed.length);
    expect(claimed).toHaveLength(500);
    for (const batch of results) expect(batch.length).toBeLessThanOrEqual(50);
    for (const [i, batch] of results.entries()) {
      for (const row of batch) expect(row.assigned_agent).toBe(`drainer-${i}`);
    }
    const { rows: left } = await t.pool.query(`SELECT 1 FROM commands WHERE id = ANY($1) AND state = 'queued'`, [
      rows.map((r) => r.id),
    ]);
    expect(left).toHaveLength(0);
  });

  it('does not claim a retry before its time, nor a row that left the queue', async () => {
    const future = new Date(Date.now() + 60_000);
    const [waiting] = await seedCommands(t.pool, 1);
    await t.pool.query(`UPDATE commands SET available_at = $2 WHERE id = $1`, [waiting.id, future]);
    const [cancelled] = await seedCommands(t.pool, 1);
    await t.pool.query(`UPDATE commands SET state = 'cancelled' WHERE id = $1`, [cancelled.id]);

    const won = await claimForDispatch(
      t.pool,
      [waiting, cancelled].map((r) => ({ commandId: r.id, agentId: 'agent-1' })),
      new Date(),
    );
    expect(won).toEqual([]);
  });

  it('parks a command only while no live agent can serve it', async () => {
    const [orphan] = await seedCommands(t.pool, 1, { target: 'nobody-home' });
    await seedAgent(t.pool, { id: 'live-one' });
    const [served] = await seedCommands(t.pool, 1, { target: 'live-one' });

    const parked = await parkUnroutable(t.pool, [orphan.id, served.id], new Date());
    expect(parked).toEqual([orphan.id]);
    // A parked row is found by the drain when its agent connects.
    const drained = await claimQueuedForAgent(t.pool, { id: 'nobody-home', pools: [] }, 10, new Date());
    expect(drained.map((r) => r.id)).toEqual([orphan.id]);
  });
});
