import type { AgentPhase, AgentTransport } from '@switchyard/domain';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('agents')
export class AgentEntity {
  @PrimaryColumn('text') id: string;
  @Column('text') name: string;
  @Column('text', { array: true, default: () => "'{}'" }) pools: string[];
  @Column('jsonb', { default: () => "'{}'" }) labels: Record<string, string>;
  @Column('integer', { name: 'max_concurrency', default: 1 }) maxConcurrency: number;
  @Column('text', { default: 'offline' }) status: AgentPhase;
  @Column('text', { nullable: true }) activity: string | null;
  @Column('text', { nullable: true }) detail: string | null;
  @Column('uuid', { name: 'status_command_id', nullable: true }) statusCommandId: string | null;
  @Column('text', { name: 'session_id', nullable: true }) sessionId: string | null;
  /** How the dispatcher reaches it: a NATS request per attempt, or the gateway's HTTP long poll. */
  @Column('text', { default: 'nats' }) transport: AgentTransport;
  @Column('timestamptz', { name: 'last_heartbeat_at', nullable: true }) lastHeartbeatAt: Date | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}
