import { slugSchema } from '@switchyard/messaging';
import { z } from 'zod';

export const createAgentSchema = z.strictObject({
  id: slugSchema,
  name: z.string().min(1).max(200).optional(),
  pools: z.array(slugSchema).max(64).default([]),
  concurrency: z.number().int().min(1).max(10_000).default(1),
  labels: z.record(z.string().max(64), z.string().max(256)).default({}),
  /** Re-register an existing id: updates it and rotates its key (old keys are revoked). */
  force: z.boolean().default(false),
});
export type CreateAgent = z.output<typeof createAgentSchema>;

export const createClientSchema = z.strictObject({ name: z.string().min(1).max(200) });
export type CreateClient = z.output<typeof createClientSchema>;

export const uuidParam = z.uuid({ error: 'must be a UUID' });
