import { describe, expect, it } from '@jest/globals';
import { demoAgentIds, parseDemoConfig } from './demo-config';

describe(parseDemoConfig.name, () => {
  it('applies the defaults', () => {
    expect(parseDemoConfig({})).toEqual({
      servers: ['nats://127.0.0.1:4222'],
      namespace: 'sy',
      agents: 4,
      pool: 'demo',
      agentPrefix: 'demo-',
      concurrency: 4,
      heartbeatIntervalMs: 5_000,
      drainTimeoutMs: 10_000,
      httpAgents: 0,
      narrate: true,
    });
  });

  const accepted: { name: string; env: Record<string, string>; expected: object }[] = [
    {
      name: 'several NATS URLs',
      env: { NATS_URL: 'nats://a:4222, nats://b:4222' },
      expected: { servers: ['nats://a:4222', 'nats://b:4222'] },
    },
    { name: 'a namespace', env: { SWITCHYARD_NAMESPACE: 't1abc' }, expected: { namespace: 't1abc' } },
    { name: 'a fleet size', env: { DEMO_AGENTS: '10' }, expected: { agents: 10 } },
    {
      name: 'a pool and prefix',
      env: { DEMO_POOL: 'gpu', DEMO_AGENT_PREFIX: 'g' },
      expected: { pool: 'gpu', agentPrefix: 'g' },
    },
    { name: 'a concurrency', env: { DEMO_CONCURRENCY: '1' }, expected: { concurrency: 1 } },
    { name: 'an effect log', env: { EFFECT_LOG_DIR: '/tmp/effects' }, expected: { effectLogDir: '/tmp/effects' } },
    {
      name: 'HTTP agents with a gateway and an admin key',
      env: { DEMO_AGENTS: '4', DEMO_HTTP_AGENTS: '2', GATEWAY_URL: 'http://127.0.0.1:3000', ADMIN_API_KEY: 'k' },
      expected: { httpAgents: 2, gatewayUrl: 'http://127.0.0.1:3000', adminApiKey: 'k' },
    },
    { name: 'narration turned off', env: { DEMO_NARRATE: 'false' }, expected: { narrate: false } },
    { name: 'an empty variable as unset', env: { DEMO_AGENTS: '', EFFECT_LOG_DIR: ' ' }, expected: { agents: 4 } },
  ];

  it.each(accepted)('reads $name', ({ env, expected }) => {
    expect(parseDemoConfig(env)).toMatchObject(expected);
  });

  const refused: { name: string; env: Record<string, string>; error: RegExp }[] = [
    { name: 'zero agents', env: { DEMO_AGENTS: '0' }, error: /DEMO_AGENTS/ },
    { name: 'a non-numeric agent count', env: { DEMO_AGENTS: 'four' }, error: /DEMO_AGENTS: must be a whole number/ },
    { name: 'a fractional concurrency', env: { DEMO_CONCURRENCY: '1.5' }, error: /DEMO_CONCURRENCY/ },
    { name: 'an upper-case pool', env: { DEMO_POOL: 'Demo' }, error: /DEMO_POOL/ },
    { name: 'a prefix with a dot', env: { DEMO_AGENT_PREFIX: 'demo.' }, error: /DEMO_AGENT_PREFIX/ },
    { name: 'a namespace with a wildcard', env: { SWITCHYARD_NAMESPACE: 'sy*' }, error: /SWITCHYARD_NAMESPACE/ },
    { name: 'only commas for NATS_URL', env: { NATS_URL: ',,' }, error: /NATS_URL/ },
    {
      name: 'more HTTP agents than agents',
      env: { DEMO_AGENTS: '2', DEMO_HTTP_AGENTS: '3', GATEWAY_URL: 'http://gw', ADMIN_API_KEY: 'k' },
      error: /DEMO_HTTP_AGENTS: at most DEMO_AGENTS \(2\)/,
    },
    {
      name: 'HTTP agents without a gateway or admin key',
      env: { DEMO_HTTP_AGENTS: '1' },
      error: /GATEWAY_URL: needed for HTTP agents; ADMIN_API_KEY: needed to register HTTP agents/,
    },
    {
      name: 'a narration switch that is not a boolean',
      env: { DEMO_NARRATE: 'yes' },
      error: /DEMO_NARRATE: must be true or false/,
    },
    { name: 'a gateway URL that is not a URL', env: { GATEWAY_URL: 'gateway' }, error: /GATEWAY_URL/ },
  ];

  it.each(refused)('refuses $name', ({ env, error }) => {
    expect(() => parseDemoConfig(env)).toThrow(error);
  });
});

describe(demoAgentIds.name, () => {
  it.each([
    { agentPrefix: 'demo-', agents: 3, expected: ['demo-1', 'demo-2', 'demo-3'] },
    { agentPrefix: 'w', agents: 1, expected: ['w1'] },
  ])('$agentPrefix × $agents', ({ agentPrefix, agents, expected }) => {
    expect(demoAgentIds({ agentPrefix, agents })).toEqual(expected);
  });
});
