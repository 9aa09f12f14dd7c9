import { Inject, Injectable } from '@nestjs/common';
import { callerOf, Principal } from '@switchyard/auth';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { draftTriggeredCommand, jsonByteLength, TriggerCommandOptions } from '@switchyard/domain';
import { deleteTrigger, insertTrigger, listTriggers, PG_POOL, TriggerRow } from '@switchyard/persistence';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { encodeCursor } from '../commands/commands.schemas';
import { ProblemException } from '../problem/problem';
import { CreateTrigger, ListTriggersQuery } from './triggers.schemas';

/**
 * Creating, listing and deleting triggers. A key holder manages its own; the
 * admin key sees and deletes every trigger. Every live trigger matches every
 * event of the namespace, whoever owns it.
 */
@Injectable()
export class TriggersService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  /** The command is drafted once here by the rules every fire applies, so a trigger that could never fire is a 400. */
  async create(principal: Principal, body: CreateTrigger) {
    const { maxPayloadBytes } = this.config.limits;
    if (jsonByteLength(body.payloadTemplate) > maxPayloadBytes) {
      throw new ProblemException(413, 'payload-too-large', `payloadTemplate exceeds ${maxPayloadBytes} bytes`, {
        errors: [{ field: 'payloadTemplate', message: `must be at most ${maxPayloadBytes} bytes of JSON` }],
      });
    }
    const options: TriggerCommandOptions = {
      maxAttempts: body.retry?.maxAttempts,
      backoff: body.retry?.backoff,
      ackTimeoutMs: body.ackTimeoutMs,
      heartbeatTimeoutMs: body.heartbeatTimeoutMs,
      deadlineMs: body.deadlineMs,
    };
    const id = uuidv7();
    const target =
      'agent' in body.target
        ? { kind: 'agent' as const, name: body.target.agent }
        : { kind: 'pool' as const, name: body.target.pool };
    const now = new Date();
    const drafted = draftTriggeredCommand(
      {
        id,
        subjectPattern: body.subjectPattern,
        target,
        type: body.type,
        payloadTemplate: body.payloadTemplate,
        options,
      },
      { id: 'probe', subject: 'probe', data: null, depth: 0, causeCommandId: null, deadLetterId: null },
      { id: uuidv7(), defaults: this.config.commandDefaults, now, maxDepth: this.config.limits.maxCommandDepth },
    );
    if (!drafted.ok) {
      const field =
        drafted.field.startsWith('backoff') || drafted.field === 'maxAttempts'
          ? `retry.${drafted.field}`
          : drafted.field;
      throw new ProblemException(400, 'validation', 'invalid request body', {
        errors: [{ field, message: drafted.message }],
      });
    }
    const row = await insertTrigger(
      this.pool,
      {
        id,
        subject_pattern: body.subjectPattern,
        target_kind: target.kind,
        target: target.name,
        type: body.type,
        payload_template: body.payloadTemplate ?? null,
        options: JSON.parse(JSON.stringify(options)) as TriggerCommandOptions,
        caller: callerOf(principal),
      },
      now,
    );
    return triggerView(row);
  }

  async list(principal: Principal, query: ListTriggersQuery) {
    const rows = await listTriggers(this.pool, ownerOf(principal), { after: query.cursor, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(triggerView),
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  /** Stops a trigger; commands it created carry on. 404 unless it is live and the caller's (any, for the admin). */
  async remove(principal: Principal, id: string): Promise<void> {
    if (!(await deleteTrigger(this.pool, ownerOf(principal), id, new Date()))) {
      throw new ProblemException(404, 'trigger-not-found', `no trigger ${id}`);
    }
  }
}

/** Whose triggers a principal manages: undefined (every one) for the admin. */
function ownerOf(principal: Principal): string | undefined {
  return principal.kind === 'admin' ? undefined : callerOf(principal);
}

/** A trigger as the HTTP API shows it, in the shape it was given. */
function triggerView(row: TriggerRow) {
  const { maxAttempts, backoff, ...timing } = row.options;
  return {
    id: row.id,
    subjectPattern: row.subject_pattern,
    target: row.target_kind === 'agent' ? { agent: row.target } : { pool: row.target },
    type: row.type,
    payloadTemplate: row.payload_template ?? null,
    mode: 'async' as const,
    ...(maxAttempts !== undefined || backoff !== undefined ? { retry: { maxAttempts, backoff } } : {}),
    ...timing,
    owner: row.caller,
    createdAt: row.created_at.toISOString(),
  };
}
