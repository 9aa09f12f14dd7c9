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
  idempotencyKey: z.string().min(1).max(200).optional(),
  mode: z.enum(['async', 'sync']).optional(),
  runAt: isoDate.optional(),
  deadline: isoDate.optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  backoff: backoffSchema.optional(),
  ackTimeoutMs: timeoutMs.optional(),
  heartbeatTimeoutMs: timeoutMs.optional(),
};

/** Body of a NATS submission: the target is the subject. */
export const natsCommandRequestSchema = z.strictObject(commandRequestFields) satisfies z.ZodType<CommandRequest>;

export const targetSchema = z.union([z.strictObject({ agent: slug }), z.strictObject({ pool: slug })], {
  error: 'must be { "agent": "<id>" } or { "pool": "<name>" }',
});

/** Body of `POST /v1/commands`. */
export const httpCommandRequestSchema = z.strictObject({ target: targetSchema, ...commandRequestFields });

export type HttpCommandRequest = z.output<typeof httpCommandRequestSchema>;
export { slug as slugSchema, isoDate as isoDateSchema };
