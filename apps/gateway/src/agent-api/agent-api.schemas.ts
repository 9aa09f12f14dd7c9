import { AGENT_PHASES } from '@switchyard/domain';
import { slugSchema } from '@switchyard/messaging';
import { z } from 'zod';

/** The longest an HTTP agent's claim may wait for work (a proxy in between should allow a little more). */
export const MAX_CLAIM_WAIT_MS = 30_000;

const attempt = z.number().int().min(1);
const sessionId = z.string().min(1).max(64);

export const openSessionBody = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  /** Defaults to the pools the agent was registered with. */
  pools: z.array(slugSchema).max(64).optional(),
  /** Defaults to the concurrency the agent was registered with. */
  concurrency: z.number().int().min(1).max(10_000).optional(),
});
export type OpenSessionBody = z.output<typeof openSessionBody>;

export const sessionBody = z.strictObject({ sessionId });

export const statusBody = z.strictObject({
  phase: z.enum(AGENT_PHASES),
  activity: z.string().max(200).optional(),
  detail: z.string().max(2_000).optional(),
  commandId: z.uuid().optional(),
  sessionId: sessionId.optional(),
});
export type StatusBody = z.output<typeof statusBody>;

export const claimBody = z.strictObject({
  max: z.number().int().min(1).max(100).default(1),
  waitMs: z.number().int().min(0).max(MAX_CLAIM_WAIT_MS).default(0),
});
export type ClaimBody = z.output<typeof claimBody>;

export const attemptBody = z.strictObject({ attempt });
export const heartbeatBody = z.strictObject({ attempt, progress: z.unknown().optional() });
export const completeBody = z.strictObject({ attempt, result: z.unknown().optional() });
export const failBody = z.strictObject({
  attempt,
  error: z.strictObject({ message: z.string().min(1).max(4_096), code: z.string().min(1).max(128).optional() }),
  retryable: z.boolean().default(true),
});
