import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readEffects, succeededTwice } from '../support/effects';
import { inParallel, mintClientKey, submitThroughAnyGateway } from '../support/http';
import { ServiceProcess, System, testLogDir } from '../support/processes';
import { createTestEnv, TestEnv } from '../support/test-env';
import { waitFor, waitForAgentsOnline } from '../support/wait';

/** Commands per phase; each phase stops one kind of service in the middle of its run. */
const PER_PHASE = 300;
/** A clean drain is well under a second here; this leaves room for a loaded machine, below serve()'s 25 s budget. */
const DRAIN_BUDGET_MS = 15_000;
const TERMINAL = `('succeeded','failed','cancelled','expired','stuck')`;

/**
 * SIGTERM to a gateway (with HTTP submits in flight), a dispatcher and an
 * orchestrator, each in the middle of a run of a few hundred commands, then
 * a restart: every accepted command finishes exactly once (the agents'
 * effect logs), and each stopped process exits 0 within its drain budget.
 */
describe('graceful shutdown, end to end', () => {
  let t: TestEnv;
  let system: System;
  let apiKey: string;
  const effectDir = mkdtempSync(path.join(tmpdir(), 'sy-drain-'));
  /** idempotency key → command id, for every submit the gateway accepted (202, or 200 on a replay). */
  const accepted = new Map<string, string>();

  beforeAll(async () => {
    t = await createTestEnv({
      ORCHESTRATOR_TICK_INTERVAL: '200',
      RELAY_AFTER_MS: '2000',
      DISPATCHER_ACK_WAIT_MS: '2000',
      // Seven service processes share one Postgres with other test runs: a small pool each.
      DATABASE_POOL_SIZE: '4',
      LOG_LEVEL: 'info',
    });
    system = await System.start(t.env, testLogDir(t.namespace), { gateways: 2, dispatchers: 2, orchestrators: 2 });
    system.addAgents('agents', { count: 4, concurrency: 8, effectLogDir: effectDir, heartbeatIntervalMs: 500 });
    await waitForAgentsOnline(t.pool, 4);
    apiKey = await mintClientKey(system.gatewayUrl);
  });

  afterAll(async () => {
    await system?.stop();
    await t?.teardown();
  });

  /** Submits through any gateway (first `preferred`), and records the id each key was accepted as. */
  async function submit(key: string, preferred?: string): Promise<void> {
    const body = { target: { pool: 'demo' }, type: 'sleep', payload: { ms: 40 }, idempotencyKey: key };
    const id = await submitThroughAnyGateway(() => system.gatewayUrls(), apiKey, body, preferred);
    expect(accepted.get(key) ?? id).toBe(id);
    accepted.set(key, id);
  }

  async function succeeded(prefix: string): Promise<number> {
    const { rows } = await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM commands WHERE idempotency_key LIKE $1 AND state = 'succeeded'`,
      [`${prefix}-%`],
    );
    return rows[0].n;
  }

  /** SIGTERM; resolves with the exit code and how long the drain took. */
  async function terminate(proc: ServiceProcess): Promise<{ code: number | null; ms: number }> {
    const started = Date.now();
    proc.signal('SIGTERM');
    const code = await proc.exited;
    return { code, ms: Date.now() - started };
  }

  async function restart(proc: ServiceProcess): Promise<void> {
    const kind = proc.name.split('-')[0] as 'gateway' | 'dispatcher' | 'orchestrator';
    const next = await system.add(kind, `${proc.name}-restarted`);
    await next.waitReady();
  }

  it('a gateway stopped with HTTP submits in flight: each exits 0 in budget, nothing accepted is lost', async () => {
    const gateway = system.processes.find((p) => p.name === 'gateway-1')!;
    const url = `http://127.0.0.1:${gateway.port}`;
    let stop: Promise<{ code: number | null; ms: number }> | undefined;
    await inParallel(
      Array.from({ length: PER_PHASE }, (_, i) => i),
      16,
      async (i) => {
        // Stop the gateway once a third went through it: the other submits are in flight or still to come.
        if (i === PER_PHASE / 3) stop = terminate(gateway);
        await submit(`gw-${i}`, url);
      },
    );
    const { code, ms } = await stop!;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(DRAIN_BUDGET_MS);
    await restart(gateway);
  });

  it('a dispatcher stopped mid-run: exits 0 in budget, its peer and its replacement finish the run', async () => {
    const dispatcher = system.processes.find((p) => p.name === 'dispatcher-1')!;
    const submits = inParallel(
      Array.from({ length: PER_PHASE }, (_, i) => i),
      16,
      (i) => submit(`disp-${i}`),
    );
    await waitFor('a third of the run done', async () => (await succeeded('disp')) >= PER_PHASE / 3);
    const { code, ms } = await terminate(dispatcher);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(DRAIN_BUDGET_MS);
    await submits;
    await restart(dispatcher);
  });

  it('an orchestrator stopped mid-run: exits 0 in budget', async () => {
    const orchestrator = system.processes.find((p) => p.name === 'orchestrator-1')!;
    const submits = inParallel(
      Array.from({ length: PER_PHASE }, (_, i) => i),
      16,
      (i) => submit(`orch-${i}`),
    );
    await waitFor('a third of the run done', async () => (await succeeded('orch')) >= PER_PHASE / 3);
    const { code, ms } = await terminate(orchestrator);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(DRAIN_BUDGET_MS);
    await submits;
    await restart(orchestrator);
  });

  it('every accepted command finished exactly once', async () => {
    expect(accepted.size).toBe(3 * PER_PHASE);
    await waitFor(
      'every command to be terminal',
      async () => {
        const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM commands WHERE state NOT IN ${TERMINAL}`);
        return rows[0].n === 0;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // The ledger holds exactly the accepted commands (a retried submit never made a second one), all succeeded.
    const { rows } = await t.pool.query<{ id: string; state: string }>(`SELECT id, state FROM commands`);
    expect(rows.map((r) => r.id).sort()).toEqual([...accepted.values()].sort());
    expect(rows.filter((r) => r.state !== 'succeeded')).toEqual([]);
    // Each ran to success exactly once on the agents.
    const effects = readEffects(effectDir).filter((e) => e.outcome === 'succeeded');
    expect(succeededTwice(effects)).toEqual([]);
    expect(new Set(effects.map((e) => e.commandId))).toEqual(new Set(accepted.values()));
  });
});
