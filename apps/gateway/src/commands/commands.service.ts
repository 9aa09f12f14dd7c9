import { Inject, Injectable, Logger } from '@nestjs/common';
import { callerOf, Principal, readScopeOf } from '@switchyard/auth';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { CommandTarget, draftCommand, jsonByteLength } from '@switchyard/domain';
import { CommandPublisher, HttpCommandRequest, JetStreamService } from '@switchyard/messaging';
import {
  CommandRow,
  findCommand,
  listCommandEvents,
  listCommands,
  PG_POOL,
  transitionCommand,
} from '@switchyard/persistence';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { ProblemException } from '../problem/problem';
import { commandView, eventView } from './command.view';
import { CommandIntake } from './command-intake.service';
import { encodeCursor, ListCommandsQuery } from './commands.schemas';

/** Submitting, reading and cancelling commands over HTTP. */
@Injectable()
export class CommandsService {
  private readonly logger = new Logger(CommandsService.name);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CommandPublisher) private readonly publisher: CommandPublisher,
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
    @Inject(CommandIntake) private readonly intake: CommandIntake,
  ) {}

  /**
   * Writes the ledger row, commits, then publishes (async mode; sync goes
   * through SyncService). The same idempotency key from the same caller
   * returns the original command, marked as a replay.
   */
  async submit(principal: Principal, request: HttpCommandRequest) {
    if (request.timeoutMs !== undefined) {
      throw new ProblemException(400, 'validation', 'timeoutMs applies to mode "sync" only', {
        errors: [{ field: 'timeoutMs', message: 'only allowed with mode "sync"' }],
      });
    }
    if (jsonByteLength(request.payload) > this.config.limits.maxPayloadBytes) {
      throw payloadTooLarge(this.config.limits.maxPayloadBytes);
    }
    const now = new Date();
    const drafted = draftCommand(
      { ...request, id: undefined },
      {
        id: uuidv7(),
        target: targetOf(request),
        caller: callerOf(principal),
        defaults: this.config.commandDefaults,
        now,
      },
    );
    if (!drafted.ok) {
      throw new ProblemException(400, 'validation', 'invalid request body', {
        errors: [{ field: drafted.field, message: drafted.message }],
      });
    }
    const { replayed, row } = await this.intake.record(drafted.draft, now);
    return { replayed, body: acceptedView(row) };
  }

  async get(principal: Principal, id: string) {
    const row = await findCommand(this.pool, readScopeOf(principal), id);
    if (!row) throw notFound(id);
    const events = await listCommandEvents(this.pool, id);
    return { ...commandView(row, true), events: events.map(eventView) };
  }

  async list(principal: Principal, query: ListCommandsQuery) {
    const rows = await listCommands(this.pool, readScopeOf(principal), {
      state: query.state,
      target: query.target,
      type: query.type,
      before: query.cursor,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((r) => commandView(r, false)),
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  /** Cancels a non-terminal command; 409 when it already ended. The holding agent is told to stop. */
  async cancel(principal: Principal, id: string, reason: string | undefined) {
    const row = await findCommand(this.pool, readScopeOf(principal), id);
    if (!row) throw notFound(id);
    const now = new Date();
    const result = await transitionCommand(
      this.pool,
      id,
      { kind: 'cancel', reason: reason ?? `cancelled by ${callerOf(principal)}` },
      { event: 'cancel', data: { by: callerOf(principal) } },
      now,
    );
    switch (result.kind) {
      case 'not-found':
        throw notFound(id);
      case 'noop':
        return commandView(result.row, false);
      case 'refused':
        throw new ProblemException(409, 'command-terminal', `command ${id} is already ${result.row.state}`, {
          state: result.row.state,
        });
      case 'applied': {
        const { from } = result.transition;
        if ((from === 'dispatched' || from === 'running') && row.assigned_agent) {
          this.jetstream.sendJson(this.jetstream.subjects.control(row.assigned_agent), {
            kind: 'cancel',
            commandId: id,
            attempt: result.row.attempt,
          });
        }
        await this.publisher
          .publishLifecycle([result.row], { event: 'cancel', from, at: now })
          .catch((err: unknown) => this.logger.warn({ commandId: id, err: String(err) }, 'lifecycle publish failed'));
        return commandView(result.row, false);
      }
    }
  }
}

function acceptedView(row: CommandRow) {
  return { id: row.id, state: row.state, acceptedAt: row.created_at.toISOString() };
}

export function targetOf(request: HttpCommandRequest): CommandTarget {
  return 'agent' in request.target
    ? { kind: 'agent', name: request.target.agent }
    : { kind: 'pool', name: request.target.pool };
}

export function payloadTooLarge(limit: number): ProblemException {
  return new ProblemException(413, 'payload-too-large', `payload exceeds ${limit} bytes`, {
    errors: [{ field: 'payload', message: `must be at most ${limit} bytes of JSON` }],
  });
}

function notFound(id: string): ProblemException {
  return new ProblemException(404, 'command-not-found', `no command ${id}`);
}
