import { describe, expect, it } from '@jest/globals';
import { type AgentStatus, enqueueStatus, type HeldSummary, sameStatus, statusFor } from './agent-status';

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
