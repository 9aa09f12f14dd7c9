import type { TargetKind, TriggerCommandOptions } from '@switchyard/domain';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A rule turning events into commands. Written only through sql/trigger.sql.ts. */
@Entity('triggers')
export class TriggerEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text', { name: 'subject_pattern' }) subjectPattern: string;
  @Column('text', { name: 'target_kind' }) targetKind: TargetKind;
  @Column('text') target: string;
  @Column('text') type: string;
  /** Null: the created command's payload is the event data. */
  @Column('jsonb', { name: 'payload_template', nullable: true }) payloadTemplate: unknown;
  @Column('jsonb', { default: () => "'{}'" }) options: TriggerCommandOptions;
  @Column('text') caller: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt: Date | null;
}
