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
    for (let claimer = 0; claimer < 20; claimer++) {
      await seedAgent(t.pool, { id: `inserter-${claimer}`, pools: ['pool-c'], concurrency: 200 });
    }
    const now = new Date();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, claimer) => {
        const drafts = keys.map((k) =>
          draft({ idempotencyKey: k, caller: 'nats', target: 'pool-c', targetKind: 'pool' }),
        );
        const ordered = claimer % 2 ? drafts.reverse() : drafts;
        const agents = new Map(ordered.map((d) => [d.id, `inserter-${claimer}`]));
        return insertCommands(t.pool, ordered, now, { agents, prefetch: 1 });
      }),
    );
    const won = results.flat();
    expect(won).toHaveLength(200);
    expect(new Set(won.map((r) => r.idempotency_key)).size).toBe(200);
    for (const [claimer, rows] of results.entries()) {
      for (const r of rows)
        expect(r).toMatchObject({ state: 'dispatched', attempt: 1, assigned_agent: `inserter-${claimer}` });
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
    await seedAgent(t.pool, { id: 'agent-x', pools: ['pool-d'], concurrency: 10 });
    const named = draft({ target: 'pool-d', targetKind: 'pool' });
    const unnamed = draft({ target: 'pool-d', targetKind: 'pool' });
    const scheduled = draft({ state: 'scheduled', runAt: new Date(Date.now() + 60_000) });
    const rows = await insertCommands(t.pool, [named, unnamed, scheduled], new Date(), {
      agents: new Map([
        [named.id, 'agent-x'],
        [scheduled.id, 'agent-x'],
      ]),
      prefetch: 1,
    });
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

  describe('the ledger admits claims on insert', () => {
    const claimAll = (drafts: ReturnType<typeof draft>[], agentId: string, prefetch = 1) =>
      insertCommands(t.pool, drafts, new Date(), { agents: new Map(drafts.map((d) => [d.id, agentId])), prefetch });
    const states = (rows: { state: string; assigned_agent: string | null }[]) =>
      rows.map((r) => `${r.state}:${r.assigned_agent ?? '-'}`);

    it.each([
      // agent's concurrency, attempts it already holds, prefetch, drafts named → how many are claimed
      { concurrency: 3, holding: 0, prefetch: 1, named: 5, claimed: 3 },
      { concurrency: 3, holding: 2, prefetch: 1, named: 5, claimed: 1 },
      { concurrency: 3, holding: 3, prefetch: 1, named: 2, claimed: 0 },
      { concurrency: 3, holding: 3, prefetch: 2, named: 5, claimed: 3 },
      { concurrency: 2, holding: 0, prefetch: 1.5, named: 4, claimed: 3 },
    ])(
      'concurrency $concurrency holding $holding, prefetch $prefetch: $claimed of $named claimed, in draft order',
      async ({ concurrency, holding, prefetch, named, claimed }) => {
        const agentId = `room-${concurrency}-${holding}-${String(prefetch).replace('.', '_')}-${named}`;
        await seedAgent(t.pool, { id: agentId, concurrency });
        if (holding > 0)
          await claimAll(
            Array.from({ length: holding }, () => draft({ target: agentId })),
            agentId,
            10,
          );
        const drafts = Array.from({ length: named }, () => draft({ target: agentId }));
        const rows = await claimAll(drafts, agentId, prefetch);
        const byId = new Map(rows.map((r) => [r.id, r]));
        expect(states(drafts.map((d) => byId.get(d.id)!))).toEqual([
          ...Array(claimed).fill(`dispatched:${agentId}`),
          ...Array(named - claimed).fill('queued:-'),
        ]);
        // An unadmitted draft is recorded as submitted only, with nothing to release later.
        const { rows: events } = await t.pool.query<{ event: string }>(
          `SELECT event FROM command_events WHERE command_id = ANY($1) ORDER BY id`,
          [drafts.map((d) => d.id)],
        );
        expect(events.filter((e) => e.event === 'claim')).toHaveLength(claimed);
        expect(events.filter((e) => e.event === 'submit')).toHaveLength(named);
      },
    );

    it.each(['offline', 'draining', 'error', 'unknown'])('an agent that is %s is claimed nothing', async (status) => {
      const agentId = `not-routable-${status}`;
      if (status !== 'unknown') await seedAgent(t.pool, { id: agentId, concurrency: 10, status });
      const rows = await claimAll([draft({ target: agentId }), draft({ target: agentId })], agentId);
      expect(states(rows)).toEqual(['queued:-', 'queued:-']);
    });

    it('room is per agent: two agents in one batch each take what they have room for', async () => {
      await seedAgent(t.pool, { id: 'room-a', pools: ['pool-e'], concurrency: 1 });
      await seedAgent(t.pool, { id: 'room-b', pools: ['pool-e'], concurrency: 2 });
      const drafts = Array.from({ length: 6 }, () => draft({ target: 'pool-e', targetKind: 'pool' }));
      const agents = new Map(drafts.map((d, i) => [d.id, i % 2 ? 'room-b' : 'room-a']));
      const rows = await insertCommands(t.pool, drafts, new Date(), { agents, prefetch: 1 });
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(states(drafts.map((d) => byId.get(d.id)!))).toEqual([
        'dispatched:room-a',
        'dispatched:room-b',
        'queued:-',
        'dispatched:room-b',
        'queued:-',
        'queued:-',
      ]);
    });
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
