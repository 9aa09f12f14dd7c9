import { AGENT_PHASES } from '@switchyard/domain';
import { slugSchema } from '@switchyard/messaging';
import { z } from 'zod';

export const agentIdParam = slugSchema;

export const listAgentsQuery = z.strictObject({
  pool: slugSchema.optional(),
  status: z.enum(AGENT_PHASES).optional(),
});
export type ListAgentsQuery = z.output<typeof listAgentsQuery>;
