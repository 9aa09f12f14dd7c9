import type { Camp } from '@switchyard/domain';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The agent holding one camp of a topic, and the `debate.assigned` command that told it. */
@Entity('topic_allocations')
export class TopicAllocationEntity {
  @PrimaryColumn('uuid', { name: 'topic_id' }) topicId: string;
  @PrimaryColumn('text') camp: Camp;
  @Column('text', { name: 'agent_id' }) agentId: string;
  /** The agent had not volunteered for this camp. */
  @Column('boolean') backfilled: boolean;
  @Column('uuid', { name: 'command_id' }) commandId: string;
  @Column('timestamptz', { name: 'allocated_at' }) allocatedAt: Date;
}
