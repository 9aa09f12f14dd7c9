import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The judge's verdict; one per topic. */
@Entity('debate_verdicts')
export class DebateVerdictEntity {
  @PrimaryColumn('uuid', { name: 'topic_id' }) topicId: string;
  @Column('text', { name: 'judge_agent_id' }) judgeAgentId: string;
  @Column('jsonb') verdict: unknown;
  @Column('text') rationale: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}
