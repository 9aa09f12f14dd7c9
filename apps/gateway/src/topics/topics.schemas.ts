import { CAMPS, TOPIC_TIME_FIELDS, TOPIC_VISIBILITIES, timeOrderProblems } from '@switchyard/domain';
import { isoDateSchema } from '@switchyard/messaging';
import { z } from 'zod';
import { listCommandsQuery } from '../commands/commands.schemas';
import { schemaProblems } from './verdict-schema';

/** Body of `POST /v1/topics`: the four instants strictly in order; `verdictSchema` a valid JSON Schema. */
export const createTopicSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(200),
    summary: z.string().trim().min(1).max(10_000),
    visibility: z.enum(TOPIC_VISIBILITIES),
    signupOpenAt: isoDateSchema,
    signupCloseAt: isoDateSchema,
    debateStartAt: isoDateSchema,
    debateEndAt: isoDateSchema,
    verdictSchema: z.unknown().optional(),
  })
  .superRefine((topic, ctx) => {
    // Zod runs this even when a field failed; the order is only checked once every instant parsed.
    if (TOPIC_TIME_FIELDS.every((field) => topic[field] instanceof Date)) {
      for (const { field, message } of timeOrderProblems(topic))
        ctx.addIssue({ code: 'custom', path: [field], message });
    }
    if (topic.verdictSchema !== undefined) {
      for (const { message } of schemaProblems(topic.verdictSchema)) {
        ctx.addIssue({ code: 'custom', path: ['verdictSchema'], message: `not a valid JSON Schema: ${message}` });
      }
    }
  });
export type CreateTopic = z.output<typeof createTopicSchema>;

/** Body of `POST /v1/topics/{id}/signups`. */
export const signupBodySchema = z.strictObject({
  camps: z
    .array(z.enum(CAMPS))
    .min(1)
    .max(CAMPS.length)
    .refine((camps) => new Set(camps).size === camps.length, 'must not name a camp twice'),
});
export type SignupBody = z.output<typeof signupBodySchema>;

/** Body of `POST /v1/topics/{id}/arguments`; the size limit is checked after, to answer 413. */
export const argumentBodySchema = z.strictObject({
  body: z.string().refine((text) => text.trim().length > 0, 'must not be empty'),
});
export type ArgumentBody = z.output<typeof argumentBodySchema>;

/** Body of `POST /v1/topics/{id}/verdict`: any JSON value (checked against the topic's schema) and a rationale. */
export const verdictBodySchema = z.strictObject({
  verdict: z.unknown().refine((v) => v !== undefined, 'is required'),
  rationale: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(32_768),
});
export type VerdictBody = z.output<typeof verdictBodySchema>;

/** Keyset pages, as for commands. */
export const pageQuery = listCommandsQuery.pick({ limit: true, cursor: true });
export type PageQuery = z.output<typeof pageQuery>;
