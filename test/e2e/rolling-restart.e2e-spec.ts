import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, JetStreamClient } from '@nats-io/jetstream';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { subjectsFor } from '@switchyard/messaging';
import { readEffects, succeededTwice } from '../support/effects';
import { inParallel, mintClientKey, submitThroughAnyGateway } from '../support/http';
import { ServiceProcess, System, testLogDir } from '../support/processes';
import { createTestEnv, TestEnv } from '../support/test-env';
import { waitFor, waitForAgentsOnline } from '../support/wait';

const TOTAL = 2_000;
/** Submissions are paced so the run outlasts the whole rolling restart (about 25 s here). */
const SUBMIT_EVERY_MS = 20;
/**
 * On a busy machine the roll can take longer than the paced run: the last
 * RESERVE commands then wait for it, going one per TRICKLE_MS and running
 * TRICKLE_SLEEP_MS each, so the stops still find work in flight.
 */
const RESERVE = 300;
const TRICKLE_MS = 150;
const TRICKLE_SLEEP_MS = 2_000;
const AGENTS_PER_FLEET = 4;
const TERMINAL = `('succeeded','failed','cancelled','expired','stuck')`;
const FAST_RETRY = { kind: 'constant', baseMs: 100, maxMs: 100, jitter: false };

/** What each replica looked like when it was stopped: exit code and the work in flight at that moment. */
interface Step {
  name: string;
  code: number | null;
  inFlight: number;
  /** From SIGTERM to the replacement being ready (shown when an assertion on the steps fails). */
  ms?: number;
}

/**
 * An operator's rolling restart on real processes: two replicas of every
 * service and two agent fleets (one of them half HTTP agents); while 2,000
 * commands arrive over HTTP and NATS, each replica in turn gets SIGTERM, is
 * started again in its place, and must be ready (agents back online) before
 * the next one goes. Every command submitted finishes, exactly once.
 */
describe('rolling restart of every service during a 2,000-command run', () => {
  let t: TestEnv;
  let system: System;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let apiKey: string;
  const effectDir = mkdtempSync(path.join(tmpdir(), 'sy-rolling-'));
  /** Idempotency keys (HTTP) and Nats-Msg-Ids (NATS) of every command the system acknowledged. */
  const acknowledged = new Set<string>();
  const steps: Step[] = [];

  beforeAll(async () => {
    t = await createTestEnv({
      ORCHESTRATOR_TICK_INTERVAL: '200',
      RELAY_AFTER_MS: '2000',
      DISPATCHER_ACK_WAIT_MS: '2000',
      // Eight service processes share one Postgres with the rest of the suite: a small pool each.
      DATABASE_POOL_SIZE: '4',
      LOG_LEVEL: 'info',
    });
    system = await System.start(t.env, testLogDir(t.namespace), { gateways: 2, dispatchers: 2, orchestrators: 2 });
    const common = { count: AGENTS_PER_FLEET, concurrency: 8, effectLogDir: effectDir, heartbeatIntervalMs: 500 };
    system.addAgents('agents-a', { ...common, prefix: 'a-' });
    system.addAgents('agents-b', { ...common, prefix: 'b-', http: AGENTS_PER_FLEET / 2 });
    await waitForAgentsOnline(t.pool, 2 * AGENTS_PER_FLEET);
    nc = await connect({ servers: t.natsUrl });
    js = jetstream(nc);
    apiKey = await mintClientKey(system.gatewayUrl);
  });

  afterAll(async () => {
    await nc?.close();
    await system?.stop();
    await t?.teardown();
  });

  /** One command: even ones over HTTP (through any running gateway), odd ones published on NATS. */
  async function submit(i: number, sleepMs = 150): Promise<void> {
    const key = `roll-${i}`;
    const body = {
      type: i % 10 === 0 ? 'fail' : 'sleep',
      payload: i % 10 === 0 ? { times: 1, retryable: true } : { ms: sleepMs },
      backoff: FAST_RETRY,
    };
    if (i % 2 === 1) {
      await js.publish(subjectsFor(t.namespace).submitToPool('demo'), JSON.stringify(body), { msgID: key });
    } else {
      // Spread over the gateways, as a balancer would; a stopped one sends the request to the next.
      const urls = system.gatewayUrls();
      const preferred = urls[(i / 2) % urls.length];
      await submitThroughAnyGateway(
        () => system.gatewayUrls(),
        apiKey,
        { target: { pool: 'demo' }, idempotencyKey: key, ...body },
        preferred,
      );
    }
    acknowledged.add(key);
  }

  async function inFlight(): Promise<number> {
    const { rows } = await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM commands WHERE state NOT IN ${TERMINAL}`,
    );
    return rows[0].n;
  }

  /** SIGTERM, wait for the exit, start it again in its place and wait until it serves (or its agents are back). */
  async function roll(proc: ServiceProcess): Promise<void> {
    const busy = await inFlight();
    const fleet = proc.env.DEMO_AGENT_PREFIX;
    const before = fleet ? (await sessions(fleet)).map((s) => s.session) : [];
    const stoppedAt = Date.now();
    proc.signal('SIGTERM');
    const code = await proc.exited;
    const step: Step = { name: proc.name, code, inFlight: busy };
    steps.push(step);
    const next = system.restart(proc);
    if (fleet) {
      // Back when every agent of the fleet is online again in a session the old process never had.
      await waitFor(
        `${proc.name} back online`,
        async () => {
          const now = (await sessions(fleet)).filter((s) => s.online);
          return now.length === AGENTS_PER_FLEET && now.every((s) => !before.includes(s.session));
        },
        { timeoutMs: 30_000 },
      );
    } else await next.waitReady();
    step.ms = Date.now() - stoppedAt;
  }

  /** The current session of each agent of a fleet, and whether the agent is online. */
  async function sessions(prefix: string): Promise<{ session: string; online: boolean }[]> {
    const { rows } = await t.pool.query<{ session: string; online: boolean }>(
      `SELECT session_id AS session, status <> 'offline' AS online FROM agents
        WHERE id LIKE $1 AND session_id IS NOT NULL`,
      [`${prefix}%`],
    );
    return rows;
  }

  it('restarts each replica in turn while the commands arrive; every stop is clean', async () => {
    const started = Date.now();
    let rolling = true;
    let trickle = Promise.resolve();
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    const submits = inParallel(
      Array.from({ length: TOTAL }, (_, i) => i),
      32,
      async (i) => {
        const due = started + i * SUBMIT_EVERY_MS;
        if (due > Date.now()) await sleep(due - Date.now());
        if (i < TOTAL - RESERVE || !rolling) return submit(i);
        // The roll is running over: one long command per TRICKLE_MS until it ends.
        const turn = trickle.then(() => sleep(TRICKLE_MS));
        trickle = turn;
        await turn;
        return submit(i, rolling ? TRICKLE_SLEEP_MS : 150);
      },
    );
    // Let the run get going, then roll every service, one replica at a time, in the order docs/operations.md gives.
    await waitFor('the run to be under way', () => acknowledged.size >= 100);
    const order = ['dispatcher', 'orchestrator', 'gateway', 'demo-agents'] as const;
    for (const kind of order) {
      for (const proc of system.processes.filter((p) => p.kind === kind)) await roll(proc);
    }
    const rolledAt = acknowledged.size;
    rolling = false;
    await submits;
    process.stderr.write(`rolling restart steps: ${JSON.stringify(steps)}\n`);

    expect(steps.map((s) => s.name)).toEqual([
      'dispatcher-1',
      'dispatcher-2',
      'orchestrator-1',
      'orchestrator-2',
      'gateway-1',
      'gateway-2',
      'agents-a',
      'agents-b',
    ]);
    expect(steps.filter((s) => s.code !== 0)).toEqual([]);
    // Each replica went down with work in flight, and the restart ended before the run did.
    expect(steps.filter((s) => s.inFlight === 0)).toEqual([]);
    expect(rolledAt).toBeLessThan(TOTAL);
    expect(acknowledged.size).toBe(TOTAL);
  });

  it('nothing lost, nothing doubled: every command succeeded exactly once', async () => {
    await waitFor('every command to be terminal', async () => (await inFlight()) === 0, {
      timeoutMs: 90_000,
      intervalMs: 250,
    });
    // The ledger holds one row per submission (no retry or redelivery made a second), all succeeded.
    const { rows } = await t.pool.query<{ id: string; key: string; state: string }>(
      `SELECT id, idempotency_key AS key, state FROM commands`,
    );
    expect(rows).toHaveLength(TOTAL);
    expect(new Set(rows.map((r) => r.key))).toEqual(acknowledged);
    expect(rows.filter((r) => r.state !== 'succeeded')).toEqual([]);
    // On the agents' side: each ran to success exactly once, and only those commands did.
    const effects = readEffects(effectDir).filter((e) => e.outcome === 'succeeded');
    expect(succeededTwice(effects)).toEqual([]);
    expect(new Set(effects.map((e) => e.commandId))).toEqual(new Set(rows.map((r) => r.id)));
    // Both kinds of agent in both fleets did part of the work, before and after their restart.
    const byFleet = new Set(effects.map((e) => e.agentId.split('-')[0]));
    expect(byFleet).toEqual(new Set(['a', 'b']));
  });
});
