import { describe, expect, it } from '@jest/globals';
import { type AgentOptions, DEFAULT_HEARTBEAT_INTERVAL_MS, resolveAgentOptions } from './agent-options';
import { silentLogger } from './logger';

const echo = (payload: unknown) => Promise.resolve(payload);
const valid: AgentOptions = { servers: 'nats://127.0.0.1:4222', agentId: 'worker-1', handlers: { echo } };

describe(resolveAgentOptions.name, () => {
  it('applies the defaults', () => {
    const sut = resolveAgentOptions(valid);
    expect(sut).toMatchObject({
      servers: ['nats://127.0.0.1:4222'],
      namespace: 'sy',
      agentId: 'worker-1',
      pools: [],
      concurrency: 1,
      heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
      logger: silentLogger,
    });
    expect([...sut.handlers.keys()]).toEqual(['echo']);
  });

  const accepted: { name: string; options: Partial<AgentOptions> }[] = [
    { name: 'several servers', options: { servers: ['nats://a:4222', 'nats://b:4222'] } },
    { name: 'a namespace', options: { namespace: 't1x2' } },
    { name: 'pools and a name', options: { pools: ['demo', 'gpu_2'], name: 'Worker One' } },
    { name: 'high concurrency', options: { concurrency: 10_000 } },
    { name: 'a short heartbeat', options: { heartbeatIntervalMs: 10 } },
  ];

  it.each(accepted)('accepts $name', ({ options }) => {
    expect(() => resolveAgentOptions({ ...valid, ...options })).not.toThrow();
  });

  const refused: { name: string; options: Partial<AgentOptions>; error: RegExp }[] = [
    { name: 'no servers', options: { servers: [] }, error: /servers/ },
    { name: 'a blank server', options: { servers: ' ' }, error: /servers/ },
    { name: 'an agent id with a dot', options: { agentId: 'a.b' }, error: /agentId/ },
    { name: 'an agent id with a wildcard', options: { agentId: 'a*' }, error: /agentId/ },
    { name: 'an empty agent id', options: { agentId: '' }, error: /agentId/ },
    {
      name: 'an agent id with upper case (not a ledger slug)',
      options: { agentId: 'Worker1' },
      error: /agentId.*slug/,
    },
    { name: 'a namespace with a space', options: { namespace: 'a b' }, error: /namespace/ },
    { name: 'an upper-case pool', options: { pools: ['Demo'] }, error: /pools\.0/ },
    { name: 'a pool listed twice', options: { pools: ['demo', 'demo'] }, error: /listed twice/ },
    { name: 'concurrency 0', options: { concurrency: 0 }, error: /concurrency/ },
    { name: 'fractional concurrency', options: { concurrency: 1.5 }, error: /concurrency/ },
    { name: 'a name over 200 characters', options: { name: 'n'.repeat(201) }, error: /name/ },
    { name: 'no handlers', options: { handlers: {} }, error: /at least one handler/ },
    {
      name: 'a handler that is not a function',
      options: { handlers: { echo: 'nope' as unknown as typeof echo } },
      error: /handlers\.echo/,
    },
    { name: 'a heartbeat of 0', options: { heartbeatIntervalMs: 0 }, error: /heartbeatIntervalMs/ },
    { name: 'a fractional heartbeat', options: { heartbeatIntervalMs: 99.5 }, error: /heartbeatIntervalMs/ },
    { name: 'an hour-long heartbeat', options: { heartbeatIntervalMs: 3_600_000 }, error: /heartbeatIntervalMs/ },
  ];

  it.each(refused)('refuses $name', ({ options, error }) => {
    expect(() => resolveAgentOptions({ ...valid, ...options })).toThrow(error);
  });

  it('names every problem at once', () => {
    expect(() => resolveAgentOptions({ ...valid, agentId: 'a.b', concurrency: 0, handlers: {} })).toThrow(
      /agentId.*concurrency.*handler/,
    );
  });
});
