import { describe, expect, it } from '@jest/globals';
import { Allocation, allocate as sut, seededRandom, Signup } from './allocator';
import { Camp, CAMPS } from './debate-state';

const su = (agentId: string, ...camps: Camp[]): Signup => ({ agentId, camps });

/** Every allocation must hold: three camps, three distinct agents, each one of the sign-ups. */
function expectWellFormed(result: Allocation, signups: readonly Signup[]): void {
  if (!result.ok) throw new Error(`expected an allocation, got: ${result.reason}`);
  const agents = CAMPS.map((c) => result.camps[c]);
  expect(new Set(agents).size).toBe(3);
  for (const a of agents) expect(signups.map((s) => s.agentId)).toContain(a);
  // A camp is backfilled exactly when its agent did not volunteer for it.
  for (const camp of CAMPS) {
    const volunteered = signups.find((s) => s.agentId === result.camps[camp])!.camps.includes(camp);
    expect(result.backfilled.includes(camp)).toBe(!volunteered);
  }
}

describe(sut.name, () => {
  describe('refusals: fewer than three distinct agents', () => {
    const cases: { name: string; signups: Signup[]; missing: Camp[]; reason: RegExp }[] = [
      {
        name: 'empty',
        signups: [],
        missing: ['pro', 'con', 'judge'],
        reason: /0 signed up; nobody left for pro, con, judge$/,
      },
      {
        name: 'one agent volunteering for everything',
        signups: [su('a', 'pro', 'con', 'judge')],
        missing: ['con', 'judge'],
        reason: /1 signed up; nobody left for con, judge$/,
      },
      {
        name: 'two agents (too few)',
        signups: [su('a', 'pro'), su('b', 'con')],
        missing: ['judge'],
        reason: /2 signed up; nobody left for judge$/,
      },
      {
        name: 'failed backfill: two distinct agents, the same one repeated',
        signups: [su('a', 'judge'), su('b', 'judge'), su('a', 'pro')],
        missing: ['con'],
        reason: /2 signed up; nobody left for con$/,
      },
    ];
    it.each(cases)('$name', ({ signups, missing, reason }) => {
      for (let seed = 1; seed <= 20; seed += 1) {
        const result = sut(signups, seededRandom(seed));
        expect(result).toEqual({ ok: false, missing, reason: expect.stringMatching(reason) });
        if (!result.ok) expect(result.reason).toMatch(/^not enough sign-ups: 3 distinct agents are needed/);
      }
    });
  });

  describe('allocations', () => {
    const cases: {
      name: string;
      signups: Signup[];
      /** Each camp's agent when the choice is forced, whatever the seed. */
      forced?: Record<Camp, string>;
      backfilled?: Camp[];
    }[] = [
      {
        name: 'a single volunteer per camp gets it',
        signups: [su('c', 'judge'), su('a', 'pro'), su('b', 'con')],
        forced: { pro: 'a', con: 'b', judge: 'c' },
        backfilled: [],
      },
      {
        name: 'the scarce camp first: an agent who also volunteered for a crowded camp takes the scarce one',
        signups: [su('a', 'pro', 'judge'), su('b', 'pro'), su('c', 'con')],
        forced: { pro: 'b', con: 'c', judge: 'a' },
        backfilled: [],
      },
      {
        name: 'backfill: nobody volunteered to judge, the remaining sign-up judges',
        signups: [su('a', 'pro'), su('b', 'con'), su('c', 'pro')],
        backfilled: ['judge'],
      },
      {
        name: 'backfill of every camp: all volunteered for one camp only',
        signups: [su('a', 'con'), su('b', 'con'), su('c', 'con'), su('d', 'con')],
        backfilled: ['pro', 'judge'],
      },
      {
        name: 'several volunteers per camp, overlapping',
        signups: [
          su('a', 'pro', 'con'),
          su('b', 'pro'),
          su('c', 'con', 'judge'),
          su('d', 'judge'),
          su('e', 'pro', 'con', 'judge'),
          su('f', 'judge', 'pro'),
        ],
        backfilled: [],
      },
    ];
    it.each(cases)('$name', ({ signups, forced, backfilled }) => {
      for (let seed = 1; seed <= 50; seed += 1) {
        const result = sut(signups, seededRandom(seed));
        expectWellFormed(result, signups);
        if (!result.ok) return;
        if (forced) expect(result.camps).toEqual(forced);
        if (backfilled) expect(result.backfilled).toEqual(backfilled);
      }
    });

    it('several volunteers: each of them is picked for some seed (the pick is random, not first-come)', () => {
      const signups = [su('a', 'pro'), su('b', 'pro'), su('c', 'pro'), su('x', 'con'), su('y', 'judge')];
      const pros = new Set<string>();
      for (let seed = 1; seed <= 60; seed += 1) {
        const result = sut(signups, seededRandom(seed));
        expectWellFormed(result, signups);
        if (result.ok) pros.add(result.camps.pro);
      }
      expect([...pros].sort()).toEqual(['a', 'b', 'c']);
    });

    it('the same seed gives the same allocation, whatever the order of the sign-ups', () => {
      const signups = [
        su('a', 'pro', 'con'),
        su('b', 'pro'),
        su('c', 'judge', 'con'),
        su('d', 'con'),
        su('e', 'judge'),
      ];
      const reversed = [...signups].reverse();
      for (let seed = 1; seed <= 20; seed += 1) {
        expect(sut(reversed, seededRandom(seed))).toEqual(sut(signups, seededRandom(seed)));
      }
    });

    it('large pool: 1,000 sign-ups with random camps, 200 seeds, always three distinct volunteers', () => {
      const random = seededRandom(42);
      const signups = Array.from({ length: 1_000 }, (_, i) => {
        const camps = CAMPS.filter(() => random() < 0.5);
        return su(`agent-${i}`, ...(camps.length ? camps : (['pro'] as Camp[])));
      });
      const seen = new Set<string>();
      for (let seed = 1; seed <= 200; seed += 1) {
        const result = sut(signups, seededRandom(seed));
        expectWellFormed(result, signups);
        if (result.ok) {
          expect(result.backfilled).toEqual([]);
          CAMPS.forEach((c) => seen.add(result.camps[c]));
        }
      }
      // Spread over the pool, not stuck on a few agents.
      expect(seen.size).toBeGreaterThan(300);
    });
  });

  it('refuses a random source outside [0, 1)', () => {
    expect(() => sut([su('a', 'pro')], () => 1)).toThrow(/outside \[0, 1\)/);
  });
});

describe(seededRandom.name, () => {
  it('is reproducible and stays in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const values = Array.from({ length: 1_000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1_000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBe(1_000);
  });
});
