import type { LastEventId } from './event-stream.decorators';
import { Inject, Injectable, type MessageEvent } from '@nestjs/common';
import { readScopeOf, type Principal } from '@switchyard/auth';
import { JetStreamService } from '@switchyard/messaging';
import { findCommand, PG_POOL } from '@switchyard/persistence';
import type { Pool } from 'pg';
import type { Observable } from 'rxjs';
import { ProblemException } from '../problem/problem';
import { EventStreamService } from './event-stream.service';
import { commandEvent } from './sse-events';

/** The lifecycle events of one command, for those who may read the command. */
@Injectable()
export class CommandEventsService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(EventStreamService) private readonly streams: EventStreamService,
  ) {}

  /** 404 unless GET /v1/commands/{id} would show the command to this principal. */
  async open(principal: Principal, id: string, lastEventId: LastEventId): Promise<Observable<MessageEvent>> {
    const row = await findCommand(this.pool, readScopeOf(principal), id);
    if (!row) throw new ProblemException(404, 'command-not-found', `no command ${id}`);
    return this.streams.open({
      stream: 'commandEvents',
      filter: this.jetstream.subjects.commandEvents(id),
      fresh: { kind: 'history' },
      lastEventId,
      toEvent: commandEvent,
    });
  }
}
