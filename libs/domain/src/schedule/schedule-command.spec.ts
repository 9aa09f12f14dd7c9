import { describe, expect, it } from '@jest/globals';
import { CommandDefaults } from '../command/command-draft';
import { DEFAULT_BACKOFF } from '../retry/backoff';
import { draftFiredCommand as sut, fireKey, scheduleCaller, ScheduledCommand } from './schedule-command';

const defaults: CommandDefaults = {
  maxAttempts: 3,
  ackTimeoutMs: 10_000,
  heartbeatTimeoutMs: 30_000,
  deadlineMs: 21_600_000,
};
const now = new Date('2026-01-01T12:00:00.250Z');
const fireTime = new Date('2026-01-01T12:00:00.000Z');
const command = (options: ScheduledCommand['options'] = {}): ScheduledCommand => ({
  target: { kind: 'pool', name: 'reports' },
  type: 'report.daily',
  payload: { format: 'pdf' },
  options,
});
const ctx = {
  scheduleId: '0190a0b0-0000-7000-8000-000000000001',
  fireTime,
  id: '0190a0b0-0000-7000-8000-0000000000aa',
  defaults,
  now,
};

describe(sut.name, () => {
  it('is an async, queued command of the schedule, keyed by its fire time', () => {
    expect(sut(command(), ctx)).toEqual({
      ok: true,
      draft: {
        id: ctx.id,
        targetKind: 'pool',
        target: 'reports',
        type: 'report.daily',
        payload: { format: 'pdf' },
        caller: 'schedule:0190a0b0-0000-7000-8000-000000000001',
        idempotencyKey: '2026-01-01T12:00:00.000Z',
        mode: 'async',
        state: 'queued',
        maxAttempts: 3,
        backoff: DEFAULT_BACKOFF,
        runAt: null,
        deadlineAt: new Date(now.getTime() + defaults.deadlineMs),
        ackTimeoutMs: 10_000,
        heartbeatTimeoutMs: 30_000,
        depth: 0,
        parentId: null,
        traceparent: null,
      },
    });
  });

  const options: { name: string; options: ScheduledCommand['options']; expected: Record<string, unknown> }[] = [
    { name: 'maxAttempts', options: { maxAttempts: 7 }, expected: { maxAttempts: 7 } },
    {
      name: 'timeouts',
      options: { ackTimeoutMs: 500, heartbeatTimeoutMs: 900 },
      expected: { ackTimeoutMs: 500, heartbeatTimeoutMs: 900 },
    },
    {
      name: 'deadline counted from creation',
      options: { deadlineMs: 60_000 },
      expected: { deadlineAt: new Date(now.getTime() + 60_000) },
    },
    {
      name: 'backoff over the defaults',
      options: { backoff: { kind: 'constant', baseMs: 200, maxMs: 200, jitter: false } },
      expected: { backoff: { kind: 'constant', baseMs: 200, maxMs: 200, jitter: false } },
    },
  ];
  it.each(options)('applies the schedule option: $name', ({ options: given, expected }) => {
    const result = sut(command(given), ctx);
    expect(result.ok && result.draft).toMatchObject(expected);
  });

  it('refuses what a submitted command would refuse, naming the field', () => {
    expect(sut(command({ backoff: { baseMs: 5_000, maxMs: 1_000 } }), ctx)).toEqual({
      ok: false,
      field: 'backoff.maxMs',
      message: 'must be at least baseMs',
    });
  });

  it('two fire times of one schedule get two keys; the same fire time always the same key', () => {
    expect(scheduleCaller('s1')).toBe('schedule:s1');
    expect(fireKey(new Date('2026-01-01T12:00:01Z'))).not.toBe(fireKey(fireTime));
    expect(fireKey(new Date(fireTime.getTime()))).toBe(fireKey(fireTime));
  });
});
