import { CommandTarget } from '../command/command-state';

/** A live agent as the router sees it. */
export interface AgentLoad {
  id: string;
  pools: readonly string[];
  capacity: number;
  inFlight: number;
}

/** Whether an agent can take a command for this target: it is the agent named, or a member of the pool named. */
export function serves(agent: { id: string; pools: readonly string[] }, target: CommandTarget): boolean {
  return target.kind === 'agent' ? agent.id === target.name : agent.pools.includes(target.name);
}

export interface RoutingRequest {
  commandId: string;
  target: CommandTarget;
}

export type RoutingDecision =
  | { commandId: string; kind: 'assign'; agentId: string }
  /** No live agent can ever take it now: park until one connects. */
  | { commandId: string; kind: 'no-agent' }
  /** Live agents exist but all are at capacity: try again shortly. */
  | { commandId: string; kind: 'saturated' };

/**
 * Routes a batch of commands to live agents, in order.
 *
 * A named agent takes its command when it is live and below capacity. A pool
 * command goes to the least busy live member with spare capacity (ties broken
 * by id so the choice is deterministic). Each assignment counts against the
 * agent's load for the rest of the batch.
 */
export function routeCommands(requests: readonly RoutingRequest[], agents: readonly AgentLoad[]): RoutingDecision[] {
  const load = new Map(agents.map((a) => [a.id, { ...a }]));
  return requests.map(({ commandId, target }) => {
    const candidates =
      target.kind === 'agent'
        ? [load.get(target.name)].filter((a) => a !== undefined)
        : [...load.values()].filter((a) => a.pools.includes(target.name));
    if (candidates.length === 0) return { commandId, kind: 'no-agent' };
    const chosen = leastBusy(candidates);
    if (!chosen) return { commandId, kind: 'saturated' };
    chosen.inFlight += 1;
    return { commandId, kind: 'assign', agentId: chosen.id };
  });
}

function leastBusy(candidates: AgentLoad[]): AgentLoad | undefined {
  let best: AgentLoad | undefined;
  for (const a of candidates) {
    if (a.inFlight >= a.capacity) continue;
    if (!best || a.inFlight < best.inFlight || (a.inFlight === best.inFlight && a.id < best.id)) best = a;
  }
  return best;
}
