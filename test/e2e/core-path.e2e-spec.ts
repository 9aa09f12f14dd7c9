import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream } from '@nats-io/jetstream';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { subjectsFor } from '@switchyard/messaging';
import { commandHistories } from '../support/command-history';
import { readEffects, succeededTwice } from '../support/effects';
import { api, inParallel, mintClientKey } from '../support/http';
import { System, testLogDir } from '../support/processes';
import { createTestEnv, TestEnv } from '../support/test-env';
import { waitFor, waitForAgentsOnline } from '../support/wait';

const TOTAL = 2_000;
const FAST_RETRY = { kind: 'constant', baseMs: 100, maxMs: 100, jitter: false };

/** One in five commands names an agent; the rest go to the pool. */
function targetFor(i: number): { agent: string } | { pool: string } {
  return i % 5 === 1 ? { agent: `demo-${(i % 10) + 1}` } : { pool: 'demo' };
}

/**
 * The core path on real processes: the gateway, two dispatchers, the
 * orchestrator and ten agents; 2,000 commands, half over HTTP and half over
 * NATS, one in ten failing its first attempt. Run with a fleet of SDK agents,
 * then with half the fleet speaking HTTP: the two kinds are interchangeable.
 */
describe.each([
  { fleet: 'ten SDK agents', http: 0 },
  { fleet: 'five SDK and five HTTP agents', http: 5 },
])('core command path, end to end, with $fleet', ({ http }) => {
  let t: TestEnv;
  let system: System;
  let nc: NatsConnection;
  const effectDir = mkdtempSync(path.join(tmpdir(), 'sy-effects-'));

  beforeAll(async () => {
    t = await createTestEnv({ ORCHESTRATOR_TICK_INTERVAL: '200', LOG_LEVEL: 'debug' });
    system = await System.start(t.env, testLogDir(t.namespace), {
      gateways: 1,
      dispatchers: 2,
      orchestrators: 1,
      agents: { count: 10, concurrency: 8, effectLogDir: effectDir, http },
    });
    nc = await connect({ servers: t.natsUrl });
    await waitForAgentsOnline(t.pool, 10);
  });

  afterAll(async () => {
    await nc?.close();
    await system?.stop();
    await t?.teardown();
  });

  it('2,000 commands over HTTP and NATS, 10% failing once: all succeed, none twice, the ledger agrees', async () => {
    const key = await mintClientKey(system.gatewayUrl);
    const js = jetstream(nc);
    const subjects = subjectsFor(t.namespace);
    const plan = Array.from({ length: TOTAL }, (_, i) => ({
      i,
      fails: i % 10 === 0,
      target: targetFor(i),
      viaHttp: i % 2 === 0,
    }));
    const body = (p: (typeof plan)[number]) => ({
      type: p.fails ? 'fail' : 'echo',
      payload: p.fails ? { times: 1, retryable: true } : { i: p.i },
      backoff: FAST_RETRY,
    });

    const httpIds = await inParallel(
      plan.filter((p) => p.viaHttp),
      32,
      async (p) => {
        const res = await api<{ id: string }>(system.gatewayUrl, 'POST', '/v1/commands', {
          key,
          body: { target: p.target, ...body(p) },
        });
        expect(res.status).toBe(202);
        return res.body.id;
      },
    );
    await inParallel(
      plan.filter((p) => !p.viaHttp),
      64,
      async (p) => {
        const subject =
          'agent' in p.target ? subjects.submitToAgent(p.target.agent) : subjects.submitToPool(p.target.pool);
        const ack = await js.publish(subject, JSON.stringify(body(p)), { msgID: randomUUID() });
        expect(ack.duplicate).toBe(false);
      },
    );
    expect(new Set(httpIds).size).toBe(TOTAL / 2);

    await waitFor(
      'every command to finish',
      async () => {
        const { rows } = await t.pool.query<{ done: number; total: number }>(
          `SELECT count(*) FILTER (WHERE state IN ('succeeded','failed','cancelled','expired','stuck'))::int AS done,
                  count(*)::int AS total FROM commands`,
        );
        return rows[0].total === TOTAL && rows[0].done === TOTAL;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );

    const { rows: states } = await t.pool.query(`SELECT state, count(*)::int AS n FROM commands GROUP BY state`);
    expect(states).toEqual([{ state: 'succeeded', n: TOTAL }]);

    // One terminal event and one accepted result per command.
    const { rows: terminal } = await t.pool.query(
      `SELECT count(*)::int AS events, count(DISTINCT command_id)::int AS commands
       FROM command_events WHERE to_state = 'succeeded'`,
    );
    expect(terminal).toEqual([{ events: TOTAL, commands: TOTAL }]);

    // The agents' own effect logs: every command ran to success exactly once.
    const effects = readEffects(effectDir);
    expect(succeededTwice(effects)).toEqual([]);
    expect(new Set(effects.filter((e) => e.outcome === 'succeeded').map((e) => e.commandId)).size).toBe(TOTAL);

    // The failing tenth failed once, then succeeded on attempt 2; every other command ran once, at attempt 1.
    // Any command out of place is printed with its events and log lines (the processes log at debug).
    const stray = await commandHistories(
      t.pool,
      `(type = 'echo' AND attempt <> 1) OR (type = 'fail' AND attempt <> 2)`,
      {
        logDir: testLogDir(t.namespace),
        effectDir,
      },
    );
    expect(stray).toEqual([]);
    const { rows: retried } = await t.pool.query(
      `SELECT type, attempt, count(*)::int AS n FROM commands GROUP BY type, attempt ORDER BY type, attempt`,
    );
    expect(retried).toEqual([
      { type: 'echo', attempt: 1, n: TOTAL - TOTAL / 10 },
      { type: 'fail', attempt: 2, n: TOTAL / 10 },
    ]);
    expect(effects.filter((e) => e.outcome === 'failed')).toHaveLength(TOTAL / 10);
    expect(system.processes.every((p) => p.running)).toBe(true);

    // Each kind of agent did its share.
    const { rows: byTransport } = await t.pool.query<{ transport: string; agents: number; commands: number }>(
      `SELECT a.transport, count(DISTINCT a.id)::int AS agents, count(c.id)::int AS commands
       FROM agents a LEFT JOIN commands c ON c.assigned_agent = a.id GROUP BY a.transport ORDER BY a.transport`,
    );
    const expected = [
      ...(http > 0 ? [{ transport: 'http', agents: http, commands: expect.any(Number) }] : []),
      { transport: 'nats', agents: 10 - http, commands: expect.any(Number) },
    ];
    expect(byTransport).toEqual(expected);
    for (const row of byTransport) expect(row.commands).toBeGreaterThan(TOTAL / 20);
  });
});
