import { COMMAND_STATES } from '@switchyard/domain';
import { z } from 'zod';

export const listCommandsQuery = z.strictObject({
  state: z.enum(COMMAND_STATES).optional(),
  target: z.string().max(63).optional(),
  type: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a cursor returned by a previous page')
    .transform((c) => Buffer.from(c, 'base64url').toString('utf8'))
    .pipe(z.uuid({ error: 'must be a cursor returned by a previous page' }))
    .optional(),
});
export type ListCommandsQuery = z.output<typeof listCommandsQuery>;

export const cancelBody = z.strictObject({ reason: z.string().min(1).max(500).optional() }).default({});

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}
