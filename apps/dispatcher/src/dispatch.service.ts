import { Inject, Injectable, Logger } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import {
  agentCaller,
  type AgentTransport,
  CommandDraft,
  adoptPublishedChild,
  limitDepth,
  routeCommands,
  RoutingDecision,
  syncRefusal,
} from '@switchyard/domain';
import {
  commandsClaimed,
  commandsDepthExceeded,
  commandsParked,
  dispatchSaturated,
  syncRefused,
} from '@switchyard/observability';
import {
  claimForDispatch,
  claimQueuedForAgent,
  CommandRow,
  countInFlight,
  findByIdempotencyKeys,
  findCommandsByIds,
  insertCommands,
  loadLiveAgents,
  parkUnroutable,
  PG_POOL,
  transitionCommand,
} from '@switchyard/persistence';
import type { Pool } from 'pg';
import { DeliveryService } from './delivery.service';

/** A submit message after parsing: a ledger row to offer, or a new command to record first. */
export type Submission = { kind: 'ledger'; commandId: string } | { kind: 'new'; draft: CommandDraft };

/** A submission the dispatcher will never record (its message is terminated). */
export interface Refusal {
  kind: 'refuse';
  reason: string;
  detail: string;
}

/** What the consumer should do with each message of the batch. */
export type Disposition =
  { kind: 'ack' } | { kind: 'retry-later'; reason: 'saturated' | 'agent-came-online' | 'claim-contended' };

const depthExceeded = commandsDepthExceeded;
const claimed = commandsClaimed;
const parked = commandsParked;
const saturated = dispatchSaturated;

/**
 * The dispatch step for a batch of submit messages:
 * record new commands → read their rows → route to live agents (pure) →
 * claim with one CAS → deliver. Rows already claimed, finished or scheduled
 * are acknowledged without delivery, so a redelivered message never causes a
 * second delivery of the same attempt.
 */
@Injectable()
export class DispatchService {
  private readonly logger = new Logger(DispatchService.name);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(DeliveryService) private readonly delivery: DeliveryService,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  async dispatch(submissions: readonly Submission[]): Promise<Disposition[]> {
    const now = new Date();
    // The agents that could serve the new commands are read while those are inserted (neither needs the other).
    const drafts = submissions.flatMap((s) => (s.kind === 'new' ? [s.draft] : []));
    const [recorded, draftAgents] = await Promise.all([
      this.recordNew(submissions, drafts, now),
      this.liveAgentsFor(drafts.map((d) => ({ target_kind: d.targetKind, target: d.target }))),
    ]);
    const { ids, inserted } = recorded;
    const rows = await this.rowsOf(ids, inserted);
    const offered = [...new Set(ids)]
      .map((id) => rows.get(id))
      .filter((r): r is CommandRow => r !== undefined && r.state === 'queued' && r.available_at <= now);
    // Targets the new commands did not name (ledger submissions) are read now.
    const draftTargets = new Set(drafts.map((d) => `${d.targetKind}:${d.target}`));
    const otherAgents = await this.liveAgentsFor(
      offered.filter((r) => !draftTargets.has(`${r.target_kind}:${r.target}`)),
    );
    const agents = [...new Map([...draftAgents, ...otherAgents].map((a) => [a.id, a])).values()];
    const prefetch = this.config.dispatcher.prefetch;
    const routed = routeCommands(
      offered.map((r) => ({ commandId: r.id, target: { kind: r.target_kind, name: r.target } })),
      agents.map((a) => ({ ...a, capacity: Math.floor(a.capacity * prefetch) })),
    );
    // A sync caller is waiting: it is answered 503 now instead of the command being parked or postponed.
    const syncIds = new Set(offered.filter((r) => r.mode === 'sync').map((r) => r.id));
    const decisions = routed.filter((d) => d.kind === 'assign' || !syncIds.has(d.commandId));
    await this.refuseSync(routed.filter((d) => d.kind !== 'assign' && syncIds.has(d.commandId)));

    const assignments = decisions.flatMap((d) =>
      d.kind === 'assign' ? [{ commandId: d.commandId, agentId: d.agentId }] : [],
    );
    const won = await claimForDispatch(this.pool, assignments, now);
    claimed.inc(won.length);
    this.delivery.deliver(won, now, new Map(agents.map((a) => [a.id, a.transport])));

    const noAgent = decisions.filter((d) => d.kind === 'no-agent').map((d) => d.commandId);
    const parkedIds = new Set(await parkUnroutable(this.pool, noAgent, now));
    parked.inc(parkedIds.size);
    const retryLater = new Map<string, Disposition>();
    // Assigned but not won: claimed elsewhere (the next delivery finds it and acks) or locked by a peer.
    const wonIds = new Set(won.map((r) => r.id));
    for (const a of assignments) {
      if (!wonIds.has(a.commandId)) retryLater.set(a.commandId, { kind: 'retry-later', reason: 'claim-contended' });
    }
    for (const id of noAgent) {
      if (!parkedIds.has(id)) retryLater.set(id, { kind: 'retry-later', reason: 'agent-came-online' });
    }
    for (const d of decisions) {
      if (d.kind === 'saturated') retryLater.set(d.commandId, { kind: 'retry-later', reason: 'saturated' });
    }
    saturated.inc(decisions.filter((d) => d.kind === 'saturated').length);
    return ids.map((id) => retryLater.get(id) ?? { kind: 'ack' });
  }

  /**
   * Ends sync commands no agent can take now (cancel through the transition
   * table, with its lifecycle event), so that one never runs after its caller
   * was told 503. The CAS makes a repeat, or a row that moved on, harmless.
   */
  private async refuseSync(decisions: readonly RoutingDecision[]): Promise<void> {
    for (const d of decisions) {
      if (d.kind === 'assign') continue;
      const now = new Date();
      const result = await transitionCommand(
        this.pool,
        d.commandId,
        syncRefusal(d.kind),
        { event: 'cancel', data: { reason: d.kind } },
        now,
      );
      if (result.kind !== 'applied') continue;
      syncRefused.inc({ reason: d.kind });
      this.delivery.announce([result.row], 'cancel', now, result.transition.from);
    }
  }

  /**
   * Drain on connect: claims queued work the agent can serve, up to its spare
   * capacity, and delivers it.
   */
  async drainTo(agent: {
    id: string;
    pools: readonly string[];
    max_concurrency: number;
    transport: AgentTransport;
  }): Promise<number> {
    const now = new Date();
    const capacity = Math.floor(agent.max_concurrency * this.config.dispatcher.prefetch);
    const spare = capacity - (await countInFlight(this.pool, agent.id));
    const rows = await claimQueuedForAgent(this.pool, agent, spare, now);
    claimed.inc(rows.length);
    this.delivery.deliver(rows, now, new Map([[agent.id, agent.transport]]));
    if (rows.length) this.logger.log({ agentId: agent.id, count: rows.length }, 'drained queued commands to agent');
    return rows.length;
  }

  /**
   * Delegation over NATS: a new command naming a parent becomes that parent's
   * child, one level deeper, submitted by the agent the parent is assigned
   * to (a NATS publisher is trusted as that agent). See adoptPublishedChild
   * for the parents that refuse it.
   */
  async adoptParents(submissions: readonly Submission[]): Promise<(Submission | Refusal)[]> {
    const parentIds = submissions.flatMap((s) => (s.kind === 'new' && s.draft.parentId ? [s.draft.parentId] : []));
    if (parentIds.length === 0) return [...submissions];
    const parents = new Map((await findCommandsByIds(this.pool, [...new Set(parentIds)])).map((r) => [r.id, r]));
    return submissions.map((s) => {
      if (s.kind !== 'new' || !s.draft.parentId) return s;
      const parent = parents.get(s.draft.parentId);
      const adopted = adoptPublishedChild(
        s.draft.parentId,
        parent && { state: parent.state, assignedAgent: parent.assigned_agent, depth: parent.depth },
      );
      if (!adopted.ok) return { kind: 'refuse', reason: adopted.reason, detail: adopted.detail };
      const child = { ...s.draft, caller: agentCaller(adopted.agentId), depth: adopted.depth };
      return { kind: 'new', draft: limitDepth(child, this.config.limits.maxCommandDepth) };
    });
  }

  /** The rows of these ids: those just inserted are in hand; only the others (ledger submissions, replays) are read. */
  private async rowsOf(ids: readonly string[], inserted: readonly CommandRow[]): Promise<Map<string, CommandRow>> {
    const rows = new Map(inserted.map((r) => [r.id, r]));
    const missing = [...new Set(ids)].filter((id) => !rows.has(id));
    for (const r of await findCommandsByIds(this.pool, missing)) rows.set(r.id, r);
    return rows;
  }

  /** Live agents (with their load) for these targets; none asked, no query. */
  private liveAgentsFor(
    targets: readonly Pick<CommandRow, 'target_kind' | 'target'>[],
  ): Promise<Awaited<ReturnType<typeof loadLiveAgents>>> {
    if (targets.length === 0) return Promise.resolve([]);
    return loadLiveAgents(
      this.pool,
      targets.filter((r) => r.target_kind === 'agent').map((r) => r.target),
      targets.filter((r) => r.target_kind === 'pool').map((r) => r.target),
    );
  }

  /**
   * Inserts the commands that arrived over NATS; returns the ledger id of
   * every submission, in order, and the rows it inserted.
   */
  private async recordNew(
    submissions: readonly Submission[],
    drafts: readonly CommandDraft[],
    now: Date,
  ): Promise<{ ids: string[]; inserted: CommandRow[] }> {
    const inserted = await insertCommands(this.pool, drafts, now);
    this.delivery.announce(inserted, 'submit', now, null);
    for (const row of inserted.filter((r) => r.state === 'cancelled')) {
      depthExceeded.inc({ source: 'delegation' });
      this.logger.warn(
        { commandId: row.id, caller: row.caller, depth: row.depth, parentId: row.parent_id, type: row.type },
        'delegated command past the maximum depth: recorded cancelled, not run',
      );
    }
    const insertedIds = new Set(inserted.map((r) => r.id));
    const conflicting = drafts.filter((d) => !insertedIds.has(d.id) && d.idempotencyKey);
    const existing = await findByIdempotencyKeys(
      this.pool,
      conflicting.map((d) => ({ caller: d.caller, idempotencyKey: d.idempotencyKey! })),
    );
    const byKey = new Map(existing.map((r) => [`${r.caller}\u0000${r.idempotency_key}`, r.id]));
    const ids = submissions.map((s) =>
      s.kind === 'ledger' ? s.commandId : (byKey.get(`${s.draft.caller}\u0000${s.draft.idempotencyKey}`) ?? s.draft.id),
    );
    return { ids, inserted };
  }
}
