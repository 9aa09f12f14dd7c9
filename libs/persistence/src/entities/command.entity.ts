import type { BackoffPolicy, CommandError, CommandMode, CommandState, TargetKind } from '@switchyard/domain';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The folded, queryable state of a command. Written only through sql/command-*.sql.ts. */
@Entity('commands')
export class CommandEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text', { name: 'target_kind' }) targetKind: TargetKind;
  @Column('text') target: string;
  @Column('text') type: string;
  @Column('jsonb', { nullable: true }) payload: unknown;
  @Column('text', { name: 'payload_preview', nullable: true }) payloadPreview: string | null;
  @Column('text') caller: string;
  @Column('text', { name: 'idempotency_key', nullable: true }) idempotencyKey: string | null;
  @Column('text', { default: 'async' }) mode: CommandMode;
  @Column('text') state: CommandState;
  @Column('integer', { default: 0 }) attempt: number;
  @Column('integer', { name: 'max_attempts' }) maxAttempts: number;
  @Column('jsonb') backoff: BackoffPolicy;
  @Column('timestamptz', { name: 'run_at', nullable: true }) runAt: Date | null;
  @Column('timestamptz', { name: 'available_at' }) availableAt: Date;
  @Column('timestamptz', { name: 'published_at', nullable: true }) publishedAt: Date | null;
  @Column('timestamptz', { name: 'deadline_at' }) deadlineAt: Date;
  @Column('integer', { name: 'ack_timeout_ms' }) ackTimeoutMs: number;
  @Column('integer', { name: 'heartbeat_timeout_ms' }) heartbeatTimeoutMs: number;
  @Column('timestamptz', { name: 'lease_expires_at', nullable: true }) leaseExpiresAt: Date | null;
  @Column('text', { name: 'assigned_agent', nullable: true }) assignedAgent: string | null;
  @Column('timestamptz', { name: 'dispatched_at', nullable: true }) dispatchedAt: Date | null;
  /** The attempt last handed to an HTTP agent's claim (HTTP agents only). */
  @Column('integer', { name: 'delivered_attempt', nullable: true }) deliveredAttempt: number | null;
  @Column('timestamptz', { name: 'accepted_at', nullable: true }) acceptedAt: Date | null;
  @Column('timestamptz', { name: 'last_heartbeat_at', nullable: true }) lastHeartbeatAt: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt: Date | null;
  @Column('jsonb', { nullable: true }) result: unknown;
  @Column('text', { name: 'result_preview', nullable: true }) resultPreview: string | null;
  @Column('jsonb', { nullable: true }) error: CommandError | null;
  @Column('integer', { default: 0 }) depth: number;
  @Column('uuid', { name: 'parent_id', nullable: true }) parentId: string | null;
  /** Set on a dead-letter handler: the dead letter it handles (it never writes one itself). */
  @Column('uuid', { name: 'handles_dead_letter', nullable: true }) handlesDeadLetter: string | null;
  @Column('text', { nullable: true }) traceparent: string | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}
