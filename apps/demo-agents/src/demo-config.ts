import { z } from 'zod';

export interface DemoConfig {
  servers: string[];
  namespace: string;
  agents: number;
  pool: string;
  agentPrefix: string;
  concurrency: number;
  heartbeatIntervalMs: number;
  drainTimeoutMs: number;
  effectLogDir?: string;
  /** Print a line per command event (accepted, started, succeeded, …); off for load tests. */
  narrate: boolean;
  /** The last `httpAgents` of the fleet speak HTTP to the gateway instead of NATS. */
  httpAgents: number;
  gatewayUrl?: string;
  /** Registers the HTTP agents and mints their keys (a real HTTP agent is given its key by an operator). */
  adminApiKey?: string;
}

const token = /^[^.*>\s]+$/;
const int = (min: number, max: number) =>
  z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

/** Environment variables of the demo fleet, with their defaults. */
const schema = z.object({
  NATS_URL: z
    .string()
    .default('nats://127.0.0.1:4222')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string()).min(1, 'needs at least one URL')),
  SWITCHYARD_NAMESPACE: z
    .string()
    .regex(token, 'must be one subject token (no dots, wildcards or spaces)')
    .default('sy'),
  DEMO_AGENTS: int(1, 1_000).default(4),
  DEMO_POOL: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, _ or -, up to 63 characters')
    .default('demo'),
  DEMO_AGENT_PREFIX: z.string().regex(token, 'must contain no dots, wildcards or spaces').default('demo-'),
  DEMO_CONCURRENCY: int(1, 10_000).default(4),
  DEMO_HEARTBEAT_INTERVAL_MS: int(10, 600_000).default(5_000),
  DEMO_DRAIN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  EFFECT_LOG_DIR: z.string().optional(),
  DEMO_NARRATE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
  DEMO_HTTP_AGENTS: int(0, 1_000).default(0),
  GATEWAY_URL: z.url().optional(),
  ADMIN_API_KEY: z.string().optional(),
});

/**
 * Reads the demo's configuration; an empty variable counts as unset. Throws
 * one message naming every bad variable.
 */
export function parseDemoConfig(env: Record<string, string | undefined>): DemoConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid demo-agents configuration: ${problems.join('; ')}`);
  }
  const c = parsed.data;
  const http = [
    c.DEMO_HTTP_AGENTS > c.DEMO_AGENTS && `DEMO_HTTP_AGENTS: at most DEMO_AGENTS (${c.DEMO_AGENTS})`,
    c.DEMO_HTTP_AGENTS > 0 && !c.GATEWAY_URL && 'GATEWAY_URL: needed for HTTP agents',
    c.DEMO_HTTP_AGENTS > 0 && !c.ADMIN_API_KEY && 'ADMIN_API_KEY: needed to register HTTP agents',
  ].filter((p): p is string => typeof p === 'string');
  if (http.length > 0) throw new Error(`invalid demo-agents configuration: ${http.join('; ')}`);
  return {
    servers: c.NATS_URL,
    namespace: c.SWITCHYARD_NAMESPACE,
    agents: c.DEMO_AGENTS,
    pool: c.DEMO_POOL,
    agentPrefix: c.DEMO_AGENT_PREFIX,
    concurrency: c.DEMO_CONCURRENCY,
    heartbeatIntervalMs: c.DEMO_HEARTBEAT_INTERVAL_MS,
    drainTimeoutMs: c.DEMO_DRAIN_TIMEOUT_MS,
    ...(c.EFFECT_LOG_DIR ? { effectLogDir: c.EFFECT_LOG_DIR } : {}),
    narrate: c.DEMO_NARRATE === 'true',
    httpAgents: c.DEMO_HTTP_AGENTS,
    ...(c.GATEWAY_URL ? { gatewayUrl: c.GATEWAY_URL } : {}),
    ...(c.ADMIN_API_KEY ? { adminApiKey: c.ADMIN_API_KEY } : {}),
  };
}

/** `demo-1` … `demo-N`. */
export function demoAgentIds(config: Pick<DemoConfig, 'agentPrefix' | 'agents'>): string[] {
  return Array.from({ length: config.agents }, (_, i) => `${config.agentPrefix}${i + 1}`);
}
