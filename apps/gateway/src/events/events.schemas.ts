import { eventSubjectProblem, isDeadLetterSubject } from '@switchyard/domain';
import { z } from 'zod';

const subjectSchema = z.string().superRefine((value, ctx) => {
  const problem = eventSubjectProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
  else if (isDeadLetterSubject(value)) {
    ctx.addIssue({ code: 'custom', message: 'subjects under "deadletter" are reserved for Switchyard' });
  }
});

/** Body of `POST /v1/events`. */
export const publishEventSchema = z.strictObject({
  /** Relative to `<ns>.events.`: dot-separated tokens, no wildcards. */
  subject: subjectSchema,
  data: z.unknown().optional(),
  /** The command whose work published this event (HTTP agents set it): triggered commands are one deeper. */
  causeCommandId: z.uuid().optional(),
  /** The same key from the same caller is the same event: it fires each trigger once. */
  idempotencyKey: z.string().min(1).max(200).optional(),
});
export type PublishEvent = z.output<typeof publishEventSchema>;
