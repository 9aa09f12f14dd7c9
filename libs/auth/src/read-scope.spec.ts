import { describe, expect, it } from '@jest/globals';
import type { ReadScope } from '@switchyard/persistence';
import type { Principal } from './principal';
import { agentReadScopeOf, AgentReadScope, readScopeOf as sut } from './read-scope';

describe(sut.name, () => {
  const cases: { name: string; principal: Principal; expected: ReadScope }[] = [
    { name: 'the admin reads everything', principal: { kind: 'admin' }, expected: { kind: 'all' } },
    {
      name: 'a client reads what it submitted',
      principal: { kind: 'client', clientId: 'c1', keyId: 'k1' },
      expected: { kind: 'caller', caller: 'client:c1' },
    },
    {
      name: 'an agent reads what it submitted and what is assigned to it',
      principal: { kind: 'agent', agentId: 'worker-1', keyId: 'k2' },
      expected: { kind: 'caller', caller: 'agent:worker-1', assignedAgent: 'worker-1' },
    },
  ];

  it.each(cases)('$name', ({ principal, expected }) => {
    expect(sut(principal)).toEqual(expected);
  });
});

describe(agentReadScopeOf.name, () => {
  const cases: { name: string; principal: Principal; expected: AgentReadScope }[] = [
    { name: 'the admin reads every agent', principal: { kind: 'admin' }, expected: { kind: 'all' } },
    {
      name: 'a client reads every agent',
      principal: { kind: 'client', clientId: 'c1', keyId: 'k1' },
      expected: { kind: 'all' },
    },
    {
      name: 'an agent reads only itself',
      principal: { kind: 'agent', agentId: 'worker-1', keyId: 'k2' },
      expected: { kind: 'self', agentId: 'worker-1' },
    },
  ];

  it.each(cases)('$name', ({ principal, expected }) => {
    expect(agentReadScopeOf(principal)).toEqual(expected);
  });
});
