import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DUE_KINDS, seedDueRows } from '../support/due-rows';
import { expectOneEventPerDueCommand } from '../support/due-rows.expect';
import { System, testLogDir } from '../support/processes';
import { createTestEnv, TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait';

const PER_KIND = 300;
const REPLICAS = 3;

/** Rows each job claims in all: one per seeded row, and publish-due offers each row scheduled-due queued once more. */
const EXPECTED_CLAIMS: Record<string, number> = {
  deadline: PER_KIND,
  'agent-liveness': PER_KIND,
  'ack-timeout': PER_KIND,
  'heartbeat-loss': PER_KIND,
  'scheduled-due': PER_KIND,
  'publish-due': 2 * PER_KIND,
  retention: PER_KIND,
};

/** Sums a labelled Prometheus counter by its `job` label. */
function byJob(metrics: string, name: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const m of metrics.matchAll(new RegExp(`^${name}\\{[^}]*job="([^"]+)"[^}]*\\} (\\d+)`, 'gm'))) {
    sums[m[1]] = (sums[m[1]] ?? 0) + Number(m[2]);
  }
  return sums;
}

/**
 * The replica claim made literal: three real orchestrator processes (built
 * services, `npm run build`) start against the same due rows of every kind.
 * The ledger counts each transition; the processes' own metrics count each
 * claim, summed over the three.
 */
describe('ticker replicas, on real processes', () => {
  let t: TestEnv;
  let system: System;

  beforeAll(async () => {
    t = await createTestEnv({
      ORCHESTRATOR_TICK_INTERVAL: '100',
      ORCHESTRATOR_BATCH_SIZE: '50',
      // No relay of the rows publish-due stamps while the test runs: each claim is counted exactly.
      RELAY_AFTER_MS: '600000',
    });
    // Seeded before the processes start, so that all three find them on their first ticks.
    for (const kind of DUE_KINDS) await seedDueRows(t.pool, kind, PER_KIND);
    system = await System.start(t.env, testLogDir(t.namespace), { gateways: 0, dispatchers: 0, orchestrators: 3 });
  });

  afterAll(async () => {
    await system?.stop();
    await t?.teardown();
  });

  it(`${REPLICAS} orchestrator processes against ${PER_KIND} due rows of each kind: each transition applied once (count the command_events rows)`, async () => {
    const scrape = async () =>
      Promise.all(system.processes.map(async (p) => (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text()));
    const claimedBy = (metrics: string[]) => metrics.map((m) => byJob(m, 'switchyard_ticker_rows_claimed_total'));
    const total = (perProcess: Record<string, number>[]) => {
      const sums: Record<string, number> = {};
      for (const p of perProcess) for (const [job, n] of Object.entries(p)) sums[job] = (sums[job] ?? 0) + n;
      return sums;
    };
    const done = (sums: Record<string, number>) =>
      Object.entries(EXPECTED_CLAIMS).every(([job, n]) => (sums[job] ?? 0) >= n);

    const metrics = await waitFor('every due row claimed', async () => {
      const m = await scrape();
      return done(total(claimedBy(m))) && m;
    });
    // Three more whole ticks of every process over nothing (retention is each tick's last pass): a late
    // second claim would show in the counters now.
    const passes = (m: string[]) => m.map((x) => byJob(x, 'switchyard_ticker_pass_seconds_count').retention ?? 0);
    const before = passes(metrics);
    const settled = await waitFor('three more ticks of every process', async () => {
      const m = await scrape();
      return passes(m).every((n, i) => n >= before[i] + 3) && m;
    });
    const failed = settled.flatMap((m) => Object.values(byJob(m, 'switchyard_ticker_rows_failed_total')));
    expect(failed.reduce((a, b) => a + b, 0)).toBe(0);
    const claims = total(claimedBy(settled));
    expect(Object.fromEntries(Object.keys(EXPECTED_CLAIMS).map((job) => [job, claims[job]]))).toEqual(EXPECTED_CLAIMS);
    expect(total(claimedBy(metrics))).toEqual(claims);
    // The work was shared: every process claimed some rows.
    for (const perProcess of claimedBy(settled)) {
      expect(Object.values(perProcess).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    }

    await expectOneEventPerDueCommand(t.pool, PER_KIND);
    const { rows: left } = await t.pool.query<{ type: string; n: number; published: number }>(
      `SELECT type, count(*)::int AS n, count(published_at)::int AS published FROM commands
       WHERE type IN ('due-retention', 'due-publish-due') GROUP BY 1 ORDER BY 1`,
    );
    expect(left).toEqual([{ type: 'due-publish-due', n: PER_KIND, published: PER_KIND }]);
    const { rows: agents } = await t.pool.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM agents GROUP BY 1`,
    );
    expect(agents).toEqual([{ status: 'offline', n: PER_KIND }]);
  });
});
