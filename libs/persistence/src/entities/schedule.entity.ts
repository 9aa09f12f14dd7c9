import type { CatchUpPolicy, ScheduledCommand } from '@switchyard/domain';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A recurring command. Written only through sql/schedule.sql.ts. */
@Entity('schedules')
export class ScheduleEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text') cron: string;
  @Column('text') timezone: string;
  @Column('text', { name: 'catch_up', default: 'once' }) catchUp: CatchUpPolicy;
  @Column('jsonb') command: ScheduledCommand;
  @Column('text') caller: string;
  @Column('timestamptz', { name: 'next_fire_at' }) nextFireAt: Date;
  @Column('timestamptz', { name: 'last_fired_at', nullable: true }) lastFiredAt: Date | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt: Date | null;
}
