import { Inject, Injectable } from '@nestjs/common';
import { ApiKeyService } from '@switchyard/auth';
import { AgentEntity, ApiKeyEntity, ClientEntity } from '@switchyard/persistence';
import { DataSource, IsNull } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { ProblemException } from '../problem/problem';
import { CreateAgent, CreateClient } from './admin.schemas';

export interface AgentView {
  id: string;
  name: string;
  pools: string[];
  concurrency: number;
  labels: Record<string, string>;
  status: string;
  createdAt: string;
}

/** Registration of agents and clients, and their keys. */
@Injectable()
export class AdminService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ApiKeyService) private readonly keys: ApiKeyService,
  ) {}

  async registerAgent(input: CreateAgent): Promise<{ agent: AgentView; apiKey: string; keyId: string }> {
    const registered = await this.dataSource.transaction(async (em) => {
      const agents = em.getRepository(AgentEntity);
      const existing = await agents.findOne({ where: { id: input.id }, lock: { mode: 'pessimistic_write' } });
      if (existing && !input.force) {
        throw new ProblemException(
          409,
          'agent-exists',
          `agent ${input.id} already exists; pass force: true to rotate its key`,
        );
      }
      const agent = agents.merge(existing ?? agents.create({ id: input.id, status: 'offline' }), {
        name: input.name ?? existing?.name ?? input.id,
        pools: input.pools,
        maxConcurrency: input.concurrency,
        labels: input.labels,
        updatedAt: new Date(),
      });
      await agents.save(agent);
      if (existing) {
        await em
          .getRepository(ApiKeyEntity)
          .update({ agentId: input.id, revokedAt: IsNull() }, { revokedAt: new Date() });
      }
      const { entity, raw } = this.keys.mint({ agentId: input.id });
      await em.getRepository(ApiKeyEntity).insert(entity);
      const saved = await agents.findOneByOrFail({ id: input.id });
      return { agent: toAgentView(saved), apiKey: raw, keyId: entity.id };
    });
    // After the commit: a request racing the rotation cannot cache the old key again.
    this.keys.forget({ agentId: input.id });
    return registered;
  }

  async registerClient(
    input: CreateClient,
  ): Promise<{ client: { id: string; name: string }; apiKey: string; keyId: string }> {
    return this.dataSource.transaction(async (em) => {
      const client = em.getRepository(ClientEntity).create({ id: uuidv7(), name: input.name });
      await em.getRepository(ClientEntity).insert(client);
      const { entity, raw } = this.keys.mint({ clientId: client.id });
      await em.getRepository(ApiKeyEntity).insert(entity);
      return { client: { id: client.id, name: client.name }, apiKey: raw, keyId: entity.id };
    });
  }

  /** Revokes a key; revoking an already revoked key is a no-op. */
  async revokeKey(keyId: string): Promise<void> {
    const repo = this.dataSource.getRepository(ApiKeyEntity);
    const key = await repo.findOneBy({ id: keyId });
    if (!key) throw new ProblemException(404, 'key-not-found', `no key ${keyId}`);
    if (!key.revokedAt) await repo.update({ id: keyId, revokedAt: IsNull() }, { revokedAt: new Date() });
    this.keys.forget({ keyId });
  }
}

export function toAgentView(a: AgentEntity): AgentView {
  return {
    id: a.id,
    name: a.name,
    pools: a.pools,
    concurrency: a.maxConcurrency,
    labels: a.labels,
    status: a.status,
    createdAt: a.createdAt.toISOString(),
  };
}
