import { describe, expect, it } from '@jest/globals';
import { DEFAULT_BACKOFF } from '../retry/backoff';
import { childDepth, judgeDepth as sut, limitDepth, MAX_DEPTH_EXCEEDED } from './command-depth';
import { CommandDraft } from './command-draft';

describe(sut.name, () => {
  const cases: { depth: number; max: number; run: boolean }[] = [
    { depth: 0, max: 8, run: true },
    { depth: 7, max: 8, run: true },
    { depth: 8, max: 8, run: true },
    { depth: 9, max: 8, run: false },
    { depth: 50, max: 8, run: false },
    { depth: 0, max: 0, run: true },
    { depth: 1, max: 0, run: false },
  ];
  it.each(cases)('depth $depth under max $max: run=$run', ({ depth, max, run }) => {
    const verdict = sut(depth, max);
    expect(verdict.run).toBe(run);
    if (!verdict.run) {
      expect(verdict.error).toEqual({
        code: MAX_DEPTH_EXCEEDED,
        message: `depth ${depth} exceeds the maximum of ${max}`,
        retryable: false,
      });
    }
  });
});

describe(childDepth.name, () => {
  it.each([
    [0, 1],
    [1, 2],
    [8, 9],
  ])('a cause at %i makes a command at %i', (cause, child) => {
    expect(childDepth(cause)).toBe(child);
  });
});

describe(limitDepth.name, () => {
  const draft = (depth: number, state: CommandDraft['state'] = 'queued'): CommandDraft => ({
    id: '0190a0b0-0000-7000-8000-0000000000aa',
    targetKind: 'pool',
    target: 'p',
    type: 't',
    payload: null,
    traceparent: null,
    caller: 'trigger:x',
    idempotencyKey: 'e',
    mode: 'async',
    state,
    maxAttempts: 3,
    backoff: DEFAULT_BACKOFF,
    runAt: state === 'scheduled' ? new Date('2030-01-01T00:00:00Z') : null,
    deadlineAt: new Date('2030-01-02T00:00:00Z'),
    ackTimeoutMs: 1_000,
    heartbeatTimeoutMs: 1_000,
    depth,
    parentId: null,
  });
  const cases: { name: string; input: CommandDraft; state: CommandDraft['state']; error: boolean }[] = [
    { name: 'queued within the limit: unchanged', input: draft(3), state: 'queued', error: false },
    { name: 'at the limit: unchanged', input: draft(4), state: 'queued', error: false },
    { name: 'past the limit: cancelled', input: draft(5), state: 'cancelled', error: true },
    {
      name: 'scheduled past the limit: cancelled, no run-at',
      input: draft(5, 'scheduled'),
      state: 'cancelled',
      error: true,
    },
  ];
  it.each(cases)('$name', ({ input, state, error }) => {
    const out = limitDepth(input, 4);
    expect(out.state).toBe(state);
    if (error) {
      expect(out).toMatchObject({ runAt: null, error: { code: MAX_DEPTH_EXCEEDED } });
      expect({ ...out, state: input.state, runAt: input.runAt, error: undefined }).toEqual({
        ...input,
        error: undefined,
      });
    } else {
      expect(out).toBe(input);
    }
  });
});
