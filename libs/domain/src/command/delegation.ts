import { childDepth } from './command-depth';
import type { CommandState } from './command-state';

/** The ledger's `caller` of commands an agent submits. */
export function agentCaller(agentId: string): string {
  return `agent:${agentId}`;
}

/** What delegation needs to know of the command an agent delegates from. */
export interface ParentSnapshot {
  state: CommandState;
  assignedAgent: string | null;
  depth: number;
}

export type Delegation =
  | { ok: true; parentId: string; depth: number }
  | {
      ok: false;
      status: 403 | 404 | 409;
      reason: 'parent-not-found' | 'parent-not-held' | 'parent-not-running' | 'parent-cancelled';
      detail: string;
    };

/**
 * An agent may submit commands while it runs one: the child records the
 * parent and is one level deeper. Only the agent the parent is assigned to,
 * and only while the parent is in flight (a finished or requeued parent has
 * no one running it to delegate for).
 */
export function delegateFrom(parentId: string, parent: ParentSnapshot | undefined, agentId: string): Delegation {
  if (!parent) return { ok: false, status: 404, reason: 'parent-not-found', detail: `no command ${parentId}` };
  if (parent.assignedAgent !== agentId) {
    return {
      ok: false,
      status: 403,
      reason: 'parent-not-held',
      detail: `command ${parentId} is not assigned to agent ${agentId}`,
    };
  }
  if (parent.state !== 'dispatched' && parent.state !== 'running') {
    return {
      ok: false,
      status: 409,
      reason: 'parent-not-running',
      detail: `command ${parentId} is ${parent.state}; only a command in flight can delegate`,
    };
  }
  return { ok: true, parentId, depth: childDepth(parent.depth) };
}

/**
 * Delegation published on NATS, judged when the dispatcher records it, which
 * can be after the parent finished (the publish is stored at once, recorded a
 * moment later). So the parent need not still be in flight: it must exist
 * and have been dispatched to an agent (the child's submitter), and must not
 * have been cancelled or expired (its children were cancelled with it).
 */
export function adoptPublishedChild(
  parentId: string,
  parent: ParentSnapshot | undefined,
): Delegation & ({ ok: false } | { ok: true; agentId: string }) {
  if (!parent) return { ok: false, status: 404, reason: 'parent-not-found', detail: `no command ${parentId}` };
  if (!parent.assignedAgent) {
    return {
      ok: false,
      status: 403,
      reason: 'parent-not-held',
      detail: `command ${parentId} is not assigned to an agent`,
    };
  }
  if (parent.state === 'cancelled' || parent.state === 'expired') {
    return { ok: false, status: 409, reason: 'parent-cancelled', detail: `command ${parentId} is ${parent.state}` };
  }
  return { ok: true, parentId, depth: childDepth(parent.depth), agentId: parent.assignedAgent };
}
