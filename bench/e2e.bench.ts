/**
 * End-to-end benchmark on real processes: gateway, dispatchers, orchestrator
 * and a demo fleet against the local Postgres and NATS. For each scenario it
 * offers commands at a fixed rate (or as fast as it can: "max") for a fixed
 * time, then reports throughput, latency from submit to agent start and to
 * terminal (p50/p95/p99, from the ledger's own timestamps), and peak RSS per
 * service. Figures, not pass/fail.
 *
 *   npm run bench                       # the default matrix
 *   npm run bench -- --scenario nats --rate 1000 --seconds 10 --dispatchers 2
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { subjectsFor } from '@switchyard/messaging';
import { Pool } from 'pg';
import { api, mintClientKey } from '../test/support/http';
import { System, testLogDir } from '../test/support/processes';
import { createTestEnv, TestEnv } from '../test/support/test-env';
import { waitForAgentsOnline } from '../test/support/wait';

type Scenario = 'nats' | 'http';

interface RunSpec {
  scenario: Scenario;
  rate: number | 'max';
  seconds: number;
  dispatchers: number;
}

interface RunResult extends RunSpec {
  submitted: number;
  completed: number;
  throughput: number;
  toStart: Percentiles;
  toTerminal: Percentiles;
  peakRssMb: Record<string, number>;
}

interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

const AGENTS = 8;
const CONCURRENCY = 32;

function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.replace(/\D+/g, '')) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function percentiles(pool: Pool, column: 'accepted_at' | 'finished_at'): Promise<Percentiles> {
  const { rows } = await pool.query<Percentiles>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
     FROM (SELECT extract(epoch FROM ${column}) * 1000 - (payload->>'sentAt')::float8 AS ms
           FROM commands WHERE ${column} IS NOT NULL) d`,
  );
  const r = rows[0];
  return { p50: Number(r.p50), p95: Number(r.p95), p99: Number(r.p99) };
}

async function runOne(spec: RunSpec): Promise<RunResult> {
  const t: TestEnv = await createTestEnv({ LOG_LEVEL: 'warn', ORCHESTRATOR_TICK_INTERVAL: '500' });
  const system = await System.start(t.env, testLogDir(t.namespace), {
    dispatchers: spec.dispatchers,
    agents: { count: AGENTS, concurrency: CONCURRENCY },
  });
  const nc = await connect({ servers: t.natsUrl });
  const peak: Record<string, number> = {};
  const sampler = setInterval(() => {
    for (const p of system.processes) peak[p.name] = Math.max(peak[p.name] ?? 0, rssMb(p.child.pid));
  }, 200);
  try {
    await waitForAgentsOnline(t.pool, AGENTS);
    const key = spec.scenario === 'http' ? await mintClientKey(system.gatewayUrl, 'bench') : '';
    const js = jetstream(nc);
    const subject = subjectsFor(t.namespace).submitToPool('demo');
    const submit = async (): Promise<void> => {
      const body = { type: 'echo', payload: { sentAt: Date.now() } };
      if (spec.scenario === 'nats') {
        await js.publish(subject, JSON.stringify(body), { msgID: randomUUID() });
      } else {
        const res = await api(system.gatewayUrl, 'POST', '/v1/commands', {
          key,
          body: { target: { pool: 'demo' }, ...body },
        });
        if (res.status !== 202) throw new Error(`submit answered ${res.status}`);
      }
    };

    // Offer load: a fixed rate in 10 ms slices, or "max" with 128 submissions in flight. HTTP keeps at most 128
    // requests open (more sockets than that and the client, not the gateway, becomes the subject).
    const maxInFlight = spec.scenario === 'http' ? 128 : 2_000;
    let submitted = 0;
    const started = Date.now();
    const deadline = started + spec.seconds * 1000;
    const inFlight = new Set<Promise<void>>();
    const progress = setInterval(() => {
      process.stderr.write(
        `  ${spec.scenario} ${spec.rate}/s: ${submitted} submitted, ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
      );
    }, 1000);
    while (Date.now() < deadline) {
      const due =
        spec.rate === 'max' ? submitted + 128 - inFlight.size : Math.floor(((Date.now() - started) / 1000) * spec.rate);
      while (submitted < due && inFlight.size < maxInFlight) {
        submitted += 1;
        const p = submit().finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await (spec.rate === 'max' && inFlight.size >= 128
        ? Promise.race(inFlight)
        : new Promise((r) => setTimeout(r, 10)));
    }
    await Promise.all(inFlight);
    clearInterval(progress);

    for (let i = 0; i < 600; i += 1) {
      const { rows } = await t.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM commands WHERE state = 'succeeded'`,
      );
      if (rows[0].n >= submitted) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { rows: span } = await t.pool.query<{ n: number; ms: string }>(
      `SELECT count(*)::int AS n, (extract(epoch FROM max(finished_at)) * 1000 - min((payload->>'sentAt')::float8)) AS ms
       FROM commands WHERE state = 'succeeded'`,
    );
    return {
      ...spec,
      submitted,
      completed: span[0].n,
      throughput: span[0].n / (Number(span[0].ms) / 1000),
      toStart: await percentiles(t.pool, 'accepted_at'),
      toTerminal: await percentiles(t.pool, 'finished_at'),
      peakRssMb: Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, Math.round(v)])),
    };
  } finally {
    clearInterval(sampler);
    await nc.close();
    await system.stop();
    await t.teardown();
  }
}

function format(r: RunResult): string {
  const ms = (p: Percentiles) => `${p.p50.toFixed(1)} / ${p.p95.toFixed(1)} / ${p.p99.toFixed(1)}`;
  const rss = Object.entries(r.peakRssMb)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `| ${r.scenario} | ${r.rate} | ${r.dispatchers} | ${r.completed}/${r.submitted} | ${r.throughput.toFixed(0)} | ${ms(r.toStart)} | ${ms(r.toTerminal)} | ${rss} |`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string', default: '10' },
      dispatchers: { type: 'string' },
    },
  });
  const seconds = Number(values.seconds);
  const matrix: RunSpec[] = values.scenario
    ? [
        {
          scenario: values.scenario as Scenario,
          rate: values.rate === 'max' || !values.rate ? 'max' : Number(values.rate),
          seconds,
          dispatchers: Number(values.dispatchers ?? 1),
        },
      ]
    : (['nats', 'http'] as const).flatMap((scenario) =>
        [1, 2].flatMap((dispatchers) =>
          ([500, 1000, 'max'] as const).map((rate) => ({ scenario, rate, seconds, dispatchers })),
        ),
      );
  process.stderr.write(
    `benchmark: ${matrix.length} run(s) of ${seconds} s, ${AGENTS} agents × ${CONCURRENCY} slots, echo handler\n`,
  );
  console.log(
    '| submit | offered/s | dispatchers | done | commands/s | submit→start ms p50/p95/p99 | submit→terminal ms p50/p95/p99 | peak RSS MB |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const spec of matrix) {
    process.stderr.write(`run: ${spec.scenario} at ${spec.rate}/s with ${spec.dispatchers} dispatcher(s)\n`);
    console.log(format(await runOne(spec)));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
