import { Inject, Injectable } from '@nestjs/common';
import { SWITCHYARD_CONFIG, type SwitchyardConfig } from '@switchyard/config';
import { ApiKeyEntity } from '@switchyard/persistence';
import { DataSource, IsNull } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { mintApiKey, parseApiKey, secretMatches } from './api-key';
import { Principal } from './principal';

/** What authentication needs of a live key row. */
type KeyRow = Pick<ApiKeyEntity, 'id' | 'kind' | 'agentId' | 'clientId' | 'keyHash'>;

/** Cached rows of live keys at most; a full cache is cleared (it refills from the table). */
const CACHE_LIMIT = 10_000;

@Injectable()
export class ApiKeyService {
  /**
   * Live key rows by id, each until an instant (API_KEY_CACHE_TTL_MS after it
   * was read). Only rows of live keys are kept, and the secret is still checked
   * against the row's hash on every request; `forget` drops rows on revocation.
   */
  private readonly cache = new Map<string, { row: KeyRow; until: number }>();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SWITCHYARD_CONFIG) private readonly config: SwitchyardConfig,
  ) {}

  /** Resolves a bearer key to its principal; undefined for anything unknown, revoked or malformed. */
  async authenticate(raw: string): Promise<Principal | undefined> {
    const parsed = parseApiKey(raw);
    if (!parsed) return undefined;
    const key = await this.liveKey(parsed.id);
    if (!key || !secretMatches(this.config.apiKeyPepper, parsed.secret, key.keyHash)) return undefined;
    if (key.kind === 'agent' && key.agentId) return { kind: 'agent', agentId: key.agentId, keyId: key.id };
    if (key.kind === 'client' && key.clientId) return { kind: 'client', clientId: key.clientId, keyId: key.id };
    return undefined;
  }

  /** Drops cached rows of revoked keys: by key id, or every key of an agent (a rotation). */
  forget(which: { keyId: string } | { agentId: string }): void {
    for (const [id, entry] of this.cache) {
      if ('keyId' in which ? id === which.keyId : entry.row.agentId === which.agentId) this.cache.delete(id);
    }
  }

  private async liveKey(id: string): Promise<KeyRow | undefined> {
    const ttl = this.config.apiKeyCacheTtlMs;
    const now = Date.now();
    const cached = this.cache.get(id);
    if (cached && cached.until > now) return cached.row;
    const row = await this.dataSource.getRepository(ApiKeyEntity).findOneBy({ id, revokedAt: IsNull() });
    if (cached) this.cache.delete(id);
    if (row && ttl > 0) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(id, { row, until: now + ttl });
    }
    return row ?? undefined;
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
