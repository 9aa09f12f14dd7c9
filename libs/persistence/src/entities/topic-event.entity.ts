import type { TopicEvent, TopicState } from '@switchyard/domain';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One applied transition of a topic; at most one per (topic, event). */
@Entity('topic_events')
export class TopicEventEntity {
  @PrimaryColumn('uuid', { name: 'topic_id' }) topicId: string;
  @PrimaryColumn('text') event: TopicEvent;
  @Column('text', { name: 'from_state' }) fromState: TopicState;
  @Column('text', { name: 'to_state' }) toState: TopicState;
  @Column('jsonb', { nullable: true }) data: unknown;
  @Column('timestamptz') at: Date;
}
