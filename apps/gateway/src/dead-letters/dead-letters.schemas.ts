import { z } from 'zod';
import { listCommandsQuery } from '../commands/commands.schemas';

/** Query of `GET /v1/dead-letters`: filters and keyset pages, newest first. */
export const listDeadLettersQuery = z.strictObject({
  type: z.string().max(128).optional(),
  reason: z.string().max(128).optional(),
  target: z.string().max(63).optional(),
  resolved: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional(),
  limit: listCommandsQuery.shape.limit,
  cursor: listCommandsQuery.shape.cursor,
});
export type ListDeadLettersQuery = z.output<typeof listDeadLettersQuery>;

/** Body of `POST /v1/dead-letters/{id}/replay`. */
export const replayBody = z.strictObject({ force: z.boolean().default(false) }).default({ force: false });
export type ReplayBody = z.output<typeof replayBody>;

/** Body of `POST /v1/dead-letters/{id}/resolve`. */
export const resolveBody = z.strictObject({ note: z.string().trim().min(1).max(2_000) });
export type ResolveBody = z.output<typeof resolveBody>;
