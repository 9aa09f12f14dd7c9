import { claimRetentionDue, purgeCommand, RetentionRow } from '@switchyard/persistence';
import { DueJob } from '../runner/due-job';

/**
 * Rows purged per pass at most (fewer when the batch size is smaller):
 * deletes cascade to each command's events, so a small batch keeps the
 * transaction and its locks short. Below the batch size (200 by default), a
 * retention pass never comes back full, so the runner moves on after one pass
 * instead of draining a backlog inside one tick; a backlog drains at this
 * many rows per replica per tick.
 */
export const RETENTION_BATCH = 100;

/**
 * Terminal commands whose finished_at is older than `retentionMs` are deleted
 * with their events (docs/ticker.md, "Retention"). A delete is not a state
 * transition: nothing is published and no event is written; the delete is
 * fenced on the terminal state it was claimed in.
 */
export function retentionJob(retentionMs: number): DueJob<RetentionRow> {
  if (!(retentionMs >= 60_000)) throw new Error(`retention must be at least 60000 ms, got ${retentionMs}`);
  return {
    name: 'retention',
    claim: (tx, now, limit) =>
      claimRetentionDue(tx, new Date(now.getTime() - retentionMs), Math.min(limit, RETENTION_BATCH)),
    idOf: (row) => row.id,
    async apply(tx, row) {
      if (!(await purgeCommand(tx, row.id, row.state))) throw new Error(`purge missed a locked ${row.state} row`);
      return [];
    },
  };
}
