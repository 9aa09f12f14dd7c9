import { AGENT_PHASES, AGENT_TRANSPORTS } from '@switchyard/domain';
import { z } from 'zod';
import { commandTraceparent } from './trace';

/**
 * Messages between the dispatcher and agents. docs/agent-protocol.md explains
 * the protocol for people writing agents in other languages.
 */

/** Dispatcher → agent: one attempt of one command. */
export const deliverySchema = z.object({
  id: z.uuid(),
  type: z.string(),
  payload: z.unknown(),
  attempt: z.number().int().min(1),
  deadlineAt: z.string(),
  ackTimeoutMs: z.number().int(),
  heartbeatTimeoutMs: z.number().int(),
  depth: z.number().int(),
  caller: z.string(),
  /** W3C trace context of the command (over NATS also the `traceparent` header). */
  traceparent: z.string().max(512).optional(),
});
export type Delivery = z.infer<typeof deliverySchema>;

/** The delivery of a claimed ledger row's current attempt (the same over NATS and over the HTTP claim). */
export function deliveryOf(row: {
  id: string;
  type: string;
  payload: unknown;
  attempt: number;
  deadline_at: Date;
  ack_timeout_ms: number;
  heartbeat_timeout_ms: number;
  depth: number;
  caller: string;
  traceparent?: string | null;
}): Delivery {
  return {
    id: row.id,
    type: row.type,
    payload: row.payload,
    attempt: row.attempt,
    deadlineAt: row.deadline_at.toISOString(),
    ackTimeoutMs: row.ack_timeout_ms,
    heartbeatTimeoutMs: row.heartbeat_timeout_ms,
    depth: row.depth,
    caller: row.caller,
    traceparent: commandTraceparent(row),
  };
}

const reportBase = { commandId: z.uuid(), attempt: z.number().int().min(1), sessionId: z.string().optional() };

/** Agent → dispatcher: what happened to an attempt. */
export const reportSchema = z.discriminatedUnion('kind', [
  z.object({ ...reportBase, kind: z.literal('accepted') }),
  z.object({ ...reportBase, kind: z.literal('heartbeat') }),
  z.object({ ...reportBase, kind: z.literal('progress'), progress: z.unknown() }),
  z.object({ ...reportBase, kind: z.literal('succeeded'), result: z.unknown() }),
  z.object({
    ...reportBase,
    kind: z.literal('failed'),
    error: z.object({ message: z.string().max(4_096), code: z.string().max(128).optional() }),
    retryable: z.boolean().default(true),
  }),
  /** The agent hands the attempt back unstarted or unfinished (graceful drain). */
  z.object({ ...reportBase, kind: z.literal('released') }),
]);
export type Report = z.infer<typeof reportSchema>;

/** Agent sessions. A disconnect only counts when its session is still the current one. */
export const sessionEventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('connect'),
    sessionId: z.string().min(1).max(64),
    name: z.string().max(200).optional(),
    pools: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)).max(64),
    concurrency: z.number().int().min(1).max(10_000),
    /** `http`: the agent collects its work from the gateway's long poll instead of NATS deliveries. */
    transport: z.enum(AGENT_TRANSPORTS).default('nats'),
  }),
  z.object({ kind: z.literal('heartbeat'), sessionId: z.string().min(1).max(64) }),
  z.object({ kind: z.literal('disconnect'), sessionId: z.string().min(1).max(64) }),
]);
export type SessionEvent = z.infer<typeof sessionEventSchema>;

/** Agent status, as published on its status subject. */
export const statusEventSchema = z.object({
  phase: z.enum(AGENT_PHASES),
  activity: z.string().max(200).optional(),
  detail: z.string().max(2_000).optional(),
  commandId: z.uuid().optional(),
  sessionId: z.string().optional(),
  at: z.string(),
});
export type StatusEvent = z.infer<typeof statusEventSchema>;

/** Control message to an agent. */
export const controlSchema = z.object({ kind: z.literal('cancel'), commandId: z.uuid(), attempt: z.number().int() });
export type ControlMessage = z.infer<typeof controlSchema>;
