import type { Camp } from '@switchyard/domain';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An agent's sign-up to a topic: the camps it volunteers for. Re-signing replaces them. */
@Entity('topic_signups')
export class TopicSignupEntity {
  @PrimaryColumn('uuid', { name: 'topic_id' }) topicId: string;
  @PrimaryColumn('text', { name: 'agent_id' }) agentId: string;
  @Column('text', { array: true }) camps: Camp[];
  @Column('timestamptz', { name: 'signed_up_at' }) signedUpAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
