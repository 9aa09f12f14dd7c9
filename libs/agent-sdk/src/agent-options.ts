import { sessionEventSchema } from '@switchyard/messaging/contracts/agent-protocol.schema';
import { assertToken } from '@switchyard/messaging/subjects';
import { slugSchema } from '@switchyard/messaging/contracts/command-request.schema';
import type { Handler } from './handler';
import { type AgentLogger, silentLogger } from './logger';

export interface AgentOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Prefix of every subject (SWITCHYARD_NAMESPACE). Default `sy`. */
  namespace?: string;
  /** The registered agent id (a slug: no dots, wildcards or spaces). */
  agentId: string;
  /** Display name announced on connect. */
  name?: string;
  /** Pools this agent serves. Default none (direct commands only). */
  pools?: string[];
  /** Handlers run at once; further deliveries wait locally. Default 1. */
  concurrency?: number;
  /** Command type → handler. */
  handlers: Record<string, Handler>;
  /** Session and per-command heartbeats. Default 5000 ms. */
  heartbeatIntervalMs?: number;
  /** Default: silent. `consoleJsonLogger()` prints JSON lines. */
  logger?: AgentLogger;
}

export interface ResolvedAgentOptions {
  servers: string[];
  namespace: string;
  agentId: string;
  name?: string;
  pools: string[];
  concurrency: number;
  handlers: ReadonlyMap<string, Handler>;
  heartbeatIntervalMs: number;
  logger: AgentLogger;
}

/**
 * 5 s: well inside the dispatcher's heartbeat timeout (default tens of
 * seconds), cheap for the server, and quick enough for a status page.
 */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;
const MIN_HEARTBEAT_INTERVAL_MS = 10;
const MAX_HEARTBEAT_INTERVAL_MS = 10 * 60_000;

/**
 * Applies the defaults and refuses options the protocol would reject later
 * (a bad id, pool name or concurrency, no handlers, a bad interval), so a
 * misconfigured agent fails at start-up with one clear message instead of
 * being silently ignored by the dispatcher.
 */
export function resolveAgentOptions(options: AgentOptions): ResolvedAgentOptions {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };

  const servers = typeof options.servers === 'string' ? [options.servers] : (options.servers ?? []);
  check(
    servers.length > 0 && servers.every((s) => typeof s === 'string' && s.trim() !== ''),
    'servers: give at least one NATS URL',
  );

  const namespace = options.namespace ?? 'sy';
  check(isToken(namespace), `namespace: "${namespace}" is not a valid subject token`);
  // The ledger keys agents by slug; any other id would be refused by every dispatcher.
  check(
    slugSchema.safeParse(options.agentId).success,
    `agentId: "${options.agentId}" must be a slug (a-z, 0-9, _ and -, at most 63 chars)`,
  );

  const pools = options.pools ?? [];
  const concurrency = options.concurrency ?? 1;
  const session = sessionEventSchema.safeParse({
    kind: 'connect',
    sessionId: 'x',
    name: options.name,
    pools,
    concurrency,
  });
  if (!session.success) {
    for (const issue of session.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
  }
  check(new Set(pools).size === pools.length, 'pools: a pool is listed twice');

  const handlers = new Map<string, Handler>();
  for (const [type, handler] of Object.entries(options.handlers ?? {})) {
    if (typeof handler === 'function') handlers.set(type, handler);
    else problems.push(`handlers.${type}: not a function`);
  }
  check(handlers.size > 0, 'handlers: register at least one handler');

  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  check(
    Number.isInteger(heartbeatIntervalMs) &&
      heartbeatIntervalMs >= MIN_HEARTBEAT_INTERVAL_MS &&
      heartbeatIntervalMs <= MAX_HEARTBEAT_INTERVAL_MS,
    `heartbeatIntervalMs: must be an integer from ${MIN_HEARTBEAT_INTERVAL_MS} to ${MAX_HEARTBEAT_INTERVAL_MS}`,
  );

  if (problems.length > 0) {
    throw new Error(`invalid agent options for "${options.agentId}": ${problems.join('; ')}`);
  }
  return {
    servers,
    namespace,
    agentId: options.agentId,
    name: options.name,
    pools,
    concurrency,
    handlers,
    heartbeatIntervalMs,
    logger: options.logger ?? silentLogger,
  };
}

function isToken(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    assertToken('token', value);
    return true;
  } catch {
    return false;
  }
}
