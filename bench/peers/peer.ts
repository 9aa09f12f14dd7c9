/**
 * The same no-op workload on graphile-worker and pg-boss, on the same
 * Postgres: each run gets its own database (created and dropped here), the
 * load generator enqueues from this process with the library's own API, and
 * the worker runs in a child process of its own (plain node) so that its RSS
 * compares with Switchyard's services. Latency: enqueue → handler entry (the
 * worker reports it), enqueue → completion committed (from the database).
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker';
import PgBoss from 'pg-boss';
import { Client, Pool } from 'pg';
import { CpuMeter, sharedGroups } from '../lib/cpu';
import { offerLoad } from '../lib/load';
import { RssSampler } from '../lib/rss';
import { percentiles, PERCENTILES_SQL, Rate, RunResult, toPercentiles } from '../lib/stats';
import { withDatabase } from '../../test/support/test-database';

export type PeerName = 'graphile-worker' | 'pg-boss';

/**
 * Settings, tuned for a no-op workload on 2 cores (docs/benchmarks.md says why).
 * Switchyard's fleet has 8 × 32 slots; the peers get enough concurrency that the
 * handler slots are never what limits them.
 */
export const PEER_SETTINGS = {
  'graphile-worker': {
    GW_CONCURRENCY: 32,
    GW_MAX_POOL_SIZE: 12,
    GW_POLL_INTERVAL_MS: 2000,
    GW_LOCAL_QUEUE_SIZE: 256,
    GW_COMPLETE_BATCH_DELAY_MS: 0,
  },
  'pg-boss': {
    PB_WORKERS: 4,
    PB_BATCH_SIZE: 250,
    PB_POLLING_INTERVAL_S: 0.5,
    PB_MAX_POOL_SIZE: 10,
  },
} as const;

/** Enqueue calls open at once (each is one INSERT round trip), and the enqueuer's pool. */
export const PEER_CLIENT = { maxInFlight: 64, poolSize: 16 };

const SCHEMA: Record<PeerName, string> = { 'graphile-worker': 'graphile_worker', 'pg-boss': 'pgboss' };
const QUEUE = 'noop';

export interface PeerRun {
  peer: PeerName;
  rate: Rate;
  seconds: number;
  warmupSeconds: number;
}

interface Enqueuer {
  enqueue(sentAt: number): Promise<void>;
  /** Completed jobs so far. */
  done(): Promise<number>;
  /** SQL source of (sent_at ms, done_at timestamptz) per completed job. */
  completions: string;
  close(): Promise<void>;
}

/** graphile-worker deletes a job when it completes; a statement trigger records when, for the figures. */
async function graphileEnqueuer(url: string, pool: Pool): Promise<Enqueuer> {
  // Our own pool, so that we end it (and a connection the drop cuts is no crash).
  const pgPool = new Pool({ connectionString: url, max: PEER_CLIENT.poolSize });
  pgPool.on('error', () => undefined);
  pgPool.on('connect', (client) => client.on('error', () => undefined));
  const utils: WorkerUtils = await makeWorkerUtils({ pgPool, schema: SCHEMA['graphile-worker'] });
  await utils.migrate();
  await pool.query(`
    CREATE TABLE bench_done (sent_at float8 NOT NULL, done_at timestamptz NOT NULL);
    CREATE FUNCTION bench_record_done() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO bench_done SELECT (payload->>'sentAt')::float8, clock_timestamp() FROM gone;
      RETURN NULL;
    END $$;
    CREATE TRIGGER bench_done AFTER DELETE ON graphile_worker._private_jobs
      REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION bench_record_done();`);
  return {
    enqueue: async (sentAt) => {
      await utils.addJob(QUEUE, { sentAt });
    },
    done: async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_done')).rows[0].n,
    completions: `(SELECT sent_at, done_at FROM bench_done) c`,
    close: async () => {
      await utils.release();
      await pgPool.end();
    },
  };
}

/** pg-boss keeps a completed job (state 'completed', completed_on) until its retention runs out. */
async function pgBossEnqueuer(url: string, pool: Pool): Promise<Enqueuer> {
  const boss = new PgBoss({
    connectionString: url,
    schema: SCHEMA['pg-boss'],
    max: PEER_CLIENT.poolSize,
    supervise: false,
    schedule: false,
  });
  let closing = false;
  boss.on('error', (err: Error) => {
    if (!closing) process.stderr.write(`pg-boss (enqueuer): ${err.message}\n`);
  });
  await boss.start();
  await boss.createQueue(QUEUE);
  const table = `${SCHEMA['pg-boss']}.job`;
  return {
    enqueue: async (sentAt) => {
      await boss.send(QUEUE, { sentAt });
    },
    done: async () =>
      (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${table} WHERE name = $1 AND state = 'completed'`,
          [QUEUE],
        )
      ).rows[0].n,
    completions: `(SELECT (data->>'sentAt')::float8 AS sent_at, completed_on AS done_at FROM ${table}
                   WHERE name = '${QUEUE}' AND state = 'completed') c`,
    close: () => {
      closing = true;
      return boss.stop({ graceful: false, wait: true, close: true });
    },
  };
}

function startWorker(peer: PeerName, url: string): Promise<ChildProcess> {
  const child = fork(path.join(__dirname, `${peer}.worker.mjs`), [], {
    execArgv: [],
    env: {
      PATH: process.env.PATH ?? '',
      PEER_DATABASE_URL: url,
      PEER_SCHEMA: SCHEMA[peer],
      PEER_QUEUE: QUEUE,
      ...Object.fromEntries(Object.entries(PEER_SETTINGS[peer]).map(([k, v]) => [k, String(v)])),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${peer} worker exited with ${code} before it was ready`)));
    child.on('message', (m: { type?: string }) => {
      if (m.type === 'ready') resolve(child);
    });
  });
}

/** A job's enqueue time (epoch ms) and how long after it the worker's handler began. */
interface Start {
  sentAt: number;
  ms: number;
}

/** Asks the worker for the starts it saw, and resolves once it has exited. */
function stopWorker(child: ChildProcess): Promise<Start[]> {
  return new Promise((resolve) => {
    let starts: Start[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('message', (m: { type?: string; starts?: Start[] }) => {
      if (m.type === 'starts') starts = m.starts ?? [];
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(starts);
    });
    if (child.exitCode === null && child.signalCode === null) child.send({ type: 'stop' });
  });
}

export async function runPeer(run: PeerRun): Promise<RunResult> {
  const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `sy_bench_${run.peer.replace('-', '_')}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: withDatabase(server, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(server, name);
  const pool = new Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  let worker: ChildProcess | undefined;
  let enqueuer: Enqueuer | undefined;
  try {
    enqueuer = run.peer === 'graphile-worker' ? await graphileEnqueuer(url, pool) : await pgBossEnqueuer(url, pool);
    worker = await startWorker(run.peer, url);
    const child = worker;
    const rss = new RssSampler(() => [{ name: run.peer, pid: child.pid }]);
    const cpu = new CpuMeter(() => ({ [run.peer]: child.pid ? [child.pid] : [], ...sharedGroups() }));
    const q = enqueuer;
    const load = await offerLoad({
      label: `${run.peer} ${run.rate}/s`,
      rate: run.rate,
      warmupSeconds: run.warmupSeconds,
      seconds: run.seconds,
      maxInFlight: PEER_CLIENT.maxInFlight,
      submit: async () => {
        await q.enqueue(Date.now());
        return true;
      },
      done: () => q.done(),
      drainTimeoutMs: 120_000,
      onWarmedUp: () => cpu.start(q.done()),
    });
    const { perThousand: cpuMsPer1000, hostWait } = await cpu.stop(load.done);
    const peakRssMb = rss.stop();
    const starts = await stopWorker(child);
    worker = undefined;
    type Row = { n: number; p50: number; p95: number; p99: number };
    // Latencies of the jobs enqueued after the warm-up only; throughput over the whole run.
    const terminal = (
      await pool.query<Row>(
        PERCENTILES_SQL(
          'extract(epoch FROM done_at) * 1000 - sent_at',
          `${enqueuer.completions} WHERE sent_at >= ${load.measuredFrom}`,
        ),
      )
    ).rows[0];
    const { rows: span } = await pool.query<{ n: number; ms: string | null }>(
      `SELECT count(*)::int AS n, extract(epoch FROM max(done_at)) * 1000 - min(sent_at) AS ms
       FROM ${enqueuer.completions}`,
    );
    return {
      system: run.peer,
      rate: run.rate,
      seconds: run.seconds,
      warmupSeconds: run.warmupSeconds,
      workers: 1,
      submitted: load.submitted,
      refused: load.refused,
      completed: span[0].n,
      throughput: span[0].ms ? span[0].n / (Number(span[0].ms) / 1000) : 0,
      toStart: percentiles(starts.filter((s) => s.sentAt >= load.measuredFrom).map((s) => s.ms)),
      toTerminal: toPercentiles(terminal),
      roundTrip: percentiles(load.roundTrips),
      peakRssMb,
      peakBacklog: load.peakBacklog,
      cpuMsPer1000,
      hostWait,
    };
  } catch (err) {
    process.stderr.write(`${run.peer} run failed: ${String(err)}\n`);
    throw err;
  } finally {
    if (worker) await stopWorker(worker);
    await enqueuer?.close().catch(() => undefined);
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
