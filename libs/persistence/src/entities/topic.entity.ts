import type { TopicState, TopicVisibility } from '@switchyard/domain';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A debate topic. Written only through sql/topic.sql.ts; `state` moves by compare-and-set. */
@Entity('topics')
export class TopicEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') title: string;
  @Column('text') summary: string;
  @Column('text') visibility: TopicVisibility;
  @Column('text', { default: 'created' }) state: TopicState;
  @Column('timestamptz', { name: 'signup_open_at' }) signupOpenAt: Date;
  @Column('timestamptz', { name: 'signup_close_at' }) signupCloseAt: Date;
  @Column('timestamptz', { name: 'debate_start_at' }) debateStartAt: Date;
  @Column('timestamptz', { name: 'debate_end_at' }) debateEndAt: Date;
  @Column('jsonb', { name: 'verdict_schema', nullable: true }) verdictSchema: unknown;
  /** The instant of the next timed step; null when none remains. */
  @Column('timestamptz', { name: 'next_due_at', nullable: true }) nextDueAt: Date | null;
  @Column('text', { name: 'cancel_reason', nullable: true }) cancelReason: string | null;
  @Column('text', { name: 'created_by' }) createdBy: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}
