/**
 * Switchyard on real processes (gateway, dispatchers, orchestrator, a demo
 * fleet) against the local Postgres and NATS: one run per submit path and
 * offered load. Latency comes from the ledger's own timestamps against the
 * submit time the client writes into the payload.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { streamsFor, subjectsFor } from '@switchyard/messaging';
import { mintClientKey } from '../test/support/http';
import { System, testLogDir } from '../test/support/processes';
import { createTestEnv, TestEnv } from '../test/support/test-env';
import { waitForAgentsOnline } from '../test/support/wait';
import { CpuMeter, pidsOf, sharedGroups } from './lib/cpu';
import { JsonPoster } from './lib/http-client';
import { offerLoad } from './lib/load';
import { RssSampler } from './lib/rss';
import { Percentiles, percentiles, PERCENTILES_SQL, Rate, RunResult, toPercentiles } from './lib/stats';

export type SubmitPath = 'nats' | 'http' | 'http-sync';

export const FLEET = { agents: 8, concurrency: 32 };

export interface SwitchyardRun {
  path: SubmitPath;
  rate: Rate;
  seconds: number;
  warmupSeconds: number;
  dispatchers: number;
  /** Write CPU profiles of the gateway and dispatchers here (`node --cpu-prof`). */
  cpuProfDir?: string;
  /** Extra environment for every service (e.g. a setting under test). */
  env?: Record<string, string>;
  /** Save each service's /metrics here at the end of the load. */
  metricsDir?: string;
  /** Print submit → start per window of this many ms of submissions (where in the run the tail comes from). */
  timelineMs?: number;
}

/** Each service's Prometheus text as it stands, one file per process. */
async function saveMetrics(system: System, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const p of system.processes.filter((s) => s.port !== undefined)) {
    const res = await fetch(`http://127.0.0.1:${p.port}/metrics`);
    writeFileSync(path.join(dir, `${p.name}.prom`), await res.text());
  }
}

/** Submissions open at once: NATS publishes are cheap; HTTP keeps the client from becoming the subject. */
const IN_FLIGHT: Record<SubmitPath, number> = { nats: 2_000, http: 128, 'http-sync': 128 };

const epochMs = (column: string) => `extract(epoch FROM ${column}) * 1000`;
/** When the agent's handler began (the demo fleet's `stamp`), ms since the epoch. */
const STARTED = `(result->>'startedAt')::float8`;
/**
 * Submit → handler start cut at the ledger's timestamps: into the ledger,
 * claimed, delivered and started by the agent; then how much later the
 * ledger recorded the acceptance (the accept report's trip back).
 */
const STAGES: Record<string, string> = {
  'submit→row': `${epochMs('created_at')} - (payload->>'sentAt')::float8`,
  'row→dispatched': `${epochMs('dispatched_at')} - ${epochMs('created_at')}`,
  'dispatched→handler': `${STARTED} - ${epochMs('dispatched_at')}`,
  'handler→accepted in ledger': `${epochMs('accepted_at')} - ${STARTED}`,
};

/** Submit → start p50, p99 and max per window of submissions, one line each, on stderr. */
async function printTimeline(t: TestEnv, measured: string, windowMs: number, from: number): Promise<void> {
  const latency = `${STARTED} - (payload->>'sentAt')::float8`;
  const { rows } = await t.pool.query<{ w: number; n: number; p50: number; p99: number; max: number }>(
    `SELECT floor(((payload->>'sentAt')::float8 - ${from}) / ${windowMs})::int AS w, count(*)::int AS n,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ${latency}) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ${latency}) AS p99, max(${latency}) AS max
     FROM ${measured} GROUP BY 1 ORDER BY 1`,
  );
  for (const r of rows) {
    const at = ((r.w * windowMs) / 1000).toFixed(2).padStart(6);
    process.stderr.write(
      `     ${at} s  n ${String(r.n).padStart(4)}  start p50 ${Math.round(r.p50)} p99 ${Math.round(r.p99)} max ${Math.round(r.max)} ms\n`,
    );
  }
}

export async function runSwitchyard(run: SwitchyardRun): Promise<RunResult> {
  const t: TestEnv = await createTestEnv({
    LOG_LEVEL: 'warn',
    ORCHESTRATOR_TICK_INTERVAL: '500',
    // The fleet is the no-op workload: its three lines per command would cost ~0.1 ms of CPU per command (agents + this process).
    DEMO_NARRATE: 'false',
    ...run.env,
  });
  const prof = (kind: string) =>
    run.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(run.cpuProfDir, kind)}`] : [];
  const system = await System.start(t.env, testLogDir(t.namespace), {
    dispatchers: run.dispatchers,
    agents: { count: FLEET.agents, concurrency: FLEET.concurrency },
    nodeArgs: { gateway: prof('gateway'), dispatcher: prof('dispatcher'), 'demo-agents': prof('agents') },
  });
  const nc = await connect({ servers: t.natsUrl });
  const rss = new RssSampler(() => system.processes.map((p) => ({ name: p.name, pid: p.child.pid })));
  const cpu = new CpuMeter(() => ({
    ...Object.fromEntries(system.processes.map((p) => [p.name, p.child.pid ? [p.child.pid] : []])),
    'nats-server': pidsOf('nats-server'),
    ...sharedGroups(),
  }));
  let poster: JsonPoster | undefined;
  try {
    await waitForAgentsOnline(t.pool, FLEET.agents);
    const key = run.path === 'nats' ? '' : await mintClientKey(system.gatewayUrl, 'bench');
    const js = jetstream(nc);
    const subject = subjectsFor(t.namespace).submitToPool('demo');
    poster = new JsonPoster(
      new URL(`${system.gatewayUrl}/v1/commands`),
      { authorization: `Bearer ${key}` },
      IN_FLIGHT[run.path],
    );
    const http = poster;
    const submit = async (): Promise<boolean> => {
      const body = { type: 'stamp', payload: { sentAt: Date.now() } };
      if (run.path === 'nats') {
        await js.publish(subject, JSON.stringify(body), { msgID: randomUUID() });
        return true;
      }
      const sync = run.path === 'http-sync';
      const status = await http.post(
        JSON.stringify({ target: { pool: 'demo' }, ...body, ...(sync ? { mode: 'sync' } : {}) }),
      );
      return status === (sync ? 200 : 202);
    };
    const done = async () =>
      (
        await t.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM commands WHERE state IN ('succeeded', 'failed', 'cancelled')`,
        )
      ).rows[0].n;
    const load = await offerLoad({
      label: `switchyard ${run.path} ${run.rate}/s ×${run.dispatchers}`,
      rate: run.rate,
      warmupSeconds: run.warmupSeconds,
      seconds: run.seconds,
      maxInFlight: IN_FLIGHT[run.path],
      submit,
      done,
      drainTimeoutMs: 120_000,
      onWarmedUp: () => cpu.start(done()),
    });
    const { perThousand: cpuMsPer1000, hostWait } = await cpu.stop(load.done);

    type Row = { n: number; p50: number; p95: number; p99: number };
    const ms = (column: string) => `extract(epoch FROM ${column}) * 1000 - (payload->>'sentAt')::float8`;
    // Latencies of the commands submitted after the warm-up only.
    const measured = `commands WHERE state = 'succeeded' AND (payload->>'sentAt')::float8 >= ${load.measuredFrom}`;
    // Agent start: the handler's own stamp, as the peers' workers stamp theirs.
    const start = await t.pool.query<Row>(PERCENTILES_SQL(`${STARTED} - (payload->>'sentAt')::float8`, measured));
    const terminal = await t.pool.query<Row>(PERCENTILES_SQL(ms('finished_at'), measured));
    const stages: Record<string, Percentiles> = {};
    for (const [stage, expr] of Object.entries(STAGES)) {
      const { rows } = await t.pool.query<Row>(PERCENTILES_SQL(expr, measured));
      stages[stage] = toPercentiles(rows[0]);
    }
    if (run.timelineMs) await printTimeline(t, measured, run.timelineMs, load.measuredFrom);
    if (run.metricsDir)
      await saveMetrics(system, path.join(run.metricsDir, `${run.path}-${run.rate}-${run.dispatchers}`));
    // Throughput and message counts cover the whole run, warm-up included.
    const { rows: span } = await t.pool.query<{ n: number; ms: string | null }>(
      `SELECT count(*)::int AS n, extract(epoch FROM max(finished_at)) * 1000 - min((payload->>'sentAt')::float8) AS ms
       FROM commands WHERE state = 'succeeded'`,
    );
    const completed = span[0].n;
    // Messages each stream took in per finished command (last sequence: work queues remove what was acked).
    const jsm = await jetstreamManager(nc);
    const messagesPerCommand: Record<string, number> = {};
    for (const [key, name] of Object.entries(streamsFor(t.namespace))) {
      const info = await jsm.streams.info(name);
      messagesPerCommand[key] = Number(info.state.last_seq) / Math.max(1, completed);
    }
    return {
      system: `switchyard-${run.path}`,
      rate: run.rate,
      seconds: run.seconds,
      warmupSeconds: run.warmupSeconds,
      workers: run.dispatchers,
      submitted: load.submitted,
      refused: load.refused,
      completed,
      throughput: span[0].ms ? completed / (Number(span[0].ms) / 1000) : 0,
      toStart: toPercentiles(start.rows[0]),
      toTerminal: toPercentiles(terminal.rows[0]),
      roundTrip: percentiles(load.roundTrips),
      peakRssMb: rss.stop(),
      peakBacklog: load.peakBacklog,
      stages,
      messagesPerCommand,
      cpuMsPer1000,
      hostWait,
    };
  } finally {
    rss.stop();
    poster?.close();
    await nc.close();
    await system.stop();
    await t.teardown();
  }
}
