import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { claimForDispatch, claimQueuedForAgent, insertCommands, parkUnroutable } from '@switchyard/persistence';
import { draft, seedAgent, seedCommands } from '../../support/fixtures';
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

  it('20 concurrent claims on insert of the same 200 commands: each recorded and claimed exactly once', async () => {
    // What 20 dispatchers do with 20 deliveries of the same submit messages: new drafts (new ids) with the
    // same idempotency keys, each inserted already claimed by the dispatcher's chosen agent.
    const keys = Array.from({ length: 200 }, (_, i) => `repeat-${i}`);
    const now = new Date();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, claimer) => {
        const drafts = keys.map((k) =>
          draft({ idempotencyKey: k, caller: 'nats', target: 'pool-c', targetKind: 'pool' }),
        );
        const ordered = claimer % 2 ? drafts.reverse() : drafts;
        return insertCommands(t.pool, ordered, now, new Map(ordered.map((d) => [d.id, `agent-${claimer}`])));
      }),
    );
    const won = results.flat();
    expect(won).toHaveLength(200);
    expect(new Set(won.map((r) => r.idempotency_key)).size).toBe(200);
    for (const [claimer, rows] of results.entries()) {
      for (const r of rows)
        expect(r).toMatchObject({ state: 'dispatched', attempt: 1, assigned_agent: `agent-${claimer}` });
    }

    const { rows: ledger } = await t.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM commands WHERE caller = 'nats' AND idempotency_key = ANY($1)`,
      [keys],
    );
    expect(Number(ledger[0].n)).toBe(200);
    // Each command's trail: its submission (into the queue), then its one claim, in that order.
    const { rows: trails } = await t.pool.query<{ trail: string }>(
      `SELECT string_agg(e.event || ':' || coalesce(e.from_state, '') || '>' || e.to_state || ':' || e.attempt, ' ' ORDER BY e.id) AS trail
       FROM command_events e JOIN commands c ON c.id = e.command_id
       WHERE c.caller = 'nats' AND c.idempotency_key = ANY($1) GROUP BY e.command_id`,
      [keys],
    );
    expect(trails).toHaveLength(200);
    for (const { trail } of trails) expect(trail).toBe('submit:>queued:0 claim:queued>dispatched:1');
  });

  it('claims on insert only the queued drafts it names', async () => {
    const named = draft({ target: 'pool-d', targetKind: 'pool' });
    const unnamed = draft({ target: 'pool-d', targetKind: 'pool' });
    const scheduled = draft({ state: 'scheduled', runAt: new Date(Date.now() + 60_000) });
    const rows = await insertCommands(
      t.pool,
      [named, unnamed, scheduled],
      new Date(),
      new Map([
        [named.id, 'agent-x'],
        [scheduled.id, 'agent-x'],
      ]),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(named.id)).toMatchObject({ state: 'dispatched', attempt: 1, assigned_agent: 'agent-x' });
    expect(byId.get(named.id)!.lease_expires_at).not.toBeNull();
    expect(byId.get(unnamed.id)).toMatchObject({
      state: 'queued',
      attempt: 0,
      assigned_agent: null,
      lease_expires_at: null,
    });
    expect(byId.get(scheduled.id)).toMatchObject({ state: 'scheduled', attempt: 0, assigned_agent: null });
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
