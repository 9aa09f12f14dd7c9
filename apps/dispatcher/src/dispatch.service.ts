import { Inject, Injectable, Logger } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import {
  agentCaller,
  type AgentTransport,
  CommandDraft,
  type CommandTarget,
  adoptPublishedChild,
  limitDepth,
  routeCommands,
  RoutingDecision,
  RoutingRequest,
  syncRefusal,
} from '@switchyard/domain';
import {
  claimsUnadmitted,
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
import { AgentDirectory, LiveAgent, targetKey } from './agent-directory';
import { DeliveryService } from './delivery.service';
import { type Sends, withQueuedSends } from './queued-sends';

/** One agent list from several reads; a later read of the same agent wins. */
function mergeAgents(...lists: (readonly LiveAgent[])[]): LiveAgent[] {
  return [...new Map(lists.flat().map((a) => [a.id, a])).values()];
}

/**
 * A submit message after parsing: a ledger row to offer, or a new command to
 * record first. A ledger row's message names its target in its subject; that
 * hint lets its agents be read while the row is, and the row's own target
 * decides.
 */
export type Submission =
  { kind: 'ledger'; commandId: string; target?: CommandTarget } | { kind: 'new'; draft: CommandDraft };

/** A submission the dispatcher will never record (its message is terminated). */
export interface Refusal {
  kind: 'refuse';
  reason: string;
  detail: string;
}

/** What the consumer should do with each message of the batch. */
export type Disposition =
  | { kind: 'ack' }
  | { kind: 'retry-later'; reason: 'agent-came-online' | 'claim-contended' }
  /** Every agent for it was full: `commandId` is its recorded row, to offer again when room frees. */
  | { kind: 'retry-later'; reason: 'saturated'; commandId: string };

/**
 * A dispatched batch: each submission's disposition, and the batch's NATS
 * sends (deliveries and lifecycle events, all after the ledger commit). The
 * caller makes the sends and then its acks in one turn of the event loop, so
 * they leave in one socket write instead of two.
 */
export interface DispatchOutcome {
  dispositions: Disposition[];
  send: () => void;
}

const depthExceeded = commandsDepthExceeded;
const claimed = commandsClaimed;
const parked = commandsParked;
const saturated = dispatchSaturated;

/**
 * The dispatch step for a batch of submit messages: the live agents (from
 * memory for new commands, read for ledger rows) → route (pure) → insert the
 * new commands already claimed (the ledger admits each claim), and claim the
 * waiting rows with one CAS → deliver. Rows already claimed, finished or
 * scheduled are acknowledged without delivery, and a repeat of a recorded
 * command is offered as that row, so a redelivered message never causes a
 * second delivery of the same attempt.
 */
@Injectable()
export class DispatchService {
  private readonly logger = new Logger(DispatchService.name);

  private readonly directory: AgentDirectory;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(DeliveryService) private readonly delivery: DeliveryService,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {
    this.directory = new AgentDirectory(
      (agentIds, pools) => loadLiveAgents(this.pool, agentIds, pools),
      config.dispatcher.agentViewMs,
    );
  }

  async dispatch(submissions: readonly Submission[]): Promise<DispatchOutcome> {
    // On a throw, what was committed is still delivered and announced; the batch is redelivered.
    const { result, send } = await withQueuedSends((sends) => this.decide(submissions, sends));
    return { dispositions: result, send };
  }

  /** The work of dispatch(): pushes the NATS sends that follow its commits onto `sends`, in order. */
  private async decide(submissions: readonly Submission[], sends: Sends): Promise<Disposition[]> {
    const now = new Date();
    const drafts = submissions.flatMap((s) => (s.kind === 'new' ? [s.draft] : []));
    const routable = drafts.filter((d) => d.state === 'queued');
    const ledger = [
      ...new Map(submissions.flatMap((s) => (s.kind === 'ledger' ? [[s.commandId, s] as const] : []))).values(),
    ];
    const { offered, agents, routed } = await this.routeBatch(routable, ledger, now);
    // A sync caller is waiting (only ledger rows can be sync): it is answered 503 now instead of the command
    // being parked or postponed.
    const syncIds = new Set(offered.filter((r) => r.mode === 'sync').map((r) => r.id));
    const decisions = routed.filter((d) => d.kind === 'assign' || !syncIds.has(d.commandId));
    await this.refuseSync(routed.filter((d) => d.kind !== 'assign' && syncIds.has(d.commandId)));

    const assigned = new Map(decisions.flatMap((d) => (d.kind === 'assign' ? [[d.commandId, d.agentId]] : [])));
    const draftIds = new Set(drafts.map((d) => d.id));
    const ledgerAssignments = [...assigned]
      .filter(([commandId]) => !draftIds.has(commandId))
      .map(([commandId, agentId]) => ({ commandId, agentId }));
    // New commands are inserted already claimed by their agents; waiting rows are claimed with the CAS.
    const [recorded, waiting] = await Promise.allSettled([
      this.recordNew(drafts, assigned, now),
      claimForDispatch(this.pool, ledgerAssignments, now),
    ]);
    const inserted = recorded.status === 'fulfilled' ? recorded.value : [];
    // Each new command's submission, as it was before its claim, ahead of the deliveries and their claim events.
    const submitted = inserted.map((r) =>
      r.state === 'dispatched' ? { ...r, state: 'queued' as const, attempt: 0, assigned_agent: null } : r,
    );
    sends.push(() => this.delivery.announce(submitted, 'submit', now, null));
    if (recorded.status === 'rejected') throw recorded.reason;
    if (waiting.status === 'rejected') throw waiting.reason;
    const won = [...inserted.filter((r) => r.state === 'dispatched'), ...waiting.value];
    claimed.inc(won.length);
    this.directory.noteClaims(won.map((r) => r.assigned_agent!));
    const transports = new Map(agents.map((a) => [a.id, a.transport]));
    sends.push(() => this.delivery.deliver(won, now, transports));
    // Assigned from memory but not admitted by the ledger (the agent filled up or left since it was read).
    const unadmitted = inserted.filter((r) => r.state === 'queued' && assigned.has(r.id));
    claimsUnadmitted.inc(unadmitted.length);

    // Rows that exist: the waiting rows offered, and the new ones inserted queued.
    const insertedIds = new Set(inserted.map((r) => r.id));
    const exists = (id: string) => insertedIds.has(id) || !draftIds.has(id);
    const noAgent = decisions.filter((d) => d.kind === 'no-agent' && exists(d.commandId)).map((d) => d.commandId);
    const parkedIds = new Set(await parkUnroutable(this.pool, noAgent, now));
    parked.inc(parkedIds.size);
    const retryLater = new Map<string, Disposition>();
    // Assigned but not won: claimed elsewhere (the next delivery finds it and acks) or locked by a peer.
    const wonIds = new Set(won.map((r) => r.id));
    for (const { commandId } of ledgerAssignments) {
      if (!wonIds.has(commandId)) retryLater.set(commandId, { kind: 'retry-later', reason: 'claim-contended' });
    }
    for (const id of noAgent) {
      if (!parkedIds.has(id)) retryLater.set(id, { kind: 'retry-later', reason: 'agent-came-online' });
    }
    for (const d of decisions) {
      if (d.kind === 'saturated' && exists(d.commandId)) {
        retryLater.set(d.commandId, { kind: 'retry-later', reason: 'saturated', commandId: d.commandId });
      }
    }
    saturated.inc(decisions.filter((d) => d.kind === 'saturated').length);

    // A new command that was already recorded (a repeat of its idempotency key) is offered as the row it repeats;
    // one the ledger did not admit is offered again at once as the row it now is, on a fresh read of its agents.
    const repeats = drafts.filter((d) => !insertedIds.has(d.id) && d.idempotencyKey);
    const [repeated, readmitted] = await Promise.all([
      this.offerRepeats(repeats, sends),
      this.offerRows(
        unadmitted.map((r) => r.id),
        sends,
      ),
    ]);
    return submissions.map((s) => {
      if (s.kind === 'ledger') return retryLater.get(s.commandId) ?? { kind: 'ack' };
      const id = s.draft.id;
      return repeated.get(id) ?? readmitted.get(id) ?? retryLater.get(id) ?? { kind: 'ack' };
    });
  }

  /**
   * Recorded rows offered as ledger submissions (claimed by CAS if still
   * waiting); keyed by row id. The offer's sends join `sends`.
   */
  private async offerRows(ids: readonly string[], sends: Sends): Promise<Map<string, Disposition>> {
    if (ids.length === 0) return new Map();
    const { dispositions, send } = await this.dispatch(ids.map((commandId) => ({ kind: 'ledger', commandId })));
    sends.push(send);
    return new Map(ids.map((id, i) => [id, dispositions[i]]));
  }

  /**
   * New commands whose idempotency key was already recorded: each is offered
   * as the row it repeats (dispatched if still queued, acknowledged if it has
   * moved on), as a ledger submission would be. Keyed by the repeat's draft id.
   */
  private async offerRepeats(repeats: readonly CommandDraft[], sends: Sends): Promise<Map<string, Disposition>> {
    if (repeats.length === 0) return new Map();
    const existing = await findByIdempotencyKeys(
      this.pool,
      repeats.map((d) => ({ caller: d.caller, idempotencyKey: d.idempotencyKey! })),
    );
    const byKey = new Map(existing.map((r) => [`${r.caller}\u0000${r.idempotency_key}`, r.id]));
    const originals = repeats.map((d) => byKey.get(`${d.caller}\u0000${d.idempotencyKey}`));
    const byOriginal = await this.offerRows(
      originals.filter((id): id is string => id !== undefined),
      sends,
    );
    // A key with no row (deleted by retention meanwhile) has nothing left to dispatch.
    return new Map(repeats.map((d, i) => [d.id, byOriginal.get(originals[i] ?? '') ?? { kind: 'ack' }]));
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

  /**
   * Routes the ledger submissions still waiting (first) and the new commands:
   * new ones from the directory's memory (the insert admits their claims),
   * waiting rows on a fresh read (their CAS does not count load). A
   * remembered target that would leave a command unassigned is read again
   * before it does.
   */
  private async routeBatch(
    routable: readonly CommandDraft[],
    ledger: readonly { commandId: string; target?: CommandTarget }[],
    now: Date,
  ): Promise<{ offered: CommandRow[]; agents: LiveAgent[]; routed: RoutingDecision[] }> {
    const draftTargets = routable.map((d) => ({ kind: d.targetKind, name: d.target }));
    const hinted = ledger.flatMap((l) => (l.target ? [l.target] : []));
    // The waiting rows' agents are read fresh, at the same time as the rows, for the targets their subjects name.
    const [draftView, ledgerRows, hintedView] = await Promise.all([
      this.directory.view(draftTargets),
      findCommandsByIds(
        this.pool,
        ledger.map((l) => l.commandId),
      ),
      this.directory.view(hinted, true),
    ]);
    const offered = ledgerRows.filter((r) => r.state === 'queued' && r.available_at <= now);
    // A row offered without a hint, or whose target is not the one hinted, has its agents read now.
    const read = new Set(hinted.map(targetKey));
    const offeredView = await this.directory.view(
      offered.map((r) => ({ kind: r.target_kind, name: r.target })).filter((t) => !read.has(targetKey(t))),
      true,
    );
    const requests = [
      ...offered.map((r) => ({ commandId: r.id, target: { kind: r.target_kind, name: r.target } })),
      ...routable.map((d) => ({ commandId: d.id, target: { kind: d.targetKind, name: d.target } })),
    ];
    let agents = mergeAgents(draftView.agents, hintedView.agents, offeredView.agents);
    let routed = this.route(requests, agents);
    const unassigned = new Set(routed.filter((d) => d.kind !== 'assign').map((d) => d.commandId));
    const doubtful = draftTargets.filter(
      (t, i) => unassigned.has(routable[i].id) && draftView.remembered.has(targetKey(t)),
    );
    if (doubtful.length > 0) {
      agents = mergeAgents(agents, (await this.directory.view(doubtful, true)).agents);
      routed = this.route(requests, agents);
    }
    return { offered, agents, routed };
  }

  /** Routing with each agent's room for prefetched attempts (`max_concurrency × DISPATCH_PREFETCH`). */
  private route(requests: readonly RoutingRequest[], agents: readonly LiveAgent[]): RoutingDecision[] {
    const prefetch = this.config.dispatcher.prefetch;
    return routeCommands(
      requests,
      agents.map((a) => ({ ...a, capacity: Math.floor(a.capacity * prefetch) })),
    );
  }

  /**
   * Inserts the commands that arrived over NATS, those with an agent already
   * claimed by it. Returns the rows it inserted (announced by the caller).
   */
  private async recordNew(
    drafts: readonly CommandDraft[],
    claims: ReadonlyMap<string, string>,
    now: Date,
  ): Promise<CommandRow[]> {
    const inserted = await insertCommands(this.pool, drafts, now, {
      agents: claims,
      prefetch: this.config.dispatcher.prefetch,
    });
    for (const row of inserted.filter((r) => r.state === 'cancelled')) {
      depthExceeded.inc({ source: 'delegation' });
      this.logger.warn(
        { commandId: row.id, caller: row.caller, depth: row.depth, parentId: row.parent_id, type: row.type },
        'delegated command past the maximum depth: recorded cancelled, not run',
      );
    }
    return inserted;
  }
}
