import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  type AgentStatus,
  enqueueStatus,
  type HeldSummary,
  sameStatus,
  StatusPacer,
  statusFor,
  statusWait,
} from './agent-status';

const A = '0190a4b2-0000-7000-8000-00000000000a';
const B = '0190a4b2-0000-7000-8000-00000000000b';
const run = (commandId: string, type = 'echo'): HeldSummary => ({ commandId, type, running: true });
const wait = (commandId: string, type = 'echo'): HeldSummary => ({ commandId, type, running: false });

describe(statusFor.name, () => {
  const cases: { name: string; closing: boolean; held: HeldSummary[]; expected: AgentStatus }[] = [
    { name: 'nothing held is idle', closing: false, held: [], expected: { phase: 'idle' } },
    {
      name: 'one running command is busy and named',
      closing: false,
      held: [run(A, 'sleep')],
      expected: { phase: 'busy', activity: 'running sleep', commandId: A },
    },
    {
      name: 'one waiting command is busy too (it is accepted)',
      closing: false,
      held: [wait(A)],
      expected: { phase: 'busy', activity: 'waiting to run echo', commandId: A },
    },
    {
      name: 'several commands are counted, none named',
      closing: false,
      held: [run(A), wait(B)],
      expected: { phase: 'busy', activity: '1 running, 1 waiting' },
    },
    { name: 'closing with nothing held is draining', closing: true, held: [], expected: { phase: 'draining' } },
    {
      name: 'closing wins over busy',
      closing: true,
      held: [run(A), run(B)],
      expected: { phase: 'draining', activity: '2 running, 0 waiting' },
    },
    {
      name: 'closing with one command names it',
      closing: true,
      held: [run(A)],
      expected: { phase: 'draining', activity: 'running echo', commandId: A },
    },
  ];

  it.each(cases)('$name', ({ closing, held, expected }) => {
    expect(statusFor(closing, held)).toEqual(expected);
  });

  it('keeps the activity within the schema limit', () => {
    expect(statusFor(false, [run(A, 't'.repeat(500))]).activity?.length).toBe(200);
  });
});

describe(sameStatus.name, () => {
  const cases: { a: AgentStatus | undefined; b: AgentStatus; expected: boolean }[] = [
    { a: undefined, b: { phase: 'idle' }, expected: false },
    { a: { phase: 'idle' }, b: { phase: 'idle' }, expected: true },
    { a: { phase: 'idle' }, b: { phase: 'busy' }, expected: false },
    {
      a: { phase: 'busy', activity: 'x', commandId: A },
      b: { phase: 'busy', activity: 'x', commandId: B },
      expected: false,
    },
    { a: { phase: 'busy', activity: 'x' }, b: { phase: 'busy', activity: 'y' }, expected: false },
    {
      a: { phase: 'busy', activity: 'x', commandId: A },
      b: { phase: 'busy', activity: 'x', commandId: A },
      expected: true,
    },
  ];

  it.each(cases)('%#: $a vs $b → $expected', ({ a, b, expected }) => {
    expect(sameStatus(a, b)).toBe(expected);
  });
});

describe(enqueueStatus.name, () => {
  type S = { phase: string; n: number };
  const s = (phase: string, n: number): S => ({ phase, n });
  const cases: { name: string; queue: S[]; next: S; expected: S[] }[] = [
    { name: 'an empty queue takes the status', queue: [], next: s('busy', 1), expected: [s('busy', 1)] },
    {
      name: 'a new phase is appended',
      queue: [s('busy', 1)],
      next: s('idle', 2),
      expected: [s('busy', 1), s('idle', 2)],
    },
    {
      name: 'the same phase replaces the last one',
      queue: [s('busy', 1)],
      next: s('busy', 2),
      expected: [s('busy', 2)],
    },
    {
      name: 'only the last one is replaced',
      queue: [s('busy', 1), s('idle', 2)],
      next: s('idle', 3),
      expected: [s('busy', 1), s('idle', 3)],
    },
    {
      name: 'beyond the limit the oldest are dropped',
      queue: [s('busy', 1), s('idle', 2), s('busy', 3)],
      next: s('idle', 4),
      expected: [s('idle', 2), s('busy', 3), s('idle', 4)],
    },
  ];

  it.each(cases)('$name', ({ queue, next, expected }) => {
    expect(enqueueStatus(queue, next, 3)).toEqual(expected);
  });
});

type WaitCase = { name: string; last?: { phase: string; at: number }; phase: string; now: number; expected: number };
const at1000 = (phase: string) => ({ phase, at: 1_000 });

describe(statusWait.name, () => {
  const cases: WaitCase[] = [
    { name: 'the first status goes at once', phase: 'idle', now: 1_000, expected: 0 },
    { name: 'idle → draining goes at once', last: at1000('idle'), phase: 'draining', now: 1_001, expected: 0 },
    { name: 'busy → draining goes at once', last: at1000('busy'), phase: 'draining', now: 1_001, expected: 0 },
    { name: 'draining → offline goes at once', last: at1000('draining'), phase: 'offline', now: 1_001, expected: 0 },
    { name: 'offline → idle goes at once', last: at1000('offline'), phase: 'idle', now: 1_001, expected: 0 },
    { name: 'idle → busy soon after waits', last: at1000('idle'), phase: 'busy', now: 1_050, expected: 200 },
    { name: 'busy → idle soon after waits', last: at1000('busy'), phase: 'idle', now: 1_200, expected: 50 },
    {
      name: 'idle → busy after a quiet spell goes at once',
      last: at1000('idle'),
      phase: 'busy',
      now: 5_000,
      expected: 0,
    },
    {
      name: 'a new detail soon after waits out the interval',
      last: at1000('busy'),
      phase: 'busy',
      now: 1_100,
      expected: 150,
    },
    { name: 'a new detail right at the interval goes', last: at1000('busy'), phase: 'busy', now: 1_250, expected: 0 },
    {
      name: 'a clock that went back never waits past the interval',
      last: at1000('busy'),
      phase: 'busy',
      now: 900,
      expected: 350,
    },
  ];
  it.each(cases)('$name', ({ last, phase, now, expected }) => {
    expect(statusWait(last, { phase: phase as AgentStatus['phase'] }, now, 250)).toBe(expected);
  });
});

describe(StatusPacer.name, () => {
  let current: AgentStatus;
  let sent: AgentStatus[];
  let pacer: StatusPacer;
  const busy = (n: number): AgentStatus => ({ phase: 'busy', activity: `${n} running, 0 waiting` });

  beforeEach(() => {
    jest.useFakeTimers();
    current = { phase: 'idle' };
    sent = [];
    pacer = new StatusPacer(
      () => current,
      (s) => sent.push(s),
      250,
    );
  });
  afterEach(() => {
    pacer.stop();
    jest.useRealTimers();
  });

  it('sends the first status and a change after a quiet spell at once, an unchanged status never', () => {
    pacer.update();
    jest.advanceTimersByTime(1_000);
    current = busy(1);
    pacer.update();
    pacer.update();
    expect(sent).toEqual([{ phase: 'idle' }, busy(1)]);
  });

  it('holds new details back and then sends only the newest', () => {
    current = busy(1);
    pacer.update();
    for (let n = 2; n <= 30; n += 1) {
      current = busy(n);
      pacer.update();
      jest.advanceTimersByTime(5);
    }
    expect(sent).toEqual([busy(1)]);
    jest.advanceTimersByTime(250);
    expect(sent).toEqual([busy(1), busy(30)]);
  });

  it('an agent flapping between idle and busy publishes a few times a second, its last status last', () => {
    pacer.update();
    for (let i = 1; i <= 100; i += 1) {
      current = i % 2 ? busy(1) : { phase: 'idle' };
      pacer.update();
      jest.advanceTimersByTime(10);
    }
    expect(sent.length).toBeLessThanOrEqual(1 + Math.ceil(1_000 / 250));
    jest.advanceTimersByTime(250);
    expect(sent.at(-1)).toEqual({ phase: 'idle' });
  });

  it('draining goes at once and drops the held-back status', () => {
    current = busy(1);
    pacer.update();
    current = busy(2);
    pacer.update();
    current = { phase: 'draining' };
    pacer.update();
    jest.advanceTimersByTime(1_000);
    expect(sent).toEqual([busy(1), { phase: 'draining' }]);
  });

  it('a forced update resends the same status (after a reconnect)', () => {
    pacer.update();
    pacer.update(true);
    expect(sent).toEqual([{ phase: 'idle' }, { phase: 'idle' }]);
  });

  it('stop drops what was held back', () => {
    current = busy(1);
    pacer.update();
    current = busy(2);
    pacer.update();
    pacer.stop();
    jest.advanceTimersByTime(1_000);
    expect(sent).toEqual([busy(1)]);
  });
});
