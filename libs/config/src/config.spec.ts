import { describe, expect, it } from '@jest/globals';
import { ConfigError, parseConfig as sut, ServiceName } from './config';
import { envSchema } from './env.schema';

/** The smallest environment every long-running service starts with. */
const VALID: Record<string, string> = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/switchyard',
  NATS_URL: 'nats://127.0.0.1:4222',
  API_KEY_PEPPER: 'pepper',
};

/** The ConfigError `sut` throws for `env`, or a failure when it does not throw one. */
function configError(env: Record<string, string | undefined>, service?: ServiceName): ConfigError {
  try {
    sut(env, service);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(env)}`);
}

function without(name: string): Record<string, string> {
  const { [name]: _, ...rest } = VALID;
  return rest;
}

describe(sut.name, () => {
  describe('defaults', () => {
    it('fills every optional setting', () => {
      expect(sut(VALID, 'gateway')).toEqual({
        databaseUrl: VALID.DATABASE_URL,
        databasePoolSize: undefined,
        natsServers: ['nats://127.0.0.1:4222'],
        natsStreamReplicas: 1,
        commandEventsMaxAgeMs: 86_400_000,
        namespace: 'sy',
        gatewayPort: 3000,
        httpPort: undefined,
        adminApiKey: '',
        apiKeyPepper: 'pepper',
        apiKeyCacheTtlMs: 5_000,
        logLevel: 'info',
        orchestrator: { tickIntervalMs: 1_000, batchSize: 200, relayAfterMs: 30_000, retentionMs: 604_800_000 },
        dispatcher: { batchSize: 256, saturatedRetryMs: 250, ackWaitMs: 10_000, prefetch: 2, agentViewMs: 250 },
        commandDefaults: { maxAttempts: 3, ackTimeoutMs: 10_000, heartbeatTimeoutMs: 30_000, deadlineMs: 21_600_000 },
        agentLivenessTimeoutMs: 30_000,
        sseKeepAliveMs: 15_000,
        debate: { webhookUrl: undefined },
        limits: { maxPayloadBytes: 1_048_576, maxResultBytes: 1_048_576, maxCommandDepth: 8 },
        sync: { defaultTimeoutMs: 30_000, maxTimeoutMs: 300_000 },
      });
    });

    it('an empty string means unset for a variable with a default', () => {
      const config = sut({ ...VALID, GATEWAY_PORT: '', SWITCHYARD_NAMESPACE: '', LOG_LEVEL: '' }, 'gateway');
      expect(config).toMatchObject({ gatewayPort: 3000, namespace: 'sy', logLevel: 'info' });
    });

    it('takes DATABASE_POOL_SIZE as the pool size of every service', () => {
      expect(sut({ ...VALID, DATABASE_POOL_SIZE: '4' }, 'dispatcher').databasePoolSize).toBe(4);
    });

    it('keeps an empty ADMIN_API_KEY empty (every admin route then answers 401)', () => {
      expect(sut({ ...VALID, ADMIN_API_KEY: '' }, 'gateway').adminApiKey).toBe('');
    });

    it('takes an http(s) DEBATE_WEBHOOK_URL', () => {
      expect(sut({ ...VALID, DEBATE_WEBHOOK_URL: 'https://hooks.example.com/debates' }, 'orchestrator').debate).toEqual(
        {
          webhookUrl: 'https://hooks.example.com/debates',
        },
      );
    });

    it('ignores variables it does not know', () => {
      expect(() => sut({ ...VALID, HOME: '/root', PATH: '/bin', SWITCHYARD_UNKNOWN: 'x' }, 'gateway')).not.toThrow();
    });
  });

  describe('accepted values', () => {
    const cases: { name: string; env: Record<string, string>; expected: Record<string, unknown> }[] = [
      {
        name: 'postgresql:// scheme',
        env: { DATABASE_URL: 'postgresql://u:p@db/x' },
        expected: { databaseUrl: 'postgresql://u:p@db/x' },
      },
      {
        name: 'several NATS servers, spaces trimmed',
        env: { NATS_URL: 'nats://a:4222, tls://b:4222 ,ws://c:80' },
        expected: { natsServers: ['nats://a:4222', 'tls://b:4222', 'ws://c:80'] },
      },
      {
        name: 'stream settings',
        env: { NATS_STREAM_REPLICAS: '3', COMMAND_EVENTS_MAX_AGE_MS: '60000' },
        expected: { natsStreamReplicas: 3, commandEventsMaxAgeMs: 60_000 },
      },
      { name: 'a namespace', env: { SWITCHYARD_NAMESPACE: 't1_x' }, expected: { namespace: 't1_x' } },
      { name: 'a gateway port', env: { GATEWAY_PORT: '8080' }, expected: { gatewayPort: 8080 } },
      { name: 'HTTP_PORT 0 (any free port)', env: { HTTP_PORT: '0' }, expected: { httpPort: 0 } },
      { name: 'a log level', env: { LOG_LEVEL: 'debug' }, expected: { logLevel: 'debug' } },
      {
        name: 'ticker settings',
        env: { ORCHESTRATOR_TICK_INTERVAL: '10', ORCHESTRATOR_BATCH_SIZE: '10000', RELAY_AFTER_MS: '100' },
        expected: { orchestrator: { tickIntervalMs: 10, batchSize: 10_000, relayAfterMs: 100 } },
      },
      {
        name: 'dispatcher settings',
        env: { DISPATCHER_BATCH_SIZE: '5000', SATURATED_RETRY_MS: '1', DISPATCH_AGENT_VIEW_MS: '0' },
        expected: { dispatcher: { batchSize: 5_000, saturatedRetryMs: 1, agentViewMs: 0 } },
      },
      {
        name: 'command defaults',
        env: {
          DEFAULT_MAX_ATTEMPTS: '100',
          DEFAULT_ACK_TIMEOUT_MS: '100',
          DEFAULT_HEARTBEAT_TIMEOUT_MS: '100',
          DEFAULT_DEADLINE_MS: '1000',
        },
        expected: {
          commandDefaults: { maxAttempts: 100, ackTimeoutMs: 100, heartbeatTimeoutMs: 100, deadlineMs: 1_000 },
        },
      },
      {
        name: 'the SSE keep-alive at its minimum',
        env: { SSE_KEEPALIVE_MS: '100' },
        expected: { sseKeepAliveMs: 100 },
      },
      {
        name: 'limits at their minimum',
        env: { MAX_PAYLOAD_BYTES: '1024', MAX_RESULT_BYTES: '1024' },
        expected: { limits: { maxPayloadBytes: 1_024, maxResultBytes: 1_024 } },
      },
      {
        name: 'sync timeouts',
        env: { SYNC_DEFAULT_TIMEOUT_MS: '100', SYNC_MAX_TIMEOUT_MS: '600000' },
        expected: { sync: { defaultTimeoutMs: 100, maxTimeoutMs: 600_000 } },
      },
      {
        name: 'no command may be triggered',
        env: { MAX_COMMAND_DEPTH: '0' },
        expected: { limits: { maxCommandDepth: 0 } },
      },
    ];

    it.each(cases)('$name', ({ env, expected }) => {
      expect(sut({ ...VALID, ...env }, 'gateway')).toMatchObject(expected);
    });
  });

  describe('each bad variable is one issue that names it', () => {
    const cases: { variable: string; value: string | undefined }[] = [
      { variable: 'DATABASE_URL', value: undefined },
      { variable: 'DATABASE_URL', value: 'mysql://localhost/x' },
      { variable: 'DATABASE_URL', value: 'postgres://has space/x' },
      { variable: 'NATS_URL', value: 'http://127.0.0.1:4222' },
      { variable: 'NATS_URL', value: 'nats://a:4222,redis://b' },
      { variable: 'SWITCHYARD_NAMESPACE', value: 'Upper' },
      { variable: 'SWITCHYARD_NAMESPACE', value: 'has-dash' },
      { variable: 'SWITCHYARD_NAMESPACE', value: '1starts_with_digit' },
      { variable: 'SWITCHYARD_NAMESPACE', value: 'a'.repeat(33) },
      { variable: 'DATABASE_POOL_SIZE', value: '0' },
      { variable: 'NATS_STREAM_REPLICAS', value: '6' },
      { variable: 'COMMAND_EVENTS_MAX_AGE_MS', value: '59999' },
      { variable: 'COMMAND_EVENTS_MAX_AGE_MS', value: '1d' },
      { variable: 'DATABASE_POOL_SIZE', value: 'many' },
      { variable: 'GATEWAY_PORT', value: 'abc' },
      { variable: 'GATEWAY_PORT', value: '0' },
      { variable: 'GATEWAY_PORT', value: '65536' },
      { variable: 'GATEWAY_PORT', value: '80.5' },
      { variable: 'HTTP_PORT', value: '-1' },
      { variable: 'HTTP_PORT', value: 'http' },
      { variable: 'LOG_LEVEL', value: 'loud' },
      { variable: 'ORCHESTRATOR_TICK_INTERVAL', value: '9' },
      { variable: 'ORCHESTRATOR_TICK_INTERVAL', value: 'fast' },
      { variable: 'ORCHESTRATOR_BATCH_SIZE', value: '0' },
      { variable: 'ORCHESTRATOR_BATCH_SIZE', value: '10001' },
      { variable: 'RELAY_AFTER_MS', value: '99' },
      { variable: 'RETENTION_MS', value: '59999' },
      { variable: 'DISPATCHER_BATCH_SIZE', value: '0' },
      { variable: 'DISPATCHER_BATCH_SIZE', value: '5001' },
      { variable: 'DISPATCHER_ACK_WAIT_MS', value: '499' },
      { variable: 'DISPATCH_PREFETCH', value: '0' },
      { variable: 'DISPATCH_PREFETCH', value: '17' },
      { variable: 'DISPATCH_AGENT_VIEW_MS', value: '-1' },
      { variable: 'SATURATED_RETRY_MS', value: '0' },
      { variable: 'DEFAULT_MAX_ATTEMPTS', value: '0' },
      { variable: 'DEFAULT_MAX_ATTEMPTS', value: '101' },
      { variable: 'DEFAULT_ACK_TIMEOUT_MS', value: '99' },
      { variable: 'DEFAULT_HEARTBEAT_TIMEOUT_MS', value: '1e1' },
      { variable: 'DEFAULT_DEADLINE_MS', value: '999' },
      { variable: 'AGENT_LIVENESS_TIMEOUT_MS', value: '-5' },
      { variable: 'SSE_KEEPALIVE_MS', value: '99' },
      { variable: 'DEBATE_WEBHOOK_URL', value: 'not a url' },
      { variable: 'DEBATE_WEBHOOK_URL', value: 'ftp://example.com/hook' },
      { variable: 'MAX_PAYLOAD_BYTES', value: '1023' },
      { variable: 'MAX_RESULT_BYTES', value: 'lots' },
      { variable: 'API_KEY_CACHE_TTL_MS', value: '-1' },
      { variable: 'API_KEY_CACHE_TTL_MS', value: 'soon' },
      { variable: 'SYNC_DEFAULT_TIMEOUT_MS', value: '99' },
      { variable: 'SYNC_MAX_TIMEOUT_MS', value: 'forever' },
      { variable: 'MAX_COMMAND_DEPTH', value: '-1' },
      { variable: 'MAX_COMMAND_DEPTH', value: '2.5' },
    ];

    it.each(cases)('$variable = $value', ({ variable, value }) => {
      const env = value === undefined ? without(variable) : { ...VALID, [variable]: value };
      const { issues, message } = configError(env, 'gateway');
      expect(issues).toHaveLength(1);
      expect(issues[0].startsWith(`${variable} `)).toBe(true);
      expect(message).toContain(variable);
    });

    it('covers every variable of the schema that can be malformed', () => {
      const freeForm = ['ADMIN_API_KEY', 'API_KEY_PEPPER'];
      const covered = new Set(cases.map((c) => c.variable));
      expect(Object.keys(envSchema.shape).filter((v) => !freeForm.includes(v) && !covered.has(v))).toEqual([]);
    });

    it('an empty DATABASE_URL is reported as required', () => {
      expect(configError({ ...VALID, DATABASE_URL: '' }, 'gateway').issues).toEqual(['DATABASE_URL is required']);
    });

    it('a malformed value is quoted back so the operator sees what was read', () => {
      const [issue] = configError({ ...VALID, GATEWAY_PORT: 'abc' }, 'gateway').issues;
      expect(issue).toContain('"abc"');
    });

    it('several bad variables: one issue each', () => {
      const { issues } = configError({ ...without('DATABASE_URL'), GATEWAY_PORT: 'abc', LOG_LEVEL: 'loud' }, 'gateway');
      expect(issues.map((i) => i.split(' ')[0]).sort()).toEqual(['DATABASE_URL', 'GATEWAY_PORT', 'LOG_LEVEL']);
    });

    it('every bad variable is named at once, including those a service requires (no fix-one-rerun loop)', () => {
      const { issues } = configError({ GATEWAY_PORT: 'abc' }, 'gateway');
      expect(issues.map((i) => i.split(' ')[0]).sort()).toEqual([
        'API_KEY_PEPPER',
        'DATABASE_URL',
        'GATEWAY_PORT',
        'NATS_URL',
      ]);
    });
  });

  describe('variables required by some services only', () => {
    const services: { service: ServiceName; natsRequired: boolean; pepperRequired: boolean }[] = [
      { service: 'gateway', natsRequired: true, pepperRequired: true },
      { service: 'dispatcher', natsRequired: true, pepperRequired: false },
      { service: 'orchestrator', natsRequired: true, pepperRequired: false },
      { service: 'agents', natsRequired: true, pepperRequired: false },
      { service: 'migrate', natsRequired: false, pepperRequired: false },
    ];

    it.each(services)('$service: NATS_URL required = $natsRequired', ({ service, natsRequired }) => {
      const env = without('NATS_URL');
      if (natsRequired) {
        expect(configError(env, service).issues).toEqual([`NATS_URL is required by the ${service}`]);
      } else {
        expect(sut(env, service).natsServers).toEqual([]);
      }
    });

    it.each(services)('$service: NATS_URL empty counts as missing', ({ service, natsRequired }) => {
      const env = { ...VALID, NATS_URL: '' };
      if (natsRequired) expect(configError(env, service).issues).toEqual([`NATS_URL is required by the ${service}`]);
      else expect(sut(env, service).natsServers).toEqual([]);
    });

    it.each(services)('$service: API_KEY_PEPPER required = $pepperRequired', ({ service, pepperRequired }) => {
      const env = without('API_KEY_PEPPER');
      if (pepperRequired) {
        expect(configError(env, service).issues).toEqual([`API_KEY_PEPPER is required by the ${service}`]);
      } else {
        expect(sut(env, service).apiKeyPepper).toBe('');
      }
    });

    it.each(services)('$service: DATABASE_URL is always required', ({ service }) => {
      expect(configError(without('DATABASE_URL'), service).issues).toEqual(['DATABASE_URL is required']);
    });

    it('without a service name, only DATABASE_URL is required', () => {
      expect(() => sut({ DATABASE_URL: VALID.DATABASE_URL })).not.toThrow();
    });
  });
});
