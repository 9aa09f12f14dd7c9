import { type AgentLoad, type AgentTransport, type CommandTarget, serves } from '@switchyard/domain';

/** A live agent as routing sees it: its load, and how to reach it. */
export type LiveAgent = AgentLoad & { transport: AgentTransport };

/** Reads the live agents named, or serving the pools named, with their load (one query). */
export type LiveAgentLoader = (agentIds: string[], pools: string[]) => Promise<LiveAgent[]>;

/** A target unused for this long is dropped from memory (and read again if it comes back). */
const FORGET_AFTER_MS = 60_000;

export interface AgentView {
  agents: LiveAgent[];
  /** Targets answered from memory, not read for this call. */
  remembered: ReadonlySet<string>;
}

export const targetKey = (t: CommandTarget): string => `${t.kind}:${t.name}`;

/**
 * The live agents behind each target, kept for `maxAgeMs` (DISPATCH_AGENT_VIEW_MS) so that a
 * dispatch batch need not read them first. A remembered load counts the claims
 * this process made since the read (noteClaims) but not what others claimed
 * or what finished: it only guides the choice. Whether an agent may take a
 * claim is decided in the ledger by the claim itself (insertCommands), and a
 * decision that would refuse or park a command is made again on a fresh read.
 */
export class AgentDirectory {
  private readonly readAt = new Map<string, number>();
  private readonly members = new Map<string, string[]>();
  private readonly agents = new Map<string, LiveAgent>();

  constructor(
    private readonly load: LiveAgentLoader,
    private readonly maxAgeMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * The agents for these targets: remembered ones as they are, the rest
   * (unknown, too old, or all of them with `fresh`) read in one query.
   */
  async view(targets: readonly CommandTarget[], fresh = false): Promise<AgentView> {
    const now = this.clock();
    const unique = [...new Map(targets.map((t) => [targetKey(t), t])).values()];
    const stale = unique.filter((t) => fresh || (this.readAt.get(targetKey(t)) ?? -Infinity) <= now - this.maxAgeMs);
    if (stale.length > 0) await this.read(stale, now);
    const staleKeys = new Set(stale.map(targetKey));
    const ids = new Set(unique.flatMap((t) => this.members.get(targetKey(t)) ?? []));
    return {
      agents: [...ids].map((id) => ({ ...this.agents.get(id)! })),
      remembered: new Set(unique.map(targetKey).filter((k) => !staleKeys.has(k))),
    };
  }

  /** Attempts this process claimed since the last read: each counts against its agent until the next read. */
  noteClaims(agentIds: readonly string[]): void {
    for (const id of agentIds) {
      const agent = this.agents.get(id);
      if (agent) agent.inFlight += 1;
    }
  }

  private async read(targets: readonly CommandTarget[], now: number): Promise<void> {
    const names = (kind: CommandTarget['kind']) => targets.filter((t) => t.kind === kind).map((t) => t.name);
    const live = await this.load(names('agent'), names('pool'));
    for (const agent of live) this.agents.set(agent.id, agent);
    for (const t of targets) {
      const serving = live.filter((a) => serves(a, t));
      this.members.set(
        targetKey(t),
        serving.map((a) => a.id),
      );
      this.readAt.set(targetKey(t), now);
    }
    // Targets unused for a while, and agents no target names, are dropped: memory follows the traffic.
    for (const [key, at] of this.readAt) {
      if (at < now - FORGET_AFTER_MS) {
        this.readAt.delete(key);
        this.members.delete(key);
      }
    }
    const named = new Set([...this.members.values()].flat());
    for (const id of this.agents.keys()) if (!named.has(id)) this.agents.delete(id);
  }
}
