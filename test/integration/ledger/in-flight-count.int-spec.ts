import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { countInFlight, inFlightCount, insertCommands, loadLiveAgents, succeedBatch } from '@switchyard/persistence';
import { draft, seedAgent } from '../../support/fixtures';
import { createTestEnv, TestEnv } from '../../support/test-env';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * An agent's in-flight count (claim admission, routing, drain on connect) is
 * taken on every dispatch batch. It must read the agent's in-flight entries
 * only, not every command the agent ever had, even on a table the planner
 * knows nothing about (a new ledger, never analyzed, as here).
 */
describe('the in-flight count', () => {
  let t: TestEnv;
  const agent = 'busy-agent';
  const finished = 2_000;
  const inFlight = 3;

  beforeAll(async () => {
    t = await createTestEnv();
    await seedAgent(t.pool, { id: agent, concurrency: finished + inFlight });
    const drafts = Array.from({ length: finished + inFlight }, () => draft({ target: agent }));
    const now = new Date();
    const rows = await insertCommands(t.pool, drafts, now, {
      agents: new Map(drafts.map((d) => [d.id, agent])),
      prefetch: 1,
    });
    expect(rows.filter((r) => r.state === 'dispatched')).toHaveLength(finished + inFlight);
    const done = rows.slice(0, finished).map((r) => ({ commandId: r.id, attempt: 1, agentId: agent, result: null }));
    expect(await succeedBatch(t.pool, done, now)).toHaveLength(finished);
  });
  afterAll(async () => {
    await t?.teardown();
  });

  it('counts what the agent holds', async () => {
    expect(await countInFlight(t.pool, agent)).toBe(inFlight);
    const [live] = await loadLiveAgents(t.pool, [agent], []);
    expect(live.inFlight).toBe(inFlight);
  });

  it('reads only the in-flight index, a few blocks, beside 2,000 finished commands of the agent', async () => {
    // A scan after the finishes visits their stale index entries and marks them dead, but only once no
    // snapshot on the server could still see them: under a busy server (parallel test files) that can take
    // a few scans. A plan that reads every finished command of the agent never gets under the bound.
    const explain = async () => {
      const { rows } = await t.pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT ${inFlightCount('$1')} AS n`,
        [agent],
      );
      const plan = nodes(rows[0]['QUERY PLAN'][0].Plan);
      return { plan, blocks: (plan[0]['Shared Hit Blocks'] ?? 0) + (plan[0]['Shared Read Blocks'] ?? 0) };
    };
    await countInFlight(t.pool, agent);
    let { plan, blocks } = await explain();
    for (let i = 0; i < 20 && blocks >= 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ({ plan, blocks } = await explain());
    }
    const scans = plan.filter((n) => n['Node Type'].includes('Scan'));
    expect(scans.map((n) => n['Index Name'])).toEqual(['commands_in_flight_by_agent']);
    expect(blocks).toBeLessThan(20);
  });
});
