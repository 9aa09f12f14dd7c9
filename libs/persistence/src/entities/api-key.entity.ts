import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ApiKeyKind = 'client' | 'agent';

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') kind: ApiKeyKind;
  @Column('uuid', { name: 'client_id', nullable: true }) clientId: string | null;
  @Column('text', { name: 'agent_id', nullable: true }) agentId: string | null;
  /** Peppered SHA-256 of the secret; the secret itself is never stored. */
  @Column('bytea', { name: 'key_hash' }) keyHash: Buffer;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
}
