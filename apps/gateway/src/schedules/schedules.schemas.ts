import { canonicalTimeZone, CATCH_UP_POLICIES, cronProblem } from '@switchyard/domain';
import { commandRequestFields, targetSchema } from '@switchyard/messaging';
import { z } from 'zod';
import { listCommandsQuery } from '../commands/commands.schemas';

/*
 * The command a schedule fires takes the fields of a submission except those
 * that only make sense once: its id and idempotency key (each fire gets its
 * own), runAt (the cron says when), mode (fired commands are async) and the
 * absolute deadline, replaced by `deadlineMs`, counted from each fire.
 */
const { id, idempotencyKey, runAt, mode, deadline, ...firedFields } = commandRequestFields;

export const scheduleCommandSchema = z.strictObject({
  target: targetSchema,
  ...firedFields,
  deadlineMs: z
    .number()
    .int()
    .min(1_000)
    .max(30 * 86_400_000)
    .optional(),
});

const cronSchema = z
  .string()
  .max(200)
  .superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((value) => value.trim());

const timezoneSchema = z
  .string()
  .max(100)
  .transform((value, ctx) => {
    const zone = canonicalTimeZone(value);
    if (zone) return zone;
    ctx.addIssue({ code: 'custom', message: `unknown time zone "${value}": use an IANA name such as Europe/Berlin` });
    return z.NEVER;
  });

/** Body of `POST /v1/schedules`. */
export const createScheduleSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  cron: cronSchema,
  timezone: timezoneSchema,
  catchUp: z.enum(CATCH_UP_POLICIES).default('once'),
  command: scheduleCommandSchema,
});
export type CreateSchedule = z.output<typeof createScheduleSchema>;

/** Query of `GET /v1/schedules`: keyset pages, as for commands. */
export const listSchedulesQuery = listCommandsQuery.pick({ limit: true, cursor: true });
export type ListSchedulesQuery = z.output<typeof listSchedulesQuery>;
