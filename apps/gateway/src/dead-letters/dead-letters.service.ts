import { Inject, Injectable, Logger } from '@nestjs/common';
import { callerOf, Principal, readScopeOf } from '@switchyard/auth';
import { draftReplayCommand } from '@switchyard/domain';
import { CommandPublisher } from '@switchyard/messaging';
import {
  CommandRow,
  DeadLetterRow,
  findDeadLetter,
  inTransaction,
  insertCommands,
  listDeadLetters,
  lockDeadLetterForReplay,
  markDeadLetterReplayed,
  PG_POOL,
  ReadScope,
  resolveDeadLetter,
} from '@switchyard/persistence';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { encodeCursor } from '../commands/commands.schemas';
import { ProblemException } from '../problem/problem';
import { ListDeadLettersQuery } from './dead-letters.schemas';

/**
 * Operators' view of dead letters. The admin key sees and acts on every one.
 * A key holder reads the dead letters of the commands it may read (its own,
 * its schedules' and triggers', and for an agent those assigned to it), and
 * replays or resolves those of the commands it submitted (or its schedules
 * and triggers created): an agent cannot replay work it was merely given.
 */
@Injectable()
export class DeadLettersService {
  private readonly logger = new Logger(DeadLettersService.name);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CommandPublisher) private readonly publisher: CommandPublisher,
  ) {}

  async list(principal: Principal, query: ListDeadLettersQuery) {
    const rows = await listDeadLetters(this.pool, readScopeOf(principal), {
      type: query.type,
      reason: query.reason,
      target: query.target,
      resolved: query.resolved,
      before: query.cursor,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(deadLetterView),
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  async get(principal: Principal, id: string) {
    const row = await findDeadLetter(this.pool, readScopeOf(principal), id);
    if (!row) throw notFound(id);
    return deadLetterView(row);
  }

  /**
   * A new command with the original's target, type, payload and policy, fresh
   * attempts, linked both ways (its `parentId` is the original, the dead
   * letter's `replayCommandId` is it). The dead letter is locked for the
   * transaction, so two concurrent replays serialise: the second is 409
   * unless `force`. The replay is offered after the commit.
   */
  async replay(principal: Principal, id: string, force: boolean) {
    const now = new Date();
    const command = await inTransaction(this.pool, async (tx): Promise<CommandRow> => {
      const locked = await lockDeadLetterForReplay(tx, actingScope(principal), id);
      if (!locked) throw notFound(id);
      const { deadLetter, command: original } = locked;
      if (deadLetter.replay_command_id && !force) {
        throw new ProblemException(409, 'dead-letter-replayed', `dead letter ${id} was already replayed`, {
          replayCommandId: deadLetter.replay_command_id,
        });
      }
      const draft = draftReplayCommand(
        {
          id: original.id,
          targetKind: original.target_kind,
          target: original.target,
          type: original.type,
          payload: original.payload,
          caller: original.caller,
          maxAttempts: original.max_attempts,
          backoff: original.backoff,
          ackTimeoutMs: original.ack_timeout_ms,
          heartbeatTimeoutMs: original.heartbeat_timeout_ms,
          depth: original.depth,
          createdAt: original.created_at,
          deadlineAt: original.deadline_at,
        },
        { id: uuidv7(), now },
      );
      const [inserted] = await insertCommands(tx, [draft], now);
      if (!inserted) throw new Error(`replay command ${draft.id} conflicted`);
      if (!(await markDeadLetterReplayed(tx, id, deadLetter.replay_command_id, inserted.id, now))) {
        throw new Error(`dead letter ${id} moved while locked`);
      }
      return inserted;
    });
    try {
      await this.publisher.publishSubmitted([command]);
    } catch (err) {
      this.logger.warn({ commandId: command.id, err: String(err) }, 'publish after commit failed; relay will retry');
    }
    const row = await findDeadLetter(this.pool, { kind: 'all' }, id);
    return { deadLetter: row && deadLetterView(row), command: { id: command.id, state: command.state } };
  }

  /** Marks a dead letter handled, with a note; 409 when it already is. */
  async resolve(principal: Principal, id: string, note: string) {
    const scope = actingScope(principal);
    const row = await resolveDeadLetter(this.pool, scope, id, note, new Date());
    if (row) return deadLetterView(row);
    const existing = await findDeadLetter(this.pool, scope, id);
    if (!existing) throw notFound(id);
    throw new ProblemException(409, 'dead-letter-resolved', `dead letter ${id} is already resolved`, {
      resolvedAt: existing.resolved_at?.toISOString(),
    });
  }
}

/** Whose dead letters a principal may replay or resolve: the admin all, others those of commands they submitted. */
function actingScope(principal: Principal): ReadScope {
  return principal.kind === 'admin' ? { kind: 'all' } : { kind: 'caller', caller: callerOf(principal) };
}

function notFound(id: string): ProblemException {
  return new ProblemException(404, 'dead-letter-not-found', `no dead letter ${id}`);
}

export function deadLetterView(row: DeadLetterRow) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: row.id,
    commandId: row.command_id,
    reason: row.reason,
    type: row.type,
    target: row.target_kind === 'agent' ? { agent: row.target } : { pool: row.target },
    attempt: row.attempt,
    depth: row.depth,
    error: row.error,
    createdAt: row.created_at.toISOString(),
    publishedAt: iso(row.published_at),
    replayedAt: iso(row.replayed_at),
    replayCommandId: row.replay_command_id,
    resolvedAt: iso(row.resolved_at),
    resolutionNote: row.resolution_note,
    handlerFailedAt: iso(row.handler_failed_at),
    handlerCommandId: row.handler_command_id,
  };
}
