/**
 * A burst into a pool smaller than the burst: `--commands` `sleep` commands
 * of `--ms` each, published over NATS at once to a pool of `--agents` agents
 * with `--concurrency` slots each. Most of the burst finds every agent full
 * and waits for a slot, so this measures how soon a freed slot is used: the
 * drain time against the ideal (commands × ms / slots), and submit → start.
 *
 *   npm run bench:burst -- [--commands 400] [--ms 20] [--agents 2] [--concurrency 4] [--dispatchers 1] [--repeat 3]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { subjectsFor } from '@switchyard/messaging';
import { System, testLogDir } from '../test/support/processes';
import { createTestEnv } from '../test/support/test-env';
import { waitFor, waitForAgentsOnline } from '../test/support/wait';
import { percentiles } from './lib/stats';

async function burst(opts: { commands: number; ms: number; agents: number; concurrency: number; dispatchers: number }) {
  const t = await createTestEnv({ LOG_LEVEL: 'warn', DEMO_NARRATE: 'false' });
  const system = await System.start(t.env, testLogDir(t.namespace), {
    dispatchers: opts.dispatchers,
    agents: { count: opts.agents, concurrency: opts.concurrency },
  });
  const nc = await connect({ servers: t.natsUrl });
  try {
    await waitForAgentsOnline(t.pool, opts.agents);
    const js = jetstream(nc);
    const subject = subjectsFor(t.namespace).submitToPool('demo');
    const started = Date.now();
    await Promise.all(
      Array.from({ length: opts.commands }, () =>
        js.publish(subject, JSON.stringify({ type: 'sleep', payload: { ms: opts.ms } }), { msgID: randomUUID() }),
      ),
    );
    let last = -1;
    await waitFor(
      'the burst to finish',
      async () => {
        const { rows } = await t.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM commands WHERE state = 'succeeded'`,
        );
        if (rows[0].n !== last) process.stderr.write(`  burst: ${rows[0].n}/${opts.commands} done\n`);
        last = rows[0].n;
        return rows[0].n === opts.commands;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    const { rows } = await t.pool.query<{ start_ms: number; finished: number }>(
      `SELECT extract(epoch FROM accepted_at - created_at) * 1000 AS start_ms,
              extract(epoch FROM finished_at) * 1000 AS finished
       FROM commands`,
    );
    const drainMs = Math.max(...rows.map((r) => Number(r.finished))) - started;
    const ideal = (opts.commands * opts.ms) / (opts.agents * opts.concurrency);
    return { drainMs, ideal, toAccepted: percentiles(rows.map((r) => Number(r.start_ms))) };
  } finally {
    await nc.close();
    await system.stop();
    await t.teardown();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      commands: { type: 'string', default: '400' },
      ms: { type: 'string', default: '20' },
      agents: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '4' },
      dispatchers: { type: 'string', default: '1' },
      repeat: { type: 'string', default: '1' },
    },
  });
  const opts = {
    commands: Number(values.commands),
    ms: Number(values.ms),
    agents: Number(values.agents),
    concurrency: Number(values.concurrency),
    dispatchers: Number(values.dispatchers),
  };
  process.stdout.write(
    `burst: ${opts.commands} sleep(${opts.ms} ms) commands into ${opts.agents} agents × ${opts.concurrency} slots, ` +
      `${opts.dispatchers} dispatcher(s)\n`,
  );
  for (let i = 1; i <= Number(values.repeat); i += 1) {
    const r = await burst(opts);
    const p = r.toAccepted;
    process.stdout.write(
      `  run ${i}: drained in ${Math.round(r.drainMs)} ms (ideal ${Math.round(r.ideal)} ms, ` +
        `${(r.drainMs / r.ideal).toFixed(2)}×); row → accepted p50/p95/p99 ` +
        `${p.p50.toFixed(0)}/${p.p95.toFixed(0)}/${p.p99.toFixed(0)} ms\n`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
