import { RandomSource } from '../retry/backoff';
import { Camp, CAMPS } from './debate-state';

/** One agent's sign-up: the camps it volunteers for (non-empty, no duplicates). */
export interface Signup {
  agentId: string;
  camps: readonly Camp[];
}

export type Allocation =
  | {
      ok: true;
      /** The agent holding each camp; three distinct agents. */
      camps: Record<Camp, string>;
      /** The camps filled from sign-ups that had not volunteered for them. */
      backfilled: Camp[];
    }
  | { ok: false; reason: string; missing: Camp[] };

/**
 * Picks one distinct agent per camp.
 *
 * 1. Volunteers first. While a camp is open and has a volunteer not yet
 *    picked, the open camp with the fewest such volunteers is filled next
 *    (ties in the order pro, con, judge) with one of them chosen at random.
 *    Taking the scarcest camp first keeps an agent who volunteered for both a
 *    crowded camp and a scarce one for the scarce one.
 * 2. Backfill. Each camp still open (pro, con, judge order) gets a random
 *    agent among the sign-ups not yet picked, whatever it volunteered for.
 * 3. If a camp is still open, fewer than three distinct agents signed up:
 *    no allocation, and the reason says which camps found nobody.
 *
 * Sign-ups are sorted by agent id first, so the result depends only on the
 * set of sign-ups and the random source, not on the order rows were read.
 * A repeated agent id counts once (its first sign-up).
 */
export function allocate(signups: readonly Signup[], random: RandomSource): Allocation {
  const pool = dedupe(signups).sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0));
  const picked = new Map<Camp, string>();
  const taken = new Set<string>();
  const volunteersFor = (camp: Camp) => pool.filter((s) => !taken.has(s.agentId) && s.camps.includes(camp));

  for (;;) {
    const open = CAMPS.filter((camp) => !picked.has(camp))
      .map((camp) => ({ camp, volunteers: volunteersFor(camp) }))
      .filter((c) => c.volunteers.length > 0);
    if (open.length === 0) break;
    const scarcest = open.reduce((best, c) => (c.volunteers.length < best.volunteers.length ? c : best));
    const agentId = pick(scarcest.volunteers, random).agentId;
    picked.set(scarcest.camp, agentId);
    taken.add(agentId);
  }

  const backfilled: Camp[] = [];
  for (const camp of CAMPS) {
    if (picked.has(camp)) continue;
    const rest = pool.filter((s) => !taken.has(s.agentId));
    if (rest.length === 0) continue;
    const agentId = pick(rest, random).agentId;
    picked.set(camp, agentId);
    taken.add(agentId);
    backfilled.push(camp);
  }

  const missing = CAMPS.filter((camp) => !picked.has(camp));
  if (missing.length > 0) {
    return {
      ok: false,
      missing,
      reason:
        `not enough sign-ups: ${CAMPS.length} distinct agents are needed (pro, con, judge), ` +
        `${pool.length} signed up; nobody left for ${missing.join(', ')}`,
    };
  }
  return {
    ok: true,
    camps: { pro: picked.get('pro')!, con: picked.get('con')!, judge: picked.get('judge')! },
    backfilled,
  };
}

function dedupe(signups: readonly Signup[]): Signup[] {
  const seen = new Set<string>();
  return signups.filter((s) => (seen.has(s.agentId) ? false : (seen.add(s.agentId), true)));
}

function pick<T>(items: readonly T[], random: RandomSource): T {
  const r = random();
  if (!(r >= 0 && r < 1)) throw new Error(`random source returned ${r}, outside [0, 1)`);
  return items[Math.floor(r * items.length)];
}

/**
 * A seeded source for reproducible allocations in tests and simulations: a
 * 32-bit linear congruential generator (the Numerical Recipes constants)
 * whose state is put through an xor-shift-multiply mix before scaling to
 * [0, 1), so that neighbouring seeds give unrelated sequences. Statistically
 * modest; never for secrets.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 16), 0x045d9f3b) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x045d9f3b) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    return x / 4_294_967_296;
  };
}
