import { subjectPatternProblem, templateProblem } from '@switchyard/domain';
import { commandRequestFields, targetSchema } from '@switchyard/messaging';
import { z } from 'zod';
import { listCommandsQuery } from '../commands/commands.schemas';

const patternSchema = z.string().superRefine((value, ctx) => {
  const problem = subjectPatternProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const templateSchema = z.unknown().superRefine((value, ctx) => {
  const problem = templateProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Body of `POST /v1/triggers`. */
export const createTriggerSchema = z.strictObject({
  /** Relative to `<ns>.events.`; `*` matches one token, `>` the rest (last token only). */
  subjectPattern: patternSchema,
  target: targetSchema,
  type: commandRequestFields.type,
  /** JSON with `{{ data.x }}`-style placeholders; absent or null: the event data is the payload. */
  payloadTemplate: templateSchema.optional(),
  mode: z.literal('async', { error: 'must be "async": triggered commands are async' }).default('async'),
  retry: z
    .strictObject({ maxAttempts: commandRequestFields.maxAttempts, backoff: commandRequestFields.backoff })
    .optional(),
  ackTimeoutMs: commandRequestFields.ackTimeoutMs,
  heartbeatTimeoutMs: commandRequestFields.heartbeatTimeoutMs,
  /** Deadline of each created command, counted from its creation (default DEFAULT_DEADLINE_MS). */
  deadlineMs: z
    .number()
    .int()
    .min(1_000)
    .max(30 * 86_400_000)
    .optional(),
});
export type CreateTrigger = z.output<typeof createTriggerSchema>;

/** Query of `GET /v1/triggers`: keyset pages, oldest first. */
export const listTriggersQuery = listCommandsQuery.pick({ limit: true, cursor: true });
export type ListTriggersQuery = z.output<typeof listTriggersQuery>;
