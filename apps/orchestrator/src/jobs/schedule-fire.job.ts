import { CommandDefaults, draftFiredCommand, dueFireTimes } from '@switchyard/domain';
import { advanceSchedule, claimDueSchedules, insertCommands, ScheduleRow } from '@switchyard/persistence';
import { v7 as uuidv7 } from 'uuid';
import { DueJob, Effect } from '../runner/due-job';

/**
 * Due schedules fire: the catch-up policy picks the fire times, each becomes
 * one queued command, and the schedule moves to its next fire time, all in
 * the runner's transaction. A fire time whose command exists already (the
 * unique caller + idempotency key `schedule:<id>` + fire time) inserts
 * nothing, so no interleaving of replicas fires a time twice. Only commands
 * actually inserted are offered after commit; the relay job covers a lost offer.
 */
export function scheduleFireJob(defaults: CommandDefaults): DueJob<ScheduleRow> {
  return {
    name: 'schedule-fire',
    claim: claimDueSchedules,
    idOf: (schedule) => schedule.id,
    async apply(tx, schedule, now) {
      const { fire, next } = dueFireTimes(
        {
          cron: schedule.cron,
          timezone: schedule.timezone,
          catchUp: schedule.catch_up,
          nextFireAt: schedule.next_fire_at,
        },
        now,
      );
      const drafts = fire.map((fireTime) => {
        const drafted = draftFiredCommand(schedule.command, {
          scheduleId: schedule.id,
          fireTime,
          id: uuidv7(),
          defaults,
          now,
        });
        if (!drafted.ok) throw new Error(`schedule command refused: ${drafted.field} ${drafted.message}`);
        return drafted.draft;
      });
      const inserted = await insertCommands(tx, drafts, now);
      const advanced = await advanceSchedule(tx, schedule.id, schedule.next_fire_at, next, fire.at(-1) ?? null);
      if (!advanced) throw new Error('compare-and-set missed a locked schedule');
      return inserted.flatMap((row): Effect[] => [
        { kind: 'offer', row },
        { kind: 'lifecycle', row, event: 'submit', from: null },
      ]);
    },
  };
}
