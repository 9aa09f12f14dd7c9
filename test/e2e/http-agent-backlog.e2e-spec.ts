import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, inParallel, mintClientKey } from '../support/http';
import { System, testLogDir } from '../support/processes';
import { createTestEnv, TestEnv } from '../support/test-env';
import { waitFor, waitForAgentsOnline } from '../support/wait';

const ACK_TIMEOUT_MS = 1_000;
/** Each command holds the agent's one slot longer than the ack timeout. */
const SLEEP_MS = 1_500;
const COMMANDS = 4;

/**
 * An HTTP agent with one slot, busy with commands longer than the ack timeout,
 * on real processes with the orchestrator ticking. The dispatcher prefetches a
 * second attempt to it, which waits in the ledger past its ack timeout for the
 * agent's slot: the ack-timeout job must release it (no attempt used), not
 * fail it. With one attempt per command, any ack timeout would end a command
 * `failed` without it ever running (decision 020).
 */
describe('an HTTP agent with a backlog longer than the ack timeout, end to end', () => {
  let t: TestEnv;
  let system: System;

  beforeAll(async () => {
    t = await createTestEnv({
      ORCHESTRATOR_TICK_INTERVAL: '200',
      DEFAULT_ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS),
      LOG_LEVEL: 'info',
    });
    system = await System.start(t.env, testLogDir(t.namespace), {
      gateways: 1,
      dispatchers: 1,
      orchestrators: 1,
      agents: { count: 1, concurrency: 1, http: 1 },
    });
    await waitForAgentsOnline(t.pool, 1);
  });

  afterAll(async () => {
    await system?.stop();
    await t?.teardown();
  });

  it('every command runs once and succeeds; the attempts that waited are released, none times out', async () => {
    const key = await mintClientKey(system.gatewayUrl);
    const ids = await inParallel(
      Array.from({ length: COMMANDS }, (_, i) => i),
      COMMANDS,
      async () => {
        const res = await api<{ id: string }>(system.gatewayUrl, 'POST', '/v1/commands', {
          key,
          body: { target: { agent: 'demo-1' }, type: 'sleep', payload: { ms: SLEEP_MS }, maxAttempts: 1 },
        });
        expect(res.status).toBe(202);
        return res.body.id;
      },
    );

    await waitFor(
      'every command to finish',
      async () => {
        const { rows } = await t.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM commands WHERE id = ANY($1) AND finished_at IS NOT NULL`,
          [ids],
        );
        return rows[0].n === COMMANDS;
      },
      { timeoutMs: COMMANDS * SLEEP_MS + 30_000, intervalMs: 200 },
    );

    const { rows: states } = await t.pool.query(`SELECT state, count(*)::int AS n FROM commands GROUP BY state`);
    expect(states).toEqual([{ state: 'succeeded', n: COMMANDS }]);
    const { rows: edges } = await t.pool.query<{ event: string; n: number }>(
      `SELECT event, count(*)::int AS n FROM command_events WHERE event IN ('ack-timeout', 'release', 'accept')
       GROUP BY event ORDER BY event`,
    );
    const count = (event: string) => edges.find((e) => e.event === event)?.n ?? 0;
    // Each command was accepted once: it ran once, on the attempt the agent claimed.
    expect(count('accept')).toBe(COMMANDS);
    expect(count('ack-timeout')).toBe(0);
    // The prefetched attempts outwaited their ack timeout behind a 1.5 s command, and went back to the queue.
    expect(count('release')).toBeGreaterThan(0);
  });
});
