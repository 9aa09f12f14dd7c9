import type { CommandError } from '@switchyard/domain';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('dead_letters')
export class DeadLetterEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'command_id' }) commandId: string;
  @Column('text') reason: string;
  @Column('text') type: string;
  @Column('text') target: string;
  @Column('integer') attempt: number;
  @Column('jsonb', { nullable: true }) error: CommandError | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'replayed_at', nullable: true }) replayedAt: Date | null;
  @Column('uuid', { name: 'replay_command_id', nullable: true }) replayCommandId: string | null;
  @Column('timestamptz', { name: 'resolved_at', nullable: true }) resolvedAt: Date | null;
  @Column('text', { name: 'resolution_note', nullable: true }) resolutionNote: string | null;
  /** When JetStream acknowledged the dead letter's event; null until then (the relay job retries). */
  @Column('timestamptz', { name: 'published_at', nullable: true }) publishedAt: Date | null;
  /** When the first dead-letter handler for this dead letter failed. */
  @Column('timestamptz', { name: 'handler_failed_at', nullable: true }) handlerFailedAt: Date | null;
  @Column('uuid', { name: 'handler_command_id', nullable: true }) handlerCommandId: string | null;
}
