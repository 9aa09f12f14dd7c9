import { Inject, Injectable, Logger } from '@nestjs/common';
import { callerOf, Principal } from '@switchyard/auth';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { draftCommand, jsonByteLength } from '@switchyard/domain';
import { CommandPublisher, HttpCommandRequest, JetStreamService } from '@switchyard/messaging';
import {
  CommandRow,
  findByIdempotencyKeys,
  findCommand,
  insertCommands,
  listCommandEvents,
  listCommands,
  PG_POOL,
  ReadScope,
  transitionCommand,
} from '@switchyard/persistence';
import { counter } from '@switchyard/observability';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { ProblemException } from '../problem/problem';
import { commandView, eventView } from './command.view';
import { encodeCursor, ListCommandsQuery } from './commands.schemas';

const submitted = counter('switchyard_commands_submitted_total', 'Commands accepted by the gateway', ['replayed']);
const publishFailures = counter(
  'switchyard_publish_failures_total',
  'Publishes that failed after a commit (the relay job repairs them)',
  ['service'],
);

/** Submitting, reading and cancelling commands over HTTP. */
@Injectable()
export class CommandsService {
  private readonly logger = new Logger(CommandsService.name);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CommandPublisher) private readonly publisher: CommandPublisher,
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  /**
   * Writes the ledger row, commits, then publishes. The same idempotency key
   * from the same caller returns the original command, marked as a replay.
   */
  async submit(principal: Principal, request: HttpCommandRequest) {
    if (request.mode === 'sync') {
      throw new ProblemException(
        400,
        'unsupported-mode',
        'mode "sync" is not available yet; submit with mode "async"',
        {
          errors: [{ field: 'mode', message: 'must be "async"' }],
        },
      );
    }
    if (jsonByteLength(request.payload) > this.config.limits.maxPayloadBytes) {
      throw new ProblemException(
        413,
        'payload-too-large',
        `payload exceeds ${this.config.limits.maxPayloadBytes} bytes`,
        {
          errors: [
            { field: 'payload', message: `must be at most ${this.config.limits.maxPayloadBytes} bytes of JSON` },
          ],
        },
      );
    }
    const now = new Date();
    const caller = callerOf(principal);
    const drafted = draftCommand(
      { ...request, id: undefined },
      {
        id: uuidv7(),
        target:
          'agent' in request.target
            ? { kind: 'agent', name: request.target.agent }
            : { kind: 'pool', name: request.target.pool },
        caller,
        defaults: this.config.commandDefaults,
        now,
      },
    );
    if (!drafted.ok) {
      throw new ProblemException(400, 'validation', 'invalid request body', {
        errors: [{ field: drafted.field, message: drafted.message }],
      });
    }
    const [inserted] = await insertCommands(this.pool, [drafted.draft], now);
    if (!inserted) {
      const [existing] = request.idempotencyKey
        ? await findByIdempotencyKeys(this.pool, [{ caller, idempotencyKey: request.idempotencyKey }])
        : [];
      if (!existing) throw new Error(`command insert for ${caller} matched nothing and conflicted with nothing`);
      submitted.inc({ replayed: 'true' });
      return { replayed: true, body: acceptedView(existing) };
    }
    submitted.inc({ replayed: 'false' });
    await this.afterCommit(inserted);
    return { replayed: false, body: acceptedView(inserted) };
  }

  async get(principal: Principal, id: string) {
    const row = await findCommand(this.pool, scopeOf(principal), id);
    if (!row) throw notFound(id);
    const events = await listCommandEvents(this.pool, id);
    return { ...commandView(row, true), events: events.map(eventView) };
  }

  async list(principal: Principal, query: ListCommandsQuery) {
    const rows = await listCommands(this.pool, scopeOf(principal), {
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
    const row = await findCommand(this.pool, scopeOf(principal), id);
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

  /** Publishes after the commit; a failure here is repaired by the orchestrator's relay job. */
  private async afterCommit(row: CommandRow): Promise<void> {
    try {
      if (row.state === 'queued') await this.publisher.publishQueued([row]);
      await this.publisher.publishLifecycle([row], { event: 'submit', from: null, at: row.created_at });
    } catch (err) {
      publishFailures.inc({ service: 'gateway' });
      this.logger.warn({ commandId: row.id, err: String(err) }, 'publish after commit failed; relay will retry');
    }
  }
}

function acceptedView(row: CommandRow) {
  return { id: row.id, state: row.state, acceptedAt: row.created_at.toISOString() };
}

/** What a principal may read: the admin everything, a key holder its own commands (an agent also those assigned to it). */
export function scopeOf(principal: Principal): ReadScope {
  if (principal.kind === 'admin') return { kind: 'all' };
  return principal.kind === 'agent'
    ? { kind: 'caller', caller: callerOf(principal), assignedAgent: principal.agentId }
    : { kind: 'caller', caller: callerOf(principal) };
}

function notFound(id: string): ProblemException {
  return new ProblemException(404, 'command-not-found', `no command ${id}`);
}
