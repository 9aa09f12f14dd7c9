import { z } from 'zod';

const ms = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);
const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);

const postgresUrl = z
  .string({ error: 'is required' })
  .min(1, 'is required')
  .refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v), 'must be a postgres:// URL');

const natsUrls = z
  .string({ error: 'is required' })
  .min(1, 'is required')
  .refine(
    (v) => v.split(',').every((u) => /^(nats|tls|ws|wss):\/\/[^\s]+$/.test(u.trim())),
    'must be one or more comma-separated nats:// URLs',
  );

/**
 * Every environment variable Switchyard reads, with its default and why.
 * Durations are milliseconds.
 */
export const envSchema = z.object({
  DATABASE_URL: postgresUrl,
  /** Required by every service; not by `switchyard migrate`. */
  NATS_URL: natsUrls.optional(),
  /** Prefix of every stream, subject, consumer; lets tenants and test runs share servers. */
  SWITCHYARD_NAMESPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be 1-32 chars of a-z, 0-9, _ starting with a letter')
    .default('sy'),
  /**
   * Postgres connections per process. Unset: the service's own default
   * (gateway 20, dispatcher 20, orchestrator 5). Size it so that the sum over
   * every replica stays under the server's max_connections (docs/operations.md).
   */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).optional(),
  /** Copies of each JetStream stream: 1 for one server, 3 on a three-node cluster (deploy/nats-cluster). */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /**
   * How long the COMMAND_EVENTS stream keeps a command's lifecycle events (SSE
   * history and Last-Event-ID resumes; the ledger keeps its own audit rows for
   * RETENTION_MS). One subject per command: NATS keeps about 170 bytes of memory
   * per command for this long (docs/operations.md). Set it alike on every service:
   * each one updates the stream to its own value when it starts.
   */
  COMMAND_EVENTS_MAX_AGE_MS: ms(24 * 3_600_000, 60_000),
  GATEWAY_PORT: port(3000),
  /** Health and metrics port of the dispatcher and orchestrator. */
  HTTP_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  /** Empty means every admin route answers 401. */
  ADMIN_API_KEY: z.string().default(''),
  /** Secret mixed into every stored key hash; changing it invalidates every key. */
  API_KEY_PEPPER: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** How often the orchestrator looks for due rows when the last pass found none. */
  ORCHESTRATOR_TICK_INTERVAL: ms(1_000, 10),
  /** Rows claimed per job per pass: big enough to amortise, small enough to keep transactions short. */
  ORCHESTRATOR_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(200),
  /** A queued row that nobody claimed for this long is published again (a publish lost after commit). */
  RELAY_AFTER_MS: ms(30_000, 100),
  /**
   * How long a finished command (succeeded, failed, cancelled, expired, stuck)
   * and its events stay in the ledger before the retention job purges them;
   * one with an unresolved dead letter stays until it is resolved. A week
   * covers an incident investigated after a weekend.
   */
  RETENTION_MS: ms(7 * 24 * 3_600_000, 60_000),

  /** Messages a dispatcher pulls per batch. */
  DISPATCHER_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(256),
  /**
   * How long JetStream waits for a dispatcher to ack a message before handing it
   * to another replica: the recovery time of a batch held by a killed dispatcher.
   * A batch takes milliseconds; redelivery of a slow one is harmless (CAS claims).
   */
  DISPATCHER_ACK_WAIT_MS: ms(10_000, 500),
  /**
   * How many commands an agent may hold per unit of its concurrency. Above 1,
   * the excess waits accepted (and heart-beaten) in the agent's own queue, so a
   * slot is refilled at once instead of after a round trip through the ledger.
   */
  DISPATCH_PREFETCH: z.coerce.number().min(1).max(16).default(2),
  /**
   * How long a dispatcher routes new commands from its memory of the live
   * agents (and their load) before it reads them again. The claim itself is
   * admitted by the ledger, so a stale memory costs a retry, never an agent
   * over its limit. 0 reads them for every batch.
   */
  DISPATCH_AGENT_VIEW_MS: ms(250, 0),
  /**
   * How long a command whose agents are all busy waits before it is offered
   * again (doubling up to 4× while it finds no room), unless a report frees a
   * slot first: then it is offered at once.
   */
  SATURATED_RETRY_MS: ms(250),

  DEFAULT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  DEFAULT_ACK_TIMEOUT_MS: ms(10_000, 100),
  DEFAULT_HEARTBEAT_TIMEOUT_MS: ms(30_000, 100),
  DEFAULT_DEADLINE_MS: ms(6 * 3_600_000, 1_000),
  /** An agent silent for this long is marked offline. */
  AGENT_LIVENESS_TIMEOUT_MS: ms(30_000, 100),
  /**
   * Interval of the keep-alive comment on an idle status stream (SSE): shorter
   * than the idle timeouts of common proxies and load balancers (30-60 s).
   */
  SSE_KEEPALIVE_MS: ms(15_000, 100),

  /**
   * How long the gateway trusts an API key it has looked up without looking it
   * up again (0: every request reads the table). A key revoked through this
   * gateway stops working at once; through another replica, within this time.
   */
  API_KEY_CACHE_TTL_MS: ms(5_000, 0),

  /** Wait of a sync command whose caller names no timeoutMs. */
  SYNC_DEFAULT_TIMEOUT_MS: ms(30_000, 100),
  /** Longest wait a sync caller may ask for; more is refused (400), so a gateway never holds requests for hours. */
  SYNC_MAX_TIMEOUT_MS: ms(300_000, 100),

  /**
   * Where the orchestrator POSTs a debate's announcement when its sign-up
   * opens (best effort, after the commit, with a timeout). Unset: no webhook.
   */
  DEBATE_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),

  MAX_PAYLOAD_BYTES: z.coerce.number().int().min(1_024).default(1_048_576),
  MAX_RESULT_BYTES: z.coerce.number().int().min(1_024).default(1_048_576),
  /**
   * Deepest command that runs: a command created by a trigger is one deeper than
   * the command whose event fired it, and past this depth it is recorded as
   * cancelled (`max_depth_exceeded`) instead of run. Stops trigger loops.
   */
  MAX_COMMAND_DEPTH: z.coerce.number().int().min(0).max(1_000).default(8),
});

export type Env = z.infer<typeof envSchema>;
