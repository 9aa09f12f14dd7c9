import { beforeEach, describe, expect, it } from '@jest/globals';
import { AgentDirectory, LiveAgent } from './agent-directory';

const agent = (id: string, pools: string[], inFlight = 0): LiveAgent => ({
  id,
  pools,
  capacity: 4,
  inFlight,
  transport: 'nats',
});
const pool = (name: string) => ({ kind: 'pool' as const, name });
const named = (name: string) => ({ kind: 'agent' as const, name });

/** A ledger whose live agents the test sets, counting the reads the directory makes. */
class Ledger {
  agents: LiveAgent[] = [];
  readonly reads: { agentIds: string[]; pools: string[] }[] = [];

  load = (agentIds: string[], pools: string[]): Promise<LiveAgent[]> => {
    this.reads.push({ agentIds, pools });
    return Promise.resolve(
      this.agents
        .filter((a) => agentIds.includes(a.id) || a.pools.some((p) => pools.includes(p)))
        .map((a) => ({ ...a })),
    );
  };
}

describe('AgentDirectory', () => {
  let ledger: Ledger;
  let now: number;
  let directory: AgentDirectory;
  const ids = (view: { agents: LiveAgent[] }) => view.agents.map((a) => a.id).sort();

  beforeEach(() => {
    ledger = new Ledger();
    ledger.agents = [agent('a1', ['p']), agent('a2', ['p']), agent('solo', [])];
    now = 1_000;
    directory = new AgentDirectory(ledger.load, 250, () => now);
  });

  it('reads all the targets it does not know in one query', async () => {
    const view = await directory.view([pool('p'), named('solo'), pool('p')]);
    expect(ledger.reads).toEqual([{ agentIds: ['solo'], pools: ['p'] }]);
    expect(ids(view)).toEqual(['a1', 'a2', 'solo']);
    expect([...view.remembered]).toEqual([]);
  });

  it.each([
    { label: 'within the max age: from memory', after: 249, fresh: false, reads: 1, remembered: ['pool:p'] },
    { label: 'at the max age: read again', after: 250, fresh: false, reads: 2, remembered: [] },
    { label: 'fresh: read again however recent', after: 0, fresh: true, reads: 2, remembered: [] },
  ])('$label', async ({ after, fresh, reads, remembered }) => {
    await directory.view([pool('p')]);
    now += after;
    const view = await directory.view([pool('p')], fresh);
    expect(ledger.reads).toHaveLength(reads);
    expect([...view.remembered]).toEqual(remembered);
    expect(ids(view)).toEqual(['a1', 'a2']);
  });

  it('reads only the targets it does not remember', async () => {
    await directory.view([pool('p')]);
    await directory.view([pool('p'), named('solo')]);
    expect(ledger.reads[1]).toEqual({ agentIds: ['solo'], pools: [] });
  });

  it("counts this process's claims against remembered agents until the next read", async () => {
    await directory.view([pool('p')]);
    directory.noteClaims(['a1', 'a1', 'a2', 'gone']);
    const remembered = await directory.view([pool('p')]);
    expect(remembered.agents.map((a) => [a.id, a.inFlight]).sort()).toEqual([
      ['a1', 2],
      ['a2', 1],
    ]);
    now += 250;
    ledger.agents = [agent('a1', ['p'], 1), agent('a2', ['p'], 0)];
    const reread = await directory.view([pool('p')]);
    expect(reread.agents.map((a) => [a.id, a.inFlight]).sort()).toEqual([
      ['a1', 1],
      ['a2', 0],
    ]);
  });

  it('hands out copies: routing a view does not change what is remembered', async () => {
    const view = await directory.view([pool('p')]);
    view.agents[0].inFlight = 99;
    expect((await directory.view([pool('p')])).agents.every((a) => a.inFlight === 0)).toBe(true);
  });

  it('an agent that left a pool or went offline is gone from it at the next read', async () => {
    await directory.view([pool('p')]);
    ledger.agents = [agent('a2', ['p'])];
    now += 250;
    expect(ids(await directory.view([pool('p')]))).toEqual(['a2']);
    expect(ids(await directory.view([named('a1')], true))).toEqual([]);
  });

  it('a target unused for a minute is dropped, with the agents only it named', async () => {
    await directory.view([named('solo')]);
    now += 60_001;
    await directory.view([pool('p')]);
    // Dropped: the next use of `solo` reads it, as a target never seen would be.
    await directory.view([named('solo')]);
    expect(ledger.reads.map((r) => r.agentIds)).toEqual([['solo'], [], ['solo']]);
  });
});
