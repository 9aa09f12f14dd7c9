import { describe, expect, it } from '@jest/globals';
import { CommandAborted, CommandFailure, type HandlerContext } from '@switchyard/agent-sdk';
import { delay, demoHandlers } from './demo-handlers';

function context(attempt = 1, signal = new AbortController().signal): HandlerContext {
  return {
    commandId: '0190a4b2-0000-7000-8000-000000000001',
    attempt,
    type: 'test',
    depth: 0,
    caller: 'spec',
    deadlineAt: new Date(Date.now() + 60_000),
    traceparent: '00-0190a4b2000070008000000000000001-8000000000000001-01',
    signal,
    progress: () => Promise.resolve(),
    delegate: () => Promise.reject(new Error('no delegation in this spec')),
    publishEvent: () => Promise.resolve(),
  };
}

describe('demoHandlers', () => {
  const succeeding: {
    name: string;
    type: keyof typeof demoHandlers;
    payload: unknown;
    attempt: number;
    result: unknown;
  }[] = [
    { name: 'echo returns its payload', type: 'echo', payload: { a: [1, 'b'] }, attempt: 1, result: { a: [1, 'b'] } },
    { name: 'echo returns undefined as is', type: 'echo', payload: undefined, attempt: 1, result: undefined },
    {
      name: 'stamp returns its payload with when it began',
      type: 'stamp',
      payload: { sentAt: 1 },
      attempt: 1,
      result: { sentAt: 1, startedAt: expect.any(Number) },
    },
    {
      name: 'stamp with no object payload returns the stamp alone',
      type: 'stamp',
      payload: [1, 2],
      attempt: 1,
      result: { startedAt: expect.any(Number) },
    },
    { name: 'sleep reports how long it slept', type: 'sleep', payload: { ms: 5 }, attempt: 1, result: { slept: 5 } },
    {
      name: 'fail succeeds after its planned failures',
      type: 'fail',
      payload: { times: 2 },
      attempt: 3,
      result: { attempts: 3 },
    },
    { name: 'fail with times 0 never fails', type: 'fail', payload: { times: 0 }, attempt: 1, result: { attempts: 1 } },
    { name: 'fail defaults to one failure', type: 'fail', payload: {}, attempt: 2, result: { attempts: 2 } },
  ];

  it.each(succeeding)('$name', async ({ type, payload, attempt, result }) => {
    await expect(demoHandlers[type](payload, context(attempt))).resolves.toEqual(result);
  });

  it('stamp takes the time as the handler begins', async () => {
    const before = Date.now();
    const { startedAt } = (await demoHandlers.stamp({}, context())) as { startedAt: number };
    expect(startedAt).toBeGreaterThanOrEqual(before);
    expect(startedAt).toBeLessThanOrEqual(Date.now());
  });

  const failing: {
    name: string;
    type: keyof typeof demoHandlers;
    payload: unknown;
    attempt: number;
    code: string;
    retryable: boolean;
  }[] = [
    {
      name: 'fail fails attempt 1 of 2',
      type: 'fail',
      payload: { times: 2 },
      attempt: 1,
      code: 'planned_failure',
      retryable: true,
    },
    {
      name: 'fail fails attempt 2 of 2',
      type: 'fail',
      payload: { times: 2 },
      attempt: 2,
      code: 'planned_failure',
      retryable: true,
    },
    {
      name: 'fail can be final',
      type: 'fail',
      payload: { times: 1, retryable: false },
      attempt: 1,
      code: 'planned_failure',
      retryable: false,
    },
    {
      name: 'fail defaults to one failure',
      type: 'fail',
      payload: null,
      attempt: 1,
      code: 'planned_failure',
      retryable: true,
    },
    {
      name: 'fail refuses a bad payload',
      type: 'fail',
      payload: { times: -1 },
      attempt: 1,
      code: 'invalid_payload',
      retryable: false,
    },
    {
      name: 'sleep refuses a missing ms',
      type: 'sleep',
      payload: {},
      attempt: 1,
      code: 'invalid_payload',
      retryable: false,
    },
    {
      name: 'sleep refuses a negative ms',
      type: 'sleep',
      payload: { ms: -5 },
      attempt: 1,
      code: 'invalid_payload',
      retryable: false,
    },
  ];

  it.each(failing)('$name', async ({ type, payload, attempt, code, retryable }) => {
    const thrown = await demoHandlers[type](payload, context(attempt)).catch((err: unknown) => err);
    expect(thrown).toBeInstanceOf(CommandFailure);
    expect(thrown).toMatchObject({ code, retryable });
  });

  it('sleep stops when its signal is aborted, with the abort reason', async () => {
    const controller = new AbortController();
    const sleeping = demoHandlers.sleep({ ms: 60_000 }, context(1, controller.signal));
    controller.abort(new CommandAborted('cancelled'));
    await expect(sleeping).rejects.toMatchObject({ code: 'cancelled', retryable: false });
  });
});

describe(delay.name, () => {
  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new CommandAborted('deadline'));
    await expect(delay(60_000, controller.signal)).rejects.toMatchObject({ code: 'deadline_exceeded' });
  });

  it('resolves after the delay', async () => {
    await expect(delay(1, new AbortController().signal)).resolves.toBeUndefined();
  });
});

describe('the delegate handler', () => {
  it('delegates count children keyed by parent and index, and returns their ids', async () => {
    const calls: unknown[][] = [];
    const ctx: HandlerContext = {
      ...context(),
      delegate: (...args) => {
        calls.push(args);
        return Promise.resolve({ id: `child-${calls.length}` });
      },
    };
    const result = await demoHandlers.delegate(
      { target: { pool: 'demo' }, type: 'sleep', payload: { ms: 1 }, count: 2 },
      ctx,
    );
    expect(result).toEqual({ children: ['child-1', 'child-2'] });
    expect(calls).toEqual([
      [{ pool: 'demo' }, 'sleep', { ms: 1 }, { idempotencyKey: `${ctx.commandId}:0` }],
      [{ pool: 'demo' }, 'sleep', { ms: 1 }, { idempotencyKey: `${ctx.commandId}:1` }],
    ]);
  });

  it('refuses a payload without a target, for good', async () => {
    await expect(demoHandlers.delegate({ type: 'echo' }, context())).rejects.toMatchObject({
      code: 'invalid_payload',
      retryable: false,
    });
  });
});
