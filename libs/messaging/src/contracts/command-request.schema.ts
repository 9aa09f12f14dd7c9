import { BACKOFF_KINDS, CommandRequest } from '@switchyard/domain';
import { z } from 'zod';

/**
 * The body of a command submission, the same over HTTP (`POST /v1/commands`,
 * plus `target`) and over NATS (`<ns>.cmd.submit.…`, target in the subject).
 * Unknown fields are refused so that a typo never silently changes meaning.
 */
const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a slug: a-z, 0-9, _ and -, at most 63 chars');
const isoDate = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with offset' })
  .transform((v) => new Date(v));
const timeoutMs = z.number().int().min(100).max(86_400_000);

/** The longest idempotency key, whether from the body or from a Nats-Msg-Id standing in for it. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

export const backoffSchema = z.strictObject({
  kind: z.enum(BACKOFF_KINDS),
  baseMs: z.number().int().min(0).max(86_400_000),
  maxMs: z.number().int().min(0).max(86_400_000),
  jitter: z.boolean().default(true),
});

export const commandRequestFields = {
  id: z.uuid().optional(),
  type: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 chars of letters, digits, . _ : -'),
  payload: z.unknown().optional(),
  idempotencyKey: z.string().min(1).max(MAX_IDEMPOTENCY_KEY_LENGTH).optional(),
  mode: z.enum(['async', 'sync']).optional(),
  runAt: isoDate.optional(),
  deadline: isoDate.optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  backoff: backoffSchema.optional(),
  ackTimeoutMs: timeoutMs.optional(),
  heartbeatTimeoutMs: timeoutMs.optional(),
};

/**
 * Delegation: the command the submitting agent is running. Over HTTP it needs
 * that agent's key; over NATS (trusted) the child's caller becomes the agent
 * the parent is assigned to.
 */
const parentId = z.uuid().optional();

/** Body of a NATS submission: the target is the subject. */
export const natsCommandRequestSchema = z.strictObject({
  ...commandRequestFields,
  parentId,
}) satisfies z.ZodType<CommandRequest>;

/** Ledger caller of commands submitted or called over NATS; Nats-Msg-Id is their idempotency key. */
export const NATS_CALLER = 'nats';

/**
 * How long a sync caller waits, in ms. The upper bound is configured
 * (SYNC_MAX_TIMEOUT_MS) and checked by the gateway with field details.
 */
const syncTimeoutMs = z.number().int().min(100);

/**
 * Body of a NATS sync call (`<ns>.cmd.call.…`): a submission plus the wait.
 * A call is always sync; `mode` may be omitted or `"sync"`.
 */
export const natsCallRequestSchema = z.strictObject({
  ...commandRequestFields,
  mode: z.literal('sync', { error: 'must be "sync" (or omitted) on a call subject' }).optional(),
  timeoutMs: syncTimeoutMs.optional(),
});
export type NatsCallRequest = z.output<typeof natsCallRequestSchema>;

export const targetSchema = z.union([z.strictObject({ agent: slug }), z.strictObject({ pool: slug })], {
  error: 'must be { "agent": "<id>" } or { "pool": "<name>" }',
});

/** Body of `POST /v1/commands`. */
export const httpCommandRequestSchema = z.strictObject({
  target: targetSchema,
  ...commandRequestFields,
  /** Over HTTP the gateway chooses the id; a repeatable submission names an idempotencyKey instead. */
  id: z
    .never({ error: 'is chosen by the gateway over HTTP; send an idempotencyKey to make a submission repeatable' })
    .optional(),
  parentId,
  /** Sync only: the longest wait for the outcome (default SYNC_DEFAULT_TIMEOUT_MS). */
  timeoutMs: syncTimeoutMs.optional(),
});

export type HttpCommandRequest = z.output<typeof httpCommandRequestSchema>;
export { slug as slugSchema, isoDate as isoDateSchema };
