import { z } from 'zod';
import { Env, envSchema } from './env.schema';

/** The typed configuration every service reads; built once from the environment. */
export interface SwitchyardConfig {
  databaseUrl: string;
  /** Overrides the service's default pool size when set. */
  databasePoolSize: number | undefined;
  natsServers: string[];
  natsStreamReplicas: number;
  commandEventsMaxAgeMs: number;
  namespace: string;
  gatewayPort: number;
  httpPort: number | undefined;
  adminApiKey: string;
  apiKeyPepper: string;
  /** How long an authenticated API key is trusted without a fresh lookup (0: never cached). */
  apiKeyCacheTtlMs: number;
  logLevel: Env['LOG_LEVEL'];
  orchestrator: { tickIntervalMs: number; batchSize: number; relayAfterMs: number; retentionMs: number };
  dispatcher: { batchSize: number; saturatedRetryMs: number; ackWaitMs: number; prefetch: number; agentViewMs: number };
  commandDefaults: {
    maxAttempts: number;
    ackTimeoutMs: number;
    heartbeatTimeoutMs: number;
    deadlineMs: number;
  };
  agentLivenessTimeoutMs: number;
  /** Interval of the keep-alive comment on server-sent event streams. */
  sseKeepAliveMs: number;
  debate: { webhookUrl: string | undefined };
  limits: { maxPayloadBytes: number; maxResultBytes: number; maxCommandDepth: number };
  sync: { defaultTimeoutMs: number; maxTimeoutMs: number };
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.join('; '));
    this.name = 'ConfigError';
  }
}

export type ServiceName = 'gateway' | 'dispatcher' | 'orchestrator' | 'migrate' | 'agents';

/** Variables a service cannot start without, beyond those the schema requires of all. */
const REQUIRED_BY: Record<ServiceName, (keyof Env)[]> = {
  gateway: ['NATS_URL', 'API_KEY_PEPPER'],
  dispatcher: ['NATS_URL'],
  orchestrator: ['NATS_URL'],
  agents: ['NATS_URL'],
  migrate: [],
};

/** Parses the environment; throws ConfigError naming every bad variable. */
export function parseConfig(source: Record<string, string | undefined>, service?: ServiceName): SwitchyardConfig {
  // An empty string means "unset" for variables with defaults.
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([k, v]) => k in envSchema.shape && v !== undefined && v !== ''),
  );
  if (source.ADMIN_API_KEY === '') cleaned.ADMIN_API_KEY = '';
  const parsed = envSchema.safeParse(cleaned);
  const malformed = parsed.success ? [] : parsed.error.issues;
  // Every problem in one run: malformed variables and the ones this service requires but lacks.
  const missing = (service ? REQUIRED_BY[service] : []).filter(
    (k) => !cleaned[k] && !malformed.some((issue) => issue.path[0] === k),
  );
  const issues = [...malformed.map(describeIssue(source)), ...missing.map((k) => `${k} is required by the ${service}`)];
  if (!parsed.success || issues.length) throw new ConfigError(issues.sort());
  const env = parsed.data;
  return {
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    natsServers: env.NATS_URL ? env.NATS_URL.split(',').map((u) => u.trim()) : [],
    natsStreamReplicas: env.NATS_STREAM_REPLICAS,
    commandEventsMaxAgeMs: env.COMMAND_EVENTS_MAX_AGE_MS,
    namespace: env.SWITCHYARD_NAMESPACE,
    gatewayPort: env.GATEWAY_PORT,
    httpPort: env.HTTP_PORT,
    adminApiKey: env.ADMIN_API_KEY,
    apiKeyPepper: env.API_KEY_PEPPER,
    apiKeyCacheTtlMs: env.API_KEY_CACHE_TTL_MS,
    logLevel: env.LOG_LEVEL,
    orchestrator: {
      tickIntervalMs: env.ORCHESTRATOR_TICK_INTERVAL,
      batchSize: env.ORCHESTRATOR_BATCH_SIZE,
      relayAfterMs: env.RELAY_AFTER_MS,
      retentionMs: env.RETENTION_MS,
    },
    dispatcher: {
      batchSize: env.DISPATCHER_BATCH_SIZE,
      saturatedRetryMs: env.SATURATED_RETRY_MS,
      ackWaitMs: env.DISPATCHER_ACK_WAIT_MS,
      prefetch: env.DISPATCH_PREFETCH,
      agentViewMs: env.DISPATCH_AGENT_VIEW_MS,
    },
    commandDefaults: {
      maxAttempts: env.DEFAULT_MAX_ATTEMPTS,
      ackTimeoutMs: env.DEFAULT_ACK_TIMEOUT_MS,
      heartbeatTimeoutMs: env.DEFAULT_HEARTBEAT_TIMEOUT_MS,
      deadlineMs: env.DEFAULT_DEADLINE_MS,
    },
    agentLivenessTimeoutMs: env.AGENT_LIVENESS_TIMEOUT_MS,
    sseKeepAliveMs: env.SSE_KEEPALIVE_MS,
    debate: { webhookUrl: env.DEBATE_WEBHOOK_URL },
    limits: {
      maxPayloadBytes: env.MAX_PAYLOAD_BYTES,
      maxResultBytes: env.MAX_RESULT_BYTES,
      maxCommandDepth: env.MAX_COMMAND_DEPTH,
    },
    sync: { defaultTimeoutMs: env.SYNC_DEFAULT_TIMEOUT_MS, maxTimeoutMs: env.SYNC_MAX_TIMEOUT_MS },
  };
}

function describeIssue(source: Record<string, string | undefined>) {
  return (issue: z.core.$ZodIssue): string => {
    const name = String(issue.path[0] ?? 'environment');
    const raw = source[name];
    const got = raw === undefined || raw === '' ? '' : ` (got "${raw.length > 60 ? raw.slice(0, 60) + '…' : raw}")`;
    const message = raw === undefined || raw === '' ? 'is required' : issue.message;
    return `${name} ${message}${got}`;
  };
}

/**
 * Reads the process environment or exits: one line per bad variable on
 * stderr and exit code 78 (EX_CONFIG), before any connection is attempted.
 */
export function loadConfigOrExit(service: ServiceName): SwitchyardConfig {
  try {
    return parseConfig(process.env, service);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.issues) process.stderr.write(`switchyard ${service}: config error: ${line}\n`);
    process.exit(78);
  }
}
