import { Inject, Injectable } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { ApiKeyEntity } from '@switchyard/persistence';
import { DataSource, IsNull } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { mintApiKey, parseApiKey, secretMatches } from './api-key';
import { Principal } from './principal';

@Injectable()
export class ApiKeyService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  /** Resolves a bearer key to its principal; undefined for anything unknown, revoked or malformed. */
  async authenticate(raw: string): Promise<Principal | undefined> {
    const parsed = parseApiKey(raw);
    if (!parsed) return undefined;
    const key = await this.dataSource.getRepository(ApiKeyEntity).findOneBy({ id: parsed.id, revokedAt: IsNull() });
    if (!key || !secretMatches(this.config.apiKeyPepper, parsed.secret, key.keyHash)) return undefined;
    if (key.kind === 'agent' && key.agentId) return { kind: 'agent', agentId: key.agentId, keyId: key.id };
    if (key.kind === 'client' && key.clientId) return { kind: 'client', clientId: key.clientId, keyId: key.id };
    return undefined;
  }

  /** Mints a key for an agent or a client; returns the row and the raw key (shown once). */
  mint(owner: { agentId: string } | { clientId: string }): { entity: ApiKeyEntity; raw: string } {
    const minted = mintApiKey(this.config.apiKeyPepper, uuidv7());
    const entity = this.dataSource.getRepository(ApiKeyEntity).create({
      id: minted.id,
      kind: 'agentId' in owner ? 'agent' : 'client',
      agentId: 'agentId' in owner ? owner.agentId : null,
      clientId: 'clientId' in owner ? owner.clientId : null,
      keyHash: minted.hash,
      revokedAt: null,
    });
    return { entity, raw: minted.raw };
  }
}
