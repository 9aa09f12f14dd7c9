import {
  type Agent,
  type AgentEvents,
  type AgentLogger,
  connect,
  connectHttp,
  type HttpAgent,
} from '@switchyard/agent-sdk';
import type { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DemoConfig, demoAgentIds, parseDemoConfig } from './demo-config';
import { demoHandlers } from './demo-handlers';
import { withEffectLog } from './effect-log';

/**
 * A fleet of demo agents in one process: `demo-1` … `demo-N` in one pool,
 * serving echo, sleep and fail. Plain Node, no Nest: this is what an agent
 * author's program looks like. SIGINT/SIGTERM close every agent gracefully.
 */

function say(agentId: string, text: string): void {
  process.stdout.write(`[${agentId}] ${text}\n`);
}

function brief(value: unknown, max = 200): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function readableLogger(agentId: string): AgentLogger {
  const line =
    (level: string) =>
    (fields: object, message: string): void => {
      const { agentId: _agentId, sessionId: _sessionId, ...rest } = fields as Record<string, unknown>;
      const extra = Object.keys(rest).length > 0 ? ` ${brief(rest, 500)}` : '';
      say(agentId, `${level === 'info' ? '' : `${level}: `}${message}${extra}`);
    };
  return { info: line('info'), warn: line('warn'), error: line('error') };
}

function narrate(agent: EventEmitter<AgentEvents> & { agentId: string }): void {
  const id = agent.agentId;
  const what = (d: { type: string; id: string; attempt: number }) => `${d.type} ${d.id} attempt ${d.attempt}`;
  agent.on('delivered', (d) => say(id, `accepted ${what(d)}`));
  agent.on('started', (d) => say(id, `started ${what(d)}`));
  agent.on('completed', ({ delivery, result }) => say(id, `succeeded ${what(delivery)} → ${brief(result)}`));
  agent.on('failed', ({ delivery, error, retryable }) =>
    say(
      id,
      `failed ${what(delivery)}: ${error.message}${error.code ? ` (${error.code})` : ''}${retryable ? ', retryable' : ''}`,
    ),
  );
  agent.on('released', (d) => say(id, `released ${what(d)}`));
  agent.on('cancelled', (d) => say(id, `cancel requested for ${what(d)}`));
}

function handlersFor(config: DemoConfig, agentId: string) {
  if (!config.effectLogDir) return demoHandlers;
  return withEffectLog(demoHandlers, join(config.effectLogDir, `${agentId}.jsonl`), agentId);
}

async function main(): Promise<void> {
  let config: DemoConfig;
  try {
    config = parseDemoConfig(process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  if (config.effectLogDir) mkdirSync(config.effectLogDir, { recursive: true });

  const agents: (Agent | HttpAgent)[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      say('demo', `${signal} again: exiting without waiting`);
      process.exit(1);
    }
    say('demo', `${signal}: closing ${agents.length} agent(s)`);
    stopping = Promise.allSettled(agents.map((a) => a.close({ drainTimeoutMs: config.drainTimeoutMs }))).then(
      (results) => {
        const failed = results.filter((r) => r.status === 'rejected');
        for (const r of failed) say('demo', `close failed: ${String(r.reason)}`);
        say('demo', 'all agents closed');
        process.exit(failed.length > 0 ? 1 : 0);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const transports =
    config.httpAgents > 0
      ? `${config.agents - config.httpAgents} over NATS ${config.servers.join(',')}, ${config.httpAgents} over HTTP ${config.gatewayUrl}`
      : `over NATS ${config.servers.join(',')}`;
  say(
    'demo',
    `connecting ${config.agents} agent(s), ${transports} (namespace ${config.namespace}, pool ${config.pool})`,
  );
  const ids = demoAgentIds(config);
  const overHttp = new Set(ids.slice(ids.length - config.httpAgents));
  await Promise.all(
    ids.map(async (agentId) => {
      const common = {
        agentId,
        name: `Demo agent ${agentId}`,
        pools: [config.pool],
        concurrency: config.concurrency,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        handlers: handlersFor(config, agentId),
        logger: readableLogger(agentId),
      };
      const agent = overHttp.has(agentId)
        ? await connectHttp({
            ...common,
            gatewayUrl: config.gatewayUrl!,
            apiKey: await registerHttpAgent(config, agentId),
          })
        : await connect({ ...common, servers: config.servers, namespace: config.namespace });
      if (config.narrate) narrate(agent);
      agents.push(agent);
      // A signal that arrived while this agent was still connecting must close it too.
      if (stopping) await agent.close({ drainTimeoutMs: config.drainTimeoutMs });
    }),
  );
  say('demo', `${agents.length} agent(s) ready: ${agents.map((a) => a.agentId).join(', ')}`);
}

/** Registers (or re-registers) an HTTP agent and mints its key: what an operator does for a real one. */
async function registerHttpAgent(config: DemoConfig, agentId: string): Promise<string> {
  for (let tries = 1; ; tries += 1) {
    let res: Response;
    try {
      res = await fetch(`${config.gatewayUrl}/v1/admin/agents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-admin-key': config.adminApiKey! },
        body: JSON.stringify({ id: agentId, pools: [config.pool], concurrency: config.concurrency, force: true }),
      });
    } catch (err) {
      // The gateway may still be starting (the demo starts everything at once).
      if (tries >= 60) throw new Error(`gateway ${config.gatewayUrl} unreachable`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      continue;
    }
    const body = (await res.json()) as { apiKey?: string; detail?: string };
    if (res.status === 201 && body.apiKey) return body.apiKey;
    throw new Error(`registering HTTP agent ${agentId} failed: ${res.status} ${body.detail ?? ''}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo-agents failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
