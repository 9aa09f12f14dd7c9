import { describe, expect, it } from '@jest/globals';
import { RecentKeys } from './recent-keys';

describe(RecentKeys.name, () => {
  const cases: { name: string; capacity: number; add: string[]; present: string[]; absent: string[] }[] = [
    { name: 'remembers within capacity', capacity: 3, add: ['a', 'b', 'c'], present: ['a', 'b', 'c'], absent: ['d'] },
    { name: 'forgets the oldest first', capacity: 2, add: ['a', 'b', 'c'], present: ['b', 'c'], absent: ['a'] },
    { name: 're-adding refreshes a key', capacity: 2, add: ['a', 'b', 'a', 'c'], present: ['a', 'c'], absent: ['b'] },
    { name: 'capacity one keeps the newest', capacity: 1, add: ['a', 'b'], present: ['b'], absent: ['a'] },
  ];

  it.each(cases)('$name', ({ capacity, add, present, absent }) => {
    const sut = new RecentKeys(capacity);
    for (const key of add) sut.add(key);
    for (const key of present) expect(sut.has(key)).toBe(true);
    for (const key of absent) expect(sut.has(key)).toBe(false);
    expect(sut.size).toBeLessThanOrEqual(capacity);
  });

  it.each([0, -1, 2.5])('refuses capacity %p', (capacity) => {
    expect(() => new RecentKeys(capacity)).toThrow(/capacity/);
  });
});
