import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@switchyard/auth';
import { delegateFrom } from '@switchyard/domain';
import { findCommandsByIds, listChildren, PG_POOL } from '@switchyard/persistence';
import type { Pool } from 'pg';
import { ProblemException } from '../problem/problem';

/** How many children a command's view lists. */
const CHILDREN_SHOWN = 100;

/**
 * Delegation chains over HTTP: an agent submitting with `parentId` delegates
 * from a command it is running; the child records the parent and is one
 * level deeper. The rule itself is libs/domain's `delegateFrom`.
 */
@Injectable()
export class LineageService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The parent and depth a submission gets; 403/404/409 problems when it may not delegate from that parent. */
  async adopt(principal: Principal, parentId: string | undefined): Promise<{ parentId?: string; depth?: number }> {
    if (parentId === undefined) return {};
    if (principal.kind !== 'agent') {
      throw new ProblemException(
        403,
        'parent-needs-agent-key',
        'only the agent running a command can delegate from it',
        {
          errors: [{ field: 'parentId', message: 'needs the key of the agent the parent is assigned to' }],
        },
      );
    }
    const [parent] = await findCommandsByIds(this.pool, [parentId]);
    const delegation = delegateFrom(
      parentId,
      parent && { state: parent.state, assignedAgent: parent.assigned_agent, depth: parent.depth },
      principal.agentId,
    );
    if (!delegation.ok) {
      throw new ProblemException(delegation.status, delegation.reason, delegation.detail, {
        errors: [{ field: 'parentId', message: delegation.detail }],
      });
    }
    return { parentId: delegation.parentId, depth: delegation.depth };
  }

  async children(id: string) {
    const rows = await listChildren(this.pool, id, CHILDREN_SHOWN);
    return rows.map((c) => ({
      id: c.id,
      type: c.type,
      state: c.state,
      target: { [c.target_kind]: c.target },
      createdAt: c.created_at.toISOString(),
    }));
  }
}
