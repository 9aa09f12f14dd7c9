import { describe, expect, it } from '@jest/globals';
import { EXIT } from './exit-codes';
import {
  cancelRequest,
  createScheduleRequest,
  createTriggerRequest,
  duration,
  getCommandRequest,
  instant,
  jsonSource,
  listAgentsRequest,
  listCommandsRequest,
  listDeadLettersRequest,
  mintAgentKeyRequest,
  replayDeadLetterRequest,
  resolveDeadLetterRequest,
  revokeKeyRequest,
  streamRequest,
  submitRequest,
  tailTarget,
  type ApiRequest,
} from './requests';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const ID = '0197a3e4-5c1b-7d2e-9f40-2b6c8d9e0a11';

describe('request builders', () => {
  const cases: { name: string; build: () => ApiRequest; expected: ApiRequest }[] = [
    {
      name: 'async submit to a pool with a payload',
      build: () => submitRequest({ type: 'echo', pool: 'demo', payload: { a: 1 } }, NOW),
      expected: {
        method: 'POST',
        path: '/v1/commands',
        auth: 'api',
        body: { target: { pool: 'demo' }, type: 'echo', payload: { a: 1 } },
      },
    },
    {
      name: 'sync submit to an agent with a timeout, key and attempts',
      build: () =>
        submitRequest(
          { type: 'echo', agent: 'a-1', sync: true, timeout: '2m', idempotencyKey: 'k1', maxAttempts: '3' },
          NOW,
        ),
      expected: {
        method: 'POST',
        path: '/v1/commands',
        auth: 'api',
        body: {
          target: { agent: 'a-1' },
          type: 'echo',
          idempotencyKey: 'k1',
          mode: 'sync',
          timeoutMs: 120_000,
          maxAttempts: 3,
        },
      },
    },
    {
      name: 'submit later: a relative run-at and deadline',
      build: () => submitRequest({ type: 'echo', pool: 'p', runAt: '+10m', deadline: '2026-03-02T00:00:00Z' }, NOW),
      expected: {
        method: 'POST',
        path: '/v1/commands',
        auth: 'api',
        body: {
          target: { pool: 'p' },
          type: 'echo',
          runAt: '2026-03-01T12:10:00.000Z',
          deadline: '2026-03-02T00:00:00Z',
        },
      },
    },
    {
      name: 'get',
      build: () => getCommandRequest(ID.toUpperCase()),
      expected: { method: 'GET', path: `/v1/commands/${ID}`, auth: 'api' },
    },
    {
      name: 'cancel with a reason',
      build: () => cancelRequest(ID, 'wrong payload'),
      expected: { method: 'POST', path: `/v1/commands/${ID}/cancel`, auth: 'api', body: { reason: 'wrong payload' } },
    },
    {
      name: 'cancel without a reason',
      build: () => cancelRequest(ID),
      expected: { method: 'POST', path: `/v1/commands/${ID}/cancel`, auth: 'api', body: {} },
    },
    {
      name: 'ls with every filter',
      build: () => listCommandsRequest({ state: 'failed', target: 'demo', type: 'echo', limit: '20', cursor: 'abc' }),
      expected: {
        method: 'GET',
        path: '/v1/commands',
        auth: 'api',
        query: { limit: '20', cursor: 'abc', state: 'failed', target: 'demo', type: 'echo' },
      },
    },
    {
      name: 'dlq ls unresolved',
      build: () => listDeadLettersRequest({ unresolved: true, type: 'echo' }),
      expected: { method: 'GET', path: '/v1/dead-letters', auth: 'either', query: { type: 'echo', resolved: 'false' } },
    },
    {
      name: 'dlq replay --force',
      build: () => replayDeadLetterRequest(ID, true),
      expected: { method: 'POST', path: `/v1/dead-letters/${ID}/replay`, auth: 'either', body: { force: true } },
    },
    {
      name: 'dlq resolve',
      build: () => resolveDeadLetterRequest(ID, 'done by hand'),
      expected: {
        method: 'POST',
        path: `/v1/dead-letters/${ID}/resolve`,
        auth: 'either',
        body: { note: 'done by hand' },
      },
    },
    {
      name: 'agents ls filtered',
      build: () => listAgentsRequest({ pool: 'demo', status: 'idle' }),
      expected: { method: 'GET', path: '/v1/agents', auth: 'either', query: { pool: 'demo', status: 'idle' } },
    },
    {
      name: 'agents mint-key with everything',
      build: () =>
        mintAgentKeyRequest({
          id: 'w-1',
          name: 'Worker',
          pool: ['a', 'b'],
          concurrency: '4',
          label: ['zone=eu', 'gpu='],
          force: true,
        }),
      expected: {
        method: 'POST',
        path: '/v1/admin/agents',
        auth: 'admin',
        body: {
          id: 'w-1',
          name: 'Worker',
          pools: ['a', 'b'],
          concurrency: 4,
          labels: { zone: 'eu', gpu: '' },
          force: true,
        },
      },
    },
    {
      name: 'agents mint-key, minimal',
      build: () => mintAgentKeyRequest({ id: 'w-1' }),
      expected: { method: 'POST', path: '/v1/admin/agents', auth: 'admin', body: { id: 'w-1' } },
    },
    {
      name: 'agents revoke',
      build: () => revokeKeyRequest(ID),
      expected: { method: 'DELETE', path: `/v1/admin/keys/${ID}`, auth: 'admin' },
    },
    {
      name: 'schedules create',
      build: () =>
        createScheduleRequest({
          name: 'nightly',
          cron: '0 3 * * *',
          timezone: 'UTC',
          catchUp: 'none',
          pool: 'demo',
          type: 'echo',
          payload: { x: 1 },
          maxAttempts: '2',
          deadline: '10m',
        }),
      expected: {
        method: 'POST',
        path: '/v1/schedules',
        auth: 'api',
        body: {
          name: 'nightly',
          cron: '0 3 * * *',
          timezone: 'UTC',
          catchUp: 'none',
          command: { target: { pool: 'demo' }, type: 'echo', maxAttempts: 2, deadlineMs: 600_000, payload: { x: 1 } },
        },
      },
    },
    {
      name: 'triggers create',
      build: () =>
        createTriggerRequest({
          pattern: 'orders.*',
          agent: 'a-1',
          type: 'echo',
          payload: { order: '{{ data.id }}' },
          maxAttempts: '5',
          deadline: '1h',
        }),
      expected: {
        method: 'POST',
        path: '/v1/triggers',
        auth: 'either',
        body: {
          subjectPattern: 'orders.*',
          target: { agent: 'a-1' },
          type: 'echo',
          payloadTemplate: { order: '{{ data.id }}' },
          retry: { maxAttempts: 5 },
          deadlineMs: 3_600_000,
        },
      },
    },
    {
      name: 'tail a command',
      build: () => streamRequest(tailTarget({ commandId: ID })),
      expected: { method: 'GET', path: `/v1/commands/${ID}/events`, auth: 'api' },
    },
    {
      name: 'tail an agent',
      build: () => streamRequest(tailTarget({ agent: 'demo-1' })),
      expected: { method: 'GET', path: '/v1/agents/demo-1/events', auth: 'either' },
    },
    {
      name: 'tail every agent',
      build: () => streamRequest(tailTarget({ allAgents: true })),
      expected: { method: 'GET', path: '/v1/agents/events', auth: 'either' },
    },
  ];
  it.each(cases)('$name', ({ build, expected }) => {
    expect(build()).toEqual(expected);
  });
});

describe('usage errors (exit 64) before anything is sent', () => {
  const cases: { name: string; build: () => unknown; message: string }[] = [
    { name: 'no target', build: () => submitRequest({ type: 'echo' }, NOW), message: '--agent <id> or --pool' },
    {
      name: 'two targets',
      build: () => submitRequest({ type: 'echo', agent: 'a', pool: 'p' }, NOW),
      message: 'not both',
    },
    {
      name: 'a timeout without --sync',
      build: () => submitRequest({ type: 'echo', pool: 'p', timeout: '5s' }, NOW),
      message: '--timeout applies to --sync only',
    },
    {
      name: 'run-at with --sync',
      build: () => submitRequest({ type: 'echo', pool: 'p', sync: true, runAt: '+1m' }, NOW),
      message: '--run-at cannot be combined',
    },
    {
      name: 'a run-at without an offset',
      build: () => submitRequest({ type: 'echo', pool: 'p', runAt: '2026-03-01T12:00:00' }, NOW),
      message: 'ISO 8601',
    },
    {
      name: 'zero attempts',
      build: () => submitRequest({ type: 'echo', pool: 'p', maxAttempts: '0' }, NOW),
      message: 'positive integer',
    },
    { name: 'a malformed id', build: () => getCommandRequest('42'), message: 'must be a UUID' },
    {
      name: 'an unknown state',
      build: () => listCommandsRequest({ state: 'done' }),
      message: '--state must be one of',
    },
    { name: 'a page over 500', build: () => listCommandsRequest({ limit: '501' }), message: 'at most 500' },
    {
      name: 'resolved and unresolved',
      build: () => listDeadLettersRequest({ resolved: true, unresolved: true }),
      message: 'not both',
    },
    { name: 'an empty note', build: () => resolveDeadLetterRequest(ID, '  '), message: '--note' },
    { name: 'a label without =', build: () => mintAgentKeyRequest({ id: 'a', label: ['zone'] }), message: 'key=value' },
    { name: 'tail with nothing', build: () => tailTarget({}), message: 'exactly one' },
    { name: 'tail with two', build: () => tailTarget({ agent: 'a', allAgents: true }), message: 'exactly one' },
  ];
  it.each(cases)('$name', ({ build, message }) => {
    expect(build).toThrow(message);
    expect(build).toThrow(expect.objectContaining({ exitCode: EXIT.usage }));
  });
});

describe(duration.name, () => {
  it.each([
    { text: '1500ms', ms: 1_500 },
    { text: '30s', ms: 30_000 },
    { text: '30', ms: 30_000 },
    { text: '1.5s', ms: 1_500 },
    { text: '2m', ms: 120_000 },
    { text: '1h', ms: 3_600_000 },
    { text: '1d', ms: 86_400_000 },
  ])('$text → $ms', ({ text, ms }) => {
    expect(duration(text, '--timeout')).toBe(ms);
  });
  it.each(['', 'soon', '-5s', '5 minutes', '1w'])('refuses "%s"', (text) => {
    expect(() => duration(text, '--timeout')).toThrow('--timeout must be a duration');
  });
});

describe(instant.name, () => {
  it.each([
    { text: '+90s', iso: '2026-03-01T12:01:30.000Z' },
    { text: '2026-03-01T13:00:00+01:00', iso: '2026-03-01T13:00:00+01:00' },
    { text: '2026-03-01T12:00Z', iso: '2026-03-01T12:00Z' },
  ])('$text → $iso', ({ text, iso }) => {
    expect(instant(text, '--run-at', NOW)).toBe(iso);
  });
});

describe(jsonSource.name, () => {
  it.each([
    { arg: '-', source: { kind: 'stdin' } },
    { arg: '@p.json', source: { kind: 'file', path: 'p.json' } },
    { arg: '{"a":1}', source: { kind: 'inline', text: '{"a":1}' } },
    { arg: '@', source: { kind: 'inline', text: '@' } },
  ])('$arg', ({ arg, source }) => {
    expect(jsonSource(arg)).toEqual(source);
  });
});
