import { describe, expect, it } from '@jest/globals';
import { DEFAULT_BACKOFF } from '../retry/backoff';
import { draftReplayCommand as sut, ReplaySource } from './command-replay';

const now = new Date('2026-01-02T00:00:00.000Z');
const original = (overrides: Partial<ReplaySource> = {}): ReplaySource => ({
  id: '0190a0b0-0000-7000-8000-000000000001',
  targetKind: 'agent',
  target: 'worker-1',
  type: 'echo',
  payload: { n: 1 },
  caller: 'client:abc',
  maxAttempts: 4,
  backoff: DEFAULT_BACKOFF,
  ackTimeoutMs: 1_000,
  heartbeatTimeoutMs: 2_000,
  depth: 2,
  createdAt: new Date('2026-01-01T00:00:00.000Z'),
  deadlineAt: new Date('2026-01-01T01:00:00.000Z'),
  ...overrides,
});

describe(sut.name, () => {
  it('copies target, type, payload, caller and policy; fresh, queued, child of the original at its depth', () => {
    expect(sut(original(), { id: 'new-id', now })).toEqual({
      id: 'new-id',
      targetKind: 'agent',
      target: 'worker-1',
      type: 'echo',
      payload: { n: 1 },
      caller: 'client:abc',
      idempotencyKey: null,
      mode: 'async',
      state: 'queued',
      maxAttempts: 4,
      backoff: DEFAULT_BACKOFF,
      runAt: null,
      deadlineAt: new Date(now.getTime() + 3_600_000),
      ackTimeoutMs: 1_000,
      heartbeatTimeoutMs: 2_000,
      depth: 2,
      parentId: '0190a0b0-0000-7000-8000-000000000001',
      traceparent: null,
    });
  });

  const cases: { name: string; source: Partial<ReplaySource>; deadlineInMs: number; payload: unknown }[] = [
    {
      name: 'an undefined payload becomes null',
      source: { payload: undefined },
      deadlineInMs: 3_600_000,
      payload: null,
    },
    {
      name: 'a lifetime under a second gets a second',
      source: { deadlineAt: new Date('2026-01-01T00:00:00.100Z') },
      deadlineInMs: 1_000,
      payload: { n: 1 },
    },
  ];
  it.each(cases)('$name', ({ source, deadlineInMs, payload }) => {
    const out = sut(original(source), { id: 'x', now });
    expect(out.deadlineAt).toEqual(new Date(now.getTime() + deadlineInMs));
    expect(out.payload).toEqual(payload);
  });
});
