import { describe, expect, it } from '@jest/globals';
import { AgentLoad, RoutingDecision, RoutingRequest, routeCommands as sut, serves } from './pool-selection';

const agent = (id: string, inFlight: number, capacity: number, pools: string[] = []): AgentLoad => ({
  id,
  pools,
  capacity,
  inFlight,
});
const toAgent = (name: string, commandId = 'c1'): RoutingRequest => ({
  commandId,
  target: { kind: 'agent', name },
});
const toPool = (name: string, commandId = 'c1'): RoutingRequest => ({
  commandId,
  target: { kind: 'pool', name },
});

/** Decisions as `commandId→agentId`, `commandId:no-agent` or `commandId:saturated`. */
const brief = (decisions: RoutingDecision[]) =>
  decisions.map((d) => (d.kind === 'assign' ? `${d.commandId}→${d.agentId}` : `${d.commandId}:${d.kind}`));

describe(sut.name, () => {
  describe('named agent', () => {
    const cases: {
      name: string;
      agents: AgentLoad[];
      requests: RoutingRequest[];
      expected: string[];
    }[] = [
      {
        name: 'live with spare capacity',
        agents: [agent('a', 0, 1)],
        requests: [toAgent('a')],
        expected: ['c1→a'],
      },
      {
        name: 'live, one slot left',
        agents: [agent('a', 2, 3)],
        requests: [toAgent('a')],
        expected: ['c1→a'],
      },
      {
        name: 'absent',
        agents: [agent('b', 0, 5)],
        requests: [toAgent('a')],
        expected: ['c1:no-agent'],
      },
      {
        name: 'no agents at all',
        agents: [],
        requests: [toAgent('a')],
        expected: ['c1:no-agent'],
      },
      {
        name: 'at capacity',
        agents: [agent('a', 2, 2)],
        requests: [toAgent('a')],
        expected: ['c1:saturated'],
      },
      {
        name: 'over capacity',
        agents: [agent('a', 5, 2)],
        requests: [toAgent('a')],
        expected: ['c1:saturated'],
      },
      {
        name: 'zero capacity',
        agents: [agent('a', 0, 0)],
        requests: [toAgent('a')],
        expected: ['c1:saturated'],
      },
      {
        name: 'an idle pool-mate is not a substitute',
        agents: [agent('a', 1, 1, ['p']), agent('b', 0, 9, ['p'])],
        requests: [toAgent('a')],
        expected: ['c1:saturated'],
      },
      {
        name: 'fills up within one batch',
        agents: [agent('a', 0, 2)],
        requests: [toAgent('a', 'c1'), toAgent('a', 'c2'), toAgent('a', 'c3')],
        expected: ['c1→a', 'c2→a', 'c3:saturated'],
      },
      {
        name: 'a pool name is not an agent id',
        agents: [agent('a', 0, 1, ['p'])],
        requests: [toAgent('p')],
        expected: ['c1:no-agent'],
      },
    ];

    it.each(cases)('$name → $expected', ({ agents, requests, expected }) => {
      expect(brief(sut(requests, agents))).toEqual(expected);
    });
  });

  describe('pool', () => {
    const cases: {
      name: string;
      agents: AgentLoad[];
      requests: RoutingRequest[];
      expected: string[];
    }[] = [
      {
        name: 'least busy member wins',
        agents: [agent('a', 2, 5, ['p']), agent('b', 1, 5, ['p']), agent('c', 3, 5, ['p'])],
        requests: [toPool('p')],
        expected: ['c1→b'],
      },
      {
        name: 'least busy by in-flight count, not by spare capacity',
        agents: [agent('a', 1, 1_000, ['p']), agent('b', 0, 1, ['p'])],
        requests: [toPool('p')],
        expected: ['c1→b'],
      },
      {
        name: 'ties broken by id, whatever the input order',
        agents: [agent('c', 1, 5, ['p']), agent('a', 1, 5, ['p']), agent('b', 1, 5, ['p'])],
        requests: [toPool('p')],
        expected: ['c1→a'],
      },
      {
        name: 'a saturated least-busy member is skipped',
        agents: [agent('a', 0, 0, ['p']), agent('b', 4, 5, ['p'])],
        requests: [toPool('p')],
        expected: ['c1→b'],
      },
      {
        name: 'capacity fills within one batch, spreading load',
        agents: [agent('a', 0, 2, ['p']), agent('b', 1, 2, ['p'])],
        requests: [toPool('p', 'c1'), toPool('p', 'c2'), toPool('p', 'c3'), toPool('p', 'c4')],
        expected: ['c1→a', 'c2→a', 'c3→b', 'c4:saturated'],
      },
      {
        name: 'round-robins equal members in id order',
        agents: [agent('b', 0, 2, ['p']), agent('a', 0, 2, ['p'])],
        requests: [toPool('p', 'c1'), toPool('p', 'c2'), toPool('p', 'c3'), toPool('p', 'c4'), toPool('p', 'c5')],
        expected: ['c1→a', 'c2→b', 'c3→a', 'c4→b', 'c5:saturated'],
      },
      {
        name: 'no members',
        agents: [agent('a', 0, 5, ['other'])],
        requests: [toPool('p')],
        expected: ['c1:no-agent'],
      },
      {
        name: 'no agents at all',
        agents: [],
        requests: [toPool('p')],
        expected: ['c1:no-agent'],
      },
      {
        name: 'all members saturated',
        agents: [agent('a', 2, 2, ['p']), agent('b', 3, 3, ['p']), agent('c', 0, 9, ['other'])],
        requests: [toPool('p')],
        expected: ['c1:saturated'],
      },
      {
        name: 'an agent in several pools counts its load across them',
        agents: [agent('shared', 0, 2, ['p', 'q']), agent('q-only', 1, 2, ['q'])],
        requests: [toPool('p', 'c1'), toPool('q', 'c2'), toPool('q', 'c3'), toPool('p', 'c4')],
        expected: ['c1→shared', 'c2→q-only', 'c3→shared', 'c4:saturated'],
      },
      {
        name: 'named and pool commands share one load view',
        agents: [agent('a', 0, 1, ['p']), agent('b', 0, 1, ['p'])],
        requests: [toAgent('a', 'c1'), toPool('p', 'c2'), toPool('p', 'c3')],
        expected: ['c1→a', 'c2→b', 'c3:saturated'],
      },
    ];

    it.each(cases)('$name → $expected', ({ agents, requests, expected }) => {
      expect(brief(sut(requests, agents))).toEqual(expected);
    });
  });

  describe('batch shape', () => {
    it('answers one decision per request, in request order', () => {
      const agents = [agent('a', 0, 1, ['p'])];
      const requests = [toPool('none', 'z'), toAgent('a', 'm'), toPool('p', 'a'), toAgent('ghost', 'b')];

      expect(sut(requests, agents)).toEqual([
        { commandId: 'z', kind: 'no-agent' },
        { commandId: 'm', kind: 'assign', agentId: 'a' },
        { commandId: 'a', kind: 'saturated' },
        { commandId: 'b', kind: 'no-agent' },
      ]);
    });

    it('an empty batch routes nothing', () => {
      expect(sut([], [agent('a', 0, 1)])).toEqual([]);
    });

    it('does not mutate the agents it was given', () => {
      const agents = [agent('a', 0, 2, ['p']), agent('b', 1, 2, ['p'])];
      const before = structuredClone(agents);

      sut([toPool('p', 'c1'), toPool('p', 'c2'), toAgent('b', 'c3')], agents);

      expect(agents).toEqual(before);
    });

    it('each call starts from the loads it is given', () => {
      const agents = [agent('a', 0, 1)];

      expect(brief(sut([toAgent('a')], agents))).toEqual(['c1→a']);
      expect(brief(sut([toAgent('a')], agents))).toEqual(['c1→a']);
    });
  });
});

describe(serves.name, () => {
  it.each([
    { name: 'the agent named', agent: { id: 'a', pools: ['p'] }, target: { kind: 'agent', name: 'a' }, expected: true },
    { name: 'another agent', agent: { id: 'b', pools: ['a'] }, target: { kind: 'agent', name: 'a' }, expected: false },
    {
      name: 'a member of the pool',
      agent: { id: 'a', pools: ['x', 'p'] },
      target: { kind: 'pool', name: 'p' },
      expected: true,
    },
    { name: 'not a member', agent: { id: 'p', pools: ['x'] }, target: { kind: 'pool', name: 'p' }, expected: false },
  ] as const)('$name', ({ agent, target, expected }) => {
    expect(serves(agent, target)).toBe(expected);
  });
});
