import { Inject, Injectable } from '@nestjs/common';
import { callerOf, Principal } from '@switchyard/auth';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { draftFiredCommand, jsonByteLength, nextFireTime, ScheduledCommand } from '@switchyard/domain';
import { deleteSchedule, insertSchedule, listSchedules, PG_POOL, ScheduleRow } from '@switchyard/persistence';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { encodeCursor } from '../commands/commands.schemas';
import { ProblemException } from '../problem/problem';
import { CreateSchedule, ListSchedulesQuery } from './schedules.schemas';

/** Creating, listing and deleting a caller's schedules; the orchestrator fires them. */
@Injectable()
export class SchedulesService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  /**
   * Stores the schedule with its first fire time. The command is drafted once
   * here by the same rules each fire applies, so a schedule whose commands
   * would be refused is refused now, not at every fire.
   */
  async create(principal: Principal, body: CreateSchedule) {
    const { maxPayloadBytes } = this.config.limits;
    if (jsonByteLength(body.command.payload) > maxPayloadBytes) {
      throw new ProblemException(413, 'payload-too-large', `payload exceeds ${maxPayloadBytes} bytes`, {
        errors: [{ field: 'command.payload', message: `must be at most ${maxPayloadBytes} bytes of JSON` }],
      });
    }
    const { target, type, payload, ...options } = body.command;
    const command: ScheduledCommand = {
      target: 'agent' in target ? { kind: 'agent', name: target.agent } : { kind: 'pool', name: target.pool },
      type,
      payload: payload ?? null,
      options,
    };
    const now = new Date();
    const id = uuidv7();
    const drafted = draftFiredCommand(command, {
      scheduleId: id,
      fireTime: now,
      id: uuidv7(),
      defaults: this.config.commandDefaults,
      now,
    });
    if (!drafted.ok) {
      throw new ProblemException(400, 'validation', 'invalid request body', {
        errors: [{ field: `command.${drafted.field}`, message: drafted.message }],
      });
    }
    const row = await insertSchedule(
      this.pool,
      {
        id,
        name: body.name,
        cron: body.cron,
        timezone: body.timezone,
        catchUp: body.catchUp,
        command,
        caller: callerOf(principal),
        nextFireAt: firstFireTime(body, now),
      },
      now,
    );
    return scheduleView(row);
  }

  async list(principal: Principal, query: ListSchedulesQuery) {
    const rows = await listSchedules(this.pool, callerOf(principal), { after: query.cursor, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(scheduleView),
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  /** Stops a schedule; the commands it already fired carry on. 404 unless it is the caller's and live. */
  async remove(principal: Principal, id: string): Promise<void> {
    if (!(await deleteSchedule(this.pool, callerOf(principal), id, new Date()))) {
      throw new ProblemException(404, 'schedule-not-found', `no schedule ${id}`);
    }
  }
}

function firstFireTime(body: CreateSchedule, now: Date): Date {
  try {
    return nextFireTime(body, now);
  } catch (err) {
    throw new ProblemException(400, 'validation', 'invalid request body', {
      errors: [{ field: 'cron', message: err instanceof Error ? err.message : String(err) }],
    });
  }
}

/** A schedule as the HTTP API shows it; the command in the shape it was given. */
function scheduleView(row: ScheduleRow) {
  const { target, type, payload, options } = row.command;
  return {
    id: row.id,
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    catchUp: row.catch_up,
    command: {
      target: target.kind === 'agent' ? { agent: target.name } : { pool: target.name },
      type,
      payload,
      ...options,
    },
    nextFireAt: row.next_fire_at.toISOString(),
    lastFiredAt: row.last_fired_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}
