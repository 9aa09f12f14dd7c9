import type { ReadScope } from '@switchyard/persistence';
import { callerOf, Principal } from './principal';

/**
 * Which commands a principal may read: the admin all of them; a client its
 * own; an agent its own and those assigned to it (the predicate is
 * `findCommand`'s, in libs/persistence).
 */
export function readScopeOf(principal: Principal): ReadScope {
  switch (principal.kind) {
    case 'admin':
      return { kind: 'all' };
    case 'agent':
      return { kind: 'caller', caller: callerOf(principal), assignedAgent: principal.agentId };
    case 'client':
      return { kind: 'caller', caller: callerOf(principal) };
  }
}

/** Which agents a principal may read: the admin and clients every agent (a fleet view); an agent only itself. */
export type AgentReadScope = { kind: 'all' } | { kind: 'self'; agentId: string };

export function agentReadScopeOf(principal: Principal): AgentReadScope {
  return principal.kind === 'agent' ? { kind: 'self', agentId: principal.agentId } : { kind: 'all' };
}
