import type { Camp } from '@switchyard/domain';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One argument of the transcript. */
@Entity('debate_arguments')
export class DebateArgumentEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'topic_id' }) topicId: string;
  @Column('integer') round: number;
  @Column('text', { name: 'agent_id' }) agentId: string;
  @Column('text') camp: Camp;
  @Column('text') body: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}
