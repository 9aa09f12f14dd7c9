import { describe, expect, it } from '@jest/globals';
import { LocalWorkQueue } from './local-work-queue';

type Op =
  | { op: 'push'; item: string; starts: string[] }
  | { op: 'finish'; item: string; starts: string[] }
  | { op: 'drain'; drained: string[] };

interface Case {
  name: string;
  concurrency: number;
  ops: Op[];
  running: number;
  waiting: number;
}

const cases: Case[] = [
  {
    name: 'starts at once while a slot is free',
    concurrency: 2,
    ops: [
      { op: 'push', item: 'a', starts: ['a'] },
      { op: 'push', item: 'b', starts: ['b'] },
    ],
    running: 2,
    waiting: 0,
  },
  {
    name: 'excess waits',
    concurrency: 1,
    ops: [
      { op: 'push', item: 'a', starts: ['a'] },
      { op: 'push', item: 'b', starts: [] },
      { op: 'push', item: 'c', starts: [] },
    ],
    running: 1,
    waiting: 2,
  },
  {
    name: 'a finish starts the oldest waiting item (FIFO)',
    concurrency: 1,
    ops: [
      { op: 'push', item: 'a', starts: ['a'] },
      { op: 'push', item: 'b', starts: [] },
      { op: 'push', item: 'c', starts: [] },
      { op: 'finish', item: 'a', starts: ['b'] },
      { op: 'finish', item: 'b', starts: ['c'] },
    ],
    running: 1,
    waiting: 0,
  },
  {
    name: 'finishing out of order frees a slot each time',
    concurrency: 2,
    ops: [
      { op: 'push', item: 'a', starts: ['a'] },
      { op: 'push', item: 'b', starts: ['b'] },
      { op: 'push', item: 'c', starts: [] },
      { op: 'push', item: 'd', starts: [] },
      { op: 'finish', item: 'b', starts: ['c'] },
      { op: 'finish', item: 'a', starts: ['d'] },
    ],
    running: 2,
    waiting: 0,
  },
  {
    name: 'finishing with nothing waiting starts nothing',
    concurrency: 3,
    ops: [
      { op: 'push', item: 'a', starts: ['a'] },
      { op: 'finish', item: 'a', starts: [] },
    ],
    running: 0,
    waiting: 0,
  },
  {
    name: 'drain hands back the waiting items in order, leaves running ones',
    concurrency: 1,
    ops: [
      { op: 'push', item: 'a', starts: ['a'] },
      { op: 'push', item: 'b', starts: [] },
      { op: 'push', item: 'c', starts: [] },
      { op: 'drain', drained: ['b', 'c'] },
      { op: 'finish', item: 'a', starts: [] },
    ],
    running: 0,
    waiting: 0,
  },
  {
    name: 'drain with nothing waiting is empty',
    concurrency: 2,
    ops: [
      { op: 'push', item: 'a', starts: ['a'] },
      { op: 'drain', drained: [] },
    ],
    running: 1,
    waiting: 0,
  },
];

describe(LocalWorkQueue.name, () => {
  it.each(cases)('$name', ({ concurrency, ops, running, waiting }) => {
    const sut = new LocalWorkQueue<string>(concurrency);
    for (const step of ops) {
      switch (step.op) {
        case 'push':
          expect(sut.push(step.item)).toEqual(step.starts);
          break;
        case 'finish':
          expect(sut.finish(step.item)).toEqual(step.starts);
          break;
        case 'drain':
          expect(sut.drainWaiting()).toEqual(step.drained);
          break;
      }
      expect(sut.runningCount).toBeLessThanOrEqual(concurrency);
    }
    expect(sut.runningCount).toBe(running);
    expect(sut.waitingCount).toBe(waiting);
  });

  const refusals: { name: string; run: (q: LocalWorkQueue<string>) => void; error: RegExp }[] = [
    { name: 'a duplicate push', run: (q) => [q.push('a'), q.push('a')], error: /already queued/ },
    {
      name: 'a duplicate of a waiting item',
      run: (q) => [q.push('a'), q.push('b'), q.push('b')],
      error: /already queued/,
    },
    { name: 'finishing an unknown item', run: (q) => q.finish('x'), error: /not running/ },
    { name: 'finishing a waiting item', run: (q) => [q.push('a'), q.push('b'), q.finish('b')], error: /not running/ },
  ];

  it.each(refusals)('refuses $name', ({ run, error }) => {
    expect(() => run(new LocalWorkQueue<string>(1))).toThrow(error);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses concurrency %p', (concurrency) => {
    expect(() => new LocalWorkQueue(concurrency)).toThrow(/concurrency/);
  });
});
