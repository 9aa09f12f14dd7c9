import { Inject, Injectable, Logger } from '@nestjs/common';
import { callerOf, Principal, readScopeOf } from '@switchyard/auth';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { CommandTarget, draftCommand, jsonByteLength } from '@switchyard/domain';
import { CommandPublisher, HttpCommandRequest, JetStreamService } from '@switchyard/messaging';
import {
  CommandRow,
  findCommand,
  findOpenDescendants,
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
import { LineageService } from './lineage.service';
import { encodeCursor, ListCommandsQuery } from './commands.schemas';

/** Descendants cancelled per round trip when a parent is cancelled. */
const DESCENDANTS_PER_PASS = 200;

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
    @Inject(LineageService) private readonly lineage: LineageService,
  ) {}

  /**
   * Writes the ledger row, commits, then publishes (async mode; sync goes
   * through SyncService). The same idempotency key from the same caller
   * returns the original command, marked as a replay.
   */
  async submit(principal: Principal, request: HttpCommandRequest, traceparent: string) {
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
      { ...request, traceparent },
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
    const { replayed, row } = await this.intake.record(drafted.draft);
    return { replayed, body: acceptedView(row) };
  }

  async get(principal: Principal, id: string) {
    const row = await findCommand(this.pool, readScopeOf(principal), id);
    if (!row) throw notFound(id);
    const [events, children] = await Promise.all([listCommandEvents(this.pool, id), this.lineage.children(id)]);
    return { ...commandView(row, true), children, events: events.map(eventView) };
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

  /**
   * Cancels a non-terminal command and every unfinished command it delegated,
   * at any depth; 409 when it already ended. Agents holding any of them are
   * told to stop.
   */
  async cancel(principal: Principal, id: string, reason: string | undefined) {
    const row = await findCommand(this.pool, readScopeOf(principal), id);
    if (!row) throw notFound(id);
    const by = callerOf(principal);
    const result = await this.cancelOne(id, reason ?? `cancelled by ${by}`, by);
    switch (result.kind) {
      case 'not-found':
        throw notFound(id);
      case 'refused':
        throw new ProblemException(409, 'command-terminal', `command ${id} is already ${result.row.state}`, {
          state: result.row.state,
        });
      case 'noop':
      case 'applied':
        await this.cancelDescendants(id, by);
        return commandView(result.row, false);
    }
  }

  /** A parent's cancel reaches its unfinished descendants; each is its own fenced transition. */
  private async cancelDescendants(id: string, by: string): Promise<void> {
    for (;;) {
      const open = await findOpenDescendants(this.pool, id, DESCENDANTS_PER_PASS);
      const results = await Promise.all(open.map((child) => this.cancelOne(child, `parent ${id} cancelled`, by)));
      // Fewer than a full pass, or nothing left that this pass could end: done.
      if (open.length < DESCENDANTS_PER_PASS || results.every((r) => r.kind !== 'applied')) return;
    }
  }

  private async cancelOne(id: string, reason: string, by: string) {
    const now = new Date();
    const result = await transitionCommand(
      this.pool,
      id,
      { kind: 'cancel', reason },
      { event: 'cancel', data: { by } },
      now,
    );
    if (result.kind !== 'applied') return result;
    const { from } = result.transition;
    const agent = result.row.assigned_agent;
    if ((from === 'dispatched' || from === 'running') && agent) {
      this.jetstream.sendJson(this.jetstream.subjects.control(agent), {
        kind: 'cancel',
        commandId: id,
        attempt: result.row.attempt,
      });
    }
    await this.publisher
      .publishLifecycle([result.row], { event: 'cancel', from, at: now })
      .catch((err: unknown) => this.logger.warn({ commandId: id, err: String(err) }, 'lifecycle publish failed'));
    return result;
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
