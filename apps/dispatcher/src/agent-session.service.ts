import { Inject, Injectable, Logger } from '@nestjs/common';
import { SessionEvent, StatusEvent } from '@switchyard/messaging';
import {
  applyAgentStatus,
  connectAgent,
  disconnectAgent,
  PG_POOL,
  recordAgentHeartbeat,
} from '@switchyard/persistence';
import type { Pool } from 'pg';
import { DispatchService } from './dispatch.service';

/**
 * Agent sessions: a connect makes the session current and drains queued work
 * to the agent; a disconnect only counts for the current session, so a
 * reconnect flap never leaves a live agent offline.
 */
@Injectable()
export class AgentSessionService {
  private readonly logger = new Logger(AgentSessionService.name);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(DispatchService) private readonly dispatch: DispatchService,
  ) {}

  async apply(agentId: string, event: SessionEvent): Promise<void> {
    const now = new Date();
    switch (event.kind) {
      case 'connect': {
        const agent = await connectAgent(
          this.pool,
          {
            id: agentId,
            name: event.name,
            pools: event.pools,
            concurrency: event.concurrency,
            sessionId: event.sessionId,
            transport: event.transport,
          },
          now,
        );
        this.logger.log({ agentId, sessionId: event.sessionId, pools: event.pools }, 'agent connected');
        await this.dispatch.drainTo(agent);
        return;
      }
      case 'heartbeat': {
        const { revived } = await recordAgentHeartbeat(this.pool, agentId, event.sessionId, now);
        if (revived) {
          this.logger.log({ agentId }, 'agent back online');
          await this.dispatch.drainTo(revived);
        }
        return;
      }
      case 'disconnect': {
        const current = await disconnectAgent(this.pool, agentId, event.sessionId, now);
        this.logger.log(
          { agentId, sessionId: event.sessionId, current },
          current ? 'agent offline' : 'stale disconnect ignored',
        );
        return;
      }
    }
  }

  async applyStatus(agentId: string, status: StatusEvent): Promise<void> {
    await applyAgentStatus(this.pool, agentId, status, new Date());
  }
}
