import { setMaxListeners } from 'node:events';
import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import {
  AgentLoad,
  CommandRequest,
  CommandTarget,
  draftCommand,
  jsonByteLength,
  nextWaitMs,
  resolveSyncTimeout,
  routeCommands,
  serves,
  syncAdmission,
  syncOutcome,
  SyncOutcome,
} from '@switchyard/domain';
import { JetStreamService } from '@switchyard/messaging';
import { syncAnswers } from '@switchyard/observability';
import { CommandRow, findByIdempotencyKeys, findCommandsByIds, loadLiveAgents, PG_POOL } from '@switchyard/persistence';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { tickLoader } from '../batching/tick-loader';
import { CommandIntake } from '../commands/command-intake.service';
import { CommandWatch } from './command-watch';

const answered = syncAnswers;

/** Calls whose reads share one statement at most. */
const MAX_READ_BATCH = 256;

export interface SyncCall {
  caller: string;
  target: CommandTarget;
  /** The submission; its id is honoured (NATS) or already stripped (HTTP). */
  request: CommandRequest;
  timeoutMs?: number;
}

export type SyncResult =
  | { kind: 'invalid'; status: 400 | 413; field: string; message: string }
  | {
      kind: 'outcome';
      outcome: SyncOutcome;
      /** Absent when the call was refused before any row was written (503). */
      row?: CommandRow;
      replayed: boolean;
    };

/**
 * Sync mode, for HTTP and NATS callers alike (docs/sync.md): refuse at once
 * when no agent can take the command (no row written), otherwise subscribe
 * to its lifecycle subject, record and publish it, and wait for its outcome
 * with a rolling window bounded by the caller's timeout. An idempotent repeat
 * waits on the existing command, or maps its final state.
 */
@Injectable()
export class SyncService implements BeforeApplicationShutdown {
  /** Aborted at shutdown: every waiter answers from the ledger as it stands (504 if still running). */
  private readonly closing = new AbortController();
  private readonly liveAgents = tickLoader<CommandTarget, AgentLoad[]>((t) => this.loadAgentBatch(t), MAX_READ_BATCH);
  private readonly rows = tickLoader<string, CommandRow | undefined>((ids) => this.loadRowBatch(ids), MAX_READ_BATCH);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(CommandIntake) private readonly intake: CommandIntake,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {
    // One listener per waiting caller: thousands are expected, not a leak.
    setMaxListeners(0, this.closing.signal);
  }

  beforeApplicationShutdown(): void {
    this.closing.abort();
  }

  async call(call: SyncCall): Promise<SyncResult> {
    const result = await this.run(call);
    answered.inc({ status: String(result.kind === 'invalid' ? result.status : result.outcome.status) });
    return result;
  }

  private async run({ caller, target, request, timeoutMs }: SyncCall): Promise<SyncResult> {
    const timeout = resolveSyncTimeout(timeoutMs, {
      defaultMs: this.config.sync.defaultTimeoutMs,
      maxMs: this.config.sync.maxTimeoutMs,
    });
    if (!timeout.ok) return { kind: 'invalid', status: 400, field: 'timeoutMs', message: timeout.message };
    const deadline = Date.now() + timeout.timeoutMs;
    if (request.runAt !== undefined) {
      return { kind: 'invalid', status: 400, field: 'runAt', message: 'not allowed with mode "sync"' };
    }
    const limit = this.config.limits.maxPayloadBytes;
    if (jsonByteLength(request.payload) > limit) {
      return { kind: 'invalid', status: 413, field: 'payload', message: `must be at most ${limit} bytes of JSON` };
    }
    const now = new Date();
    const drafted = draftCommand(
      { ...request, mode: 'sync' },
      { id: uuidv7(), target, caller, defaults: this.config.commandDefaults, now },
    );
    if (!drafted.ok) return { kind: 'invalid', status: 400, field: drafted.field, message: drafted.message };
    const draft = drafted.draft;

    // A repeat of a known call answers from that command, whatever the agents' state now.
    if (draft.idempotencyKey) {
      const [existing] = await findByIdempotencyKeys(this.pool, [{ caller, idempotencyKey: draft.idempotencyKey }]);
      if (existing) return this.waitFor(existing.id, deadline, true);
    }

    const agents = await this.liveAgents.load(target);
    const prefetch = this.config.dispatcher.prefetch;
    const [decision] = routeCommands(
      [{ commandId: draft.id, target }],
      agents.map((a) => ({ ...a, capacity: Math.floor(a.capacity * prefetch) })),
    );
    const refused = syncAdmission(decision);
    if (refused) return { kind: 'outcome', outcome: refused, replayed: false };

    // Subscribed before the publish (same connection, so the server has the subscription first).
    const watch = this.watch(draft.id);
    let recorded: { replayed: boolean; row: CommandRow };
    try {
      recorded = await this.intake.record(draft);
    } catch (err) {
      watch.close();
      throw err;
    }
    if (recorded.replayed) {
      watch.close();
      return this.waitFor(recorded.row.id, deadline, true);
    }
    return this.waitFor(recorded.row.id, deadline, false, watch);
  }

  /**
   * The rolling wait. Every event opens a new idle window; a window without
   * one, or an event announcing a final state, makes us read the row. At the
   * overall deadline the row is read one last time.
   */
  private async waitFor(id: string, deadline: number, replayed: boolean, opened?: CommandWatch): Promise<SyncResult> {
    const watch = opened ?? this.watch(id);
    try {
      let read = replayed; // a replay may already be finished: look before waiting
      for (;;) {
        if (read) {
          const row = await this.read(id);
          const outcome = syncOutcome(row, { timedOut: false });
          if (outcome.kind !== 'pending') return { kind: 'outcome', outcome, row, replayed };
        }
        const ms = nextWaitMs(Date.now(), deadline);
        if (ms === 0) break;
        const woke = await watch.next(ms, this.closing.signal);
        if (woke === 'aborted') break;
        read = woke === 'idle' || watch.sawTerminal;
      }
      const row = await this.read(id);
      const outcome = syncOutcome(row, { timedOut: true });
      if (outcome.kind === 'pending') throw new Error('a timed-out sync outcome is never pending');
      return { kind: 'outcome', outcome, row, replayed };
    } finally {
      watch.close();
    }
  }

  private watch(id: string): CommandWatch {
    return new CommandWatch(this.jetstream.nc, this.jetstream.subjects.commandEvents(id));
  }

  private async read(id: string): Promise<CommandRow> {
    const row = await this.rows.load(id);
    if (!row) throw new Error(`command ${id} vanished while a sync caller waited`);
    return row;
  }

  /** The live agents that could serve each target, read for all the calls of one turn in one statement. */
  private async loadAgentBatch(targets: readonly CommandTarget[]): Promise<AgentLoad[][]> {
    const agents = await loadLiveAgents(
      this.pool,
      targets.filter((t) => t.kind === 'agent').map((t) => t.name),
      targets.filter((t) => t.kind === 'pool').map((t) => t.name),
    );
    return targets.map((t) => agents.filter((a) => serves(a, t)));
  }

  /** Rows by id, read for all the calls of one turn in one statement. */
  private async loadRowBatch(ids: readonly string[]): Promise<(CommandRow | undefined)[]> {
    const byId = new Map((await findCommandsByIds(this.pool, ids)).map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id));
  }
}
