import type { CommandState } from '@switchyard/domain';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Append-only audit trail: one row per applied transition, same transaction. */
@Entity('command_events')
export class CommandEventEntity {
  @PrimaryColumn('bigint') id: string;
  @Column('uuid', { name: 'command_id' }) commandId: string;
  @Column('integer') attempt: number;
  @Column('text') event: string;
  @Column('text', { name: 'from_state', nullable: true }) fromState: CommandState | null;
  @Column('text', { name: 'to_state' }) toState: CommandState;
  @Column('text', { name: 'agent_id', nullable: true }) agentId: string | null;
  @Column('jsonb', { nullable: true }) data: unknown;
  @Column('timestamptz', { default: () => 'now()' }) at: Date;
}
