import type { LastEventId } from '../streams/event-stream.decorators';
import { Inject, Injectable, type MessageEvent } from '@nestjs/common';
import { agentReadScopeOf, type Principal } from '@switchyard/auth';
import { JetStreamService, parseStatusSubject } from '@switchyard/messaging';
import { listAgents, PG_POOL } from '@switchyard/persistence';
import type { Pool } from 'pg';
import type { Observable } from 'rxjs';
import { ProblemException } from '../problem/problem';
import { EventStreamService } from '../streams/event-stream.service';
import { statusEvent } from '../streams/sse-events';
import { agentView } from './agent.view';
import type { ListAgentsQuery } from './agents.schemas';

/** Reading agents and following their status. An agent key sees only its own agent. */
@Injectable()
export class AgentsService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(JetStreamService) private readonly jetstream: JetStreamService,
    @Inject(EventStreamService) private readonly streams: EventStreamService,
  ) {}

  async list(principal: Principal, query: ListAgentsQuery) {
    const scope = agentReadScopeOf(principal);
    const rows = await listAgents(this.pool, { ...query, id: scope.kind === 'self' ? scope.agentId : undefined });
    return { items: rows.map(agentView) };
  }

  async get(principal: Principal, id: string) {
    return agentView(await this.readable(principal, id));
  }

  /** One agent's retained status history (or what follows Last-Event-ID), then live. */
  async events(principal: Principal, id: string, lastEventId: LastEventId): Promise<Observable<MessageEvent>> {
    await this.readable(principal, id);
    return this.streams.open({
      stream: 'agentStatus',
      filter: this.jetstream.subjects.status(id),
      fresh: { kind: 'history' },
      lastEventId,
      toEvent: (m) => statusEvent(m, id),
    });
  }

  /**
   * Every agent's status: the latest retained status of each agent (the
   * fleet as it is now; its history would be up to 100 events per agent),
   * or everything after Last-Event-ID, then live.
   */
  async allEvents(principal: Principal, lastEventId: LastEventId): Promise<Observable<MessageEvent>> {
    if (agentReadScopeOf(principal).kind !== 'all') {
      throw new ProblemException(403, 'forbidden', 'an agent key can only follow its own agent');
    }
    const subjects = this.jetstream.subjects;
    return this.streams.open({
      stream: 'agentStatus',
      filter: subjects.statusAll,
      fresh: { kind: 'latest-per-subject' },
      lastEventId,
      toEvent: (m) => statusEvent(m, parseStatusSubject(subjects, m.subject)),
    });
  }

  /** 403 for an agent key naming another agent (before any look-up, so it learns nothing); 404 for an unknown id. */
  private async readable(principal: Principal, id: string) {
    const scope = agentReadScopeOf(principal);
    if (scope.kind === 'self' && scope.agentId !== id) {
      throw new ProblemException(403, 'forbidden', 'an agent key can only read its own agent');
    }
    const [row] = await listAgents(this.pool, { id });
    if (!row) throw new ProblemException(404, 'agent-not-found', `no agent ${id}`);
    return row;
  }
}
