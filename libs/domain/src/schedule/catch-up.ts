import { CronSpec, fireTimesAfter, nextFireTime } from './fire-times';

/**
 * What a schedule does with fire times that passed while nothing fired them
 * (every orchestrator down, or a backlog of due rows):
 * - `once` (default): one command, for the latest due fire time;
 * - `all`: one command per due fire time, oldest first, at most
 *   CATCH_UP_ALL_LIMIT (the latest ones; older ones are dropped);
 * - `none`: the latest due fire time fires only if it is on time (at most
 *   ON_TIME_GRACE_MS old); otherwise nothing fires until the next one.
 * In normal running a pass finds one due fire time, and every policy fires it.
 */
export const CATCH_UP_POLICIES = ['once', 'all', 'none'] as const;
export type CatchUpPolicy = (typeof CATCH_UP_POLICIES)[number];

/** Bounds the commands one backlog can create (a per-second schedule after a day down would make 86,400). */
export const CATCH_UP_ALL_LIMIT = 100;

/** How late a fire time may be and still count as on time: a few ticks, a batch backlog, a rolling restart. */
export const ON_TIME_GRACE_MS = 60_000;

export interface ScheduleTiming extends CronSpec {
  catchUp: CatchUpPolicy;
  /** The earliest fire time not yet handled; due once it is ≤ now. */
  nextFireAt: Date;
}

/**
 * The fire times to fire now, oldest first, and the schedule's next fire
 * time (strictly after `now`, so the next pass never sees these again).
 *
 * The due fire times are `nextFireAt` itself and every fire time in
 * (nextFireAt, now]. Only the latest ones are ever fired, so the walk starts
 * close to `now` and widens until it holds enough of them or reaches
 * `nextFireAt`: a long downtime costs a handful of steps, not one per
 * missed fire time.
 */
export function dueFireTimes(schedule: ScheduleTiming, now: Date): { fire: Date[]; next: Date } {
  if (schedule.nextFireAt.getTime() > now.getTime()) return { fire: [], next: schedule.nextFireAt };
  const keep = schedule.catchUp === 'all' ? CATCH_UP_ALL_LIMIT : 1;
  const due = latestDue(schedule, now, keep);
  const latest = due[due.length - 1];
  const fire = schedule.catchUp === 'none' && now.getTime() - latest.getTime() > ON_TIME_GRACE_MS ? [] : due;
  return { fire, next: nextFireTime(schedule, now) };
}

/** The latest `keep` due fire times, oldest first; never empty, as `nextFireAt` itself is due. */
function latestDue(schedule: ScheduleTiming, now: Date, keep: number): Date[] {
  const first = schedule.nextFireAt.getTime();
  const period = Math.max(1_000, nextFireTime(schedule, schedule.nextFireAt).getTime() - first);
  for (let span = period * (keep + 1) * 2; ; span *= 4) {
    const from = Math.max(first, now.getTime() - span);
    const found: Date[] = from === first ? [schedule.nextFireAt] : [];
    for (const at of fireTimesAfter(schedule, new Date(from))) {
      if (at.getTime() > now.getTime()) break;
      found.push(at);
      if (found.length > keep) found.shift();
    }
    if (found.length >= keep || from === first) return found;
  }
}
