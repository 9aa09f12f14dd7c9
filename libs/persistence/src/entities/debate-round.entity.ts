import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A round of a debate; arguments attach to the latest open one. */
@Entity('debate_rounds')
export class DebateRoundEntity {
  @PrimaryColumn('uuid', { name: 'topic_id' }) topicId: string;
  @PrimaryColumn('integer') number: number;
  @Column('timestamptz', { name: 'opened_at' }) openedAt: Date;
  @Column('timestamptz', { name: 'closes_at' }) closesAt: Date;
}
