/**
 * Scan cost of the ticker's claims on a big ledger. Fills a scratch database
 * with a realistic 1,000,000-command ledger (mostly terminal, every row
 * younger than the retention period; generate_series on the server, in
 * chunks, with progress), adds 1,000 due rows per job, then for every job:
 *
 * - EXPLAIN (ANALYZE, BUFFERS) of its claim, run through the job's own claim
 *   function (the SQL text of command-sweep.sql.ts / agent.sql.ts, with the
 *   job's own parameters) inside a transaction that is rolled back;
 * - the wall time of each DueRunner pass (claim, apply, commit) until the
 *   job's due rows are drained, and of one pass more that finds nothing.
 *
 *   TS_NODE_TRANSPILE_ONLY=true TS_NODE_PROJECT=tsconfig.json \
 *     node -r ts-node/register -r tsconfig-paths/register bench/ticker-explain.ts [--rows 1000000] [--due 1000] [--keep]
 *
 * DATABASE_URL names the server (default postgres://postgres@127.0.0.1:5432/postgres);
 * the scratch database is sy_bench_ticker, dropped at the end unless --keep.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import { migrate, Queryable } from '@switchyard/persistence';
import { Client, Pool, PoolClient } from 'pg';
import type { DueJob } from '../apps/orchestrator/src/runner/due-job';
import { DueRunner } from '../apps/orchestrator/src/runner/due-runner';
import { DUE_KINDS, DueKind, seedDueRows } from '../test/support/due-rows';
import { jobs, RELAY_AFTER_MS } from '../test/support/ticker';
import { withDatabase } from '../test/support/test-database';

const SCRATCH = 'sy_bench_ticker';
const CHUNK = 100_000;
export const BATCH = 200;

/** Which job drains which kind of due row. */
export const JOB_OF: Record<DueKind, DueJob<unknown>> = {
  deadline: jobs.deadline,
  'agent-liveness': jobs.agentLiveness,
  'ack-timeout': jobs.ackTimeout,
  'heartbeat-loss': jobs.heartbeatLoss,
  'scheduled-due': jobs.scheduledDue,
  'publish-due': jobs.publishDue,
  retention: jobs.retention,
};

/** Runs one statement on the server's `postgres` database (creating and dropping databases). */
async function onServer(server: string, sql: string): Promise<void> {
  const admin = new Client({ connectionString: withDatabase(server, 'postgres') });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * A new, migrated scratch database `name` on the server of DATABASE_URL (a
 * leftover of that name is dropped first): its URL, and how to drop it.
 */
export async function scratchDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const drop = () => onServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await drop();
  await onServer(server, `CREATE DATABASE ${name}`);
  const url = withDatabase(server, name);
  await migrate(url);
  return { url, drop };
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/**
 * Row g of n is created at $3 + g * $4 ms (spread over the last 7 days) with a
 * time-ordered, UUIDv7-shaped id: ids grow with g, as the gateway's do, so the
 * primary key is appended to. `uuidAt(g)` is that id, in SQL.
 */
const uuidAt = (g: string) =>
  `(lpad(to_hex($3::bigint + ((${g}) * $4::float8)::bigint), 12, '0') || '7' || substr(md5((${g})::text), 1, 3)
     || '8' || substr(md5((${g})::text), 4, 15))::uuid`;

/**
 * The ledger's steady state, by g % 1000: 96% terminal (85% succeeded, 5%
 * failed, 3% cancelled, 2% expired, 1% stuck), all finished within the
 * retention period; the rest scheduled for later, parked, waiting for a
 * retry, just published, or held by an agent with a live lease. One command
 * in a hundred is the child of the one before it.
 */
const FILL_CHUNK = `
  WITH c AS (
  INSERT INTO commands (id, target_kind, target, type, payload, payload_preview, caller, mode, state, attempt,
    max_attempts, backoff, run_at, available_at, published_at, deadline_at, ack_timeout_ms, heartbeat_timeout_ms,
    lease_expires_at, assigned_agent, dispatched_at, accepted_at, last_heartbeat_at, finished_at, result, error,
    depth, parent_id, created_at, updated_at)
  SELECT ${uuidAt('g')}, s.target_kind, s.target, 'task.' || (g % 7), jsonb_build_object('n', g), '{"n":' || g || '}',
    'client:' || (g % 20), 'async', s.state, s.attempt, 3, '{"kind":"exponential","baseMs":1000,"maxMs":60000,"jitter":true}',
    s.run_at, s.available_at, s.published_at,
    CASE WHEN s.terminal THEN t + interval '6 hours' ELSE coalesce(s.run_at, now()) + interval '6 hours' END, 10000, 30000,
    s.lease, s.agent, s.dispatched, s.accepted, s.dispatched, CASE WHEN s.terminal THEN t + interval '2 seconds' END,
    CASE s.state WHEN 'succeeded' THEN '{"ok":true}'::jsonb END,
    CASE WHEN s.state IN ('failed', 'expired', 'stuck', 'cancelled') THEN jsonb_build_object('code', s.state) END,
    CASE WHEN g % 100 = 1 AND g > 1 THEN 1 ELSE 0 END, CASE WHEN g % 100 = 1 AND g > 1 THEN ${uuidAt('g - 1')} END,
    t, t
  FROM generate_series($1::bigint, $2::bigint) g
  CROSS JOIN LATERAL (SELECT to_timestamp(($3::bigint + (g * $4::float8)::bigint) / 1000.0) AS t, g % 1000 AS k) x
  CROSS JOIN LATERAL (
    SELECT
      CASE WHEN k < 850 THEN 'succeeded' WHEN k < 900 THEN 'failed' WHEN k < 930 THEN 'cancelled'
           WHEN k < 950 THEN 'expired' WHEN k < 960 THEN 'stuck' WHEN k < 970 THEN 'scheduled'
           WHEN k < 982 THEN 'queued' WHEN k < 991 THEN 'dispatched' ELSE 'running' END AS state,
      k < 960 AS terminal,
      CASE WHEN k % 3 = 0 THEN 'pool' ELSE 'agent' END AS target_kind,
      CASE WHEN k % 3 = 0 THEN 'pool-' || (g % 10) ELSE 'agent-' || (g % 500) END AS target,
      CASE WHEN k < 960 OR k BETWEEN 975 AND 979 OR k >= 982 THEN 1 ELSE 0 END AS attempt,
      CASE WHEN k BETWEEN 960 AND 969 THEN now() + interval '1 hour' + (g % 10080) * interval '1 minute' END AS run_at,
      CASE WHEN k BETWEEN 960 AND 969 THEN now() + interval '1 hour' + (g % 10080) * interval '1 minute'
           WHEN k BETWEEN 970 AND 974 THEN 'infinity'::timestamptz
           WHEN k BETWEEN 975 AND 979 THEN now() + (g % 60) * interval '1 second'
           WHEN k BETWEEN 980 AND 981 THEN now() - interval '2 seconds'
           ELSE t END AS available_at,
      CASE WHEN k BETWEEN 975 AND 979 OR k BETWEEN 960 AND 969 THEN NULL
           WHEN k BETWEEN 980 AND 981 THEN now() - interval '2 seconds' ELSE t END AS published_at,
      CASE WHEN k >= 982 THEN 'agent-' || (g % 500) END AS agent,
      CASE WHEN k >= 982 THEN now() - interval '5 seconds' WHEN k < 960 THEN t + interval '1 second' END AS dispatched,
      CASE WHEN k >= 991 THEN now() - interval '4 seconds' WHEN k < 960 THEN t + interval '1 second' END AS accepted,
      CASE WHEN k BETWEEN 982 AND 990 THEN now() + interval '10 seconds'
           WHEN k >= 991 THEN now() + interval '30 seconds' END AS lease
  ) s
  RETURNING id, state, attempt, assigned_agent, created_at, updated_at)
  -- Two events a command: submit, then its latest transition.
  INSERT INTO command_events (command_id, attempt, event, from_state, to_state, agent_id, at)
  SELECT c.id, e.attempt, e.event, e.from_state, e.to_state, c.assigned_agent, e.at
  FROM c CROSS JOIN LATERAL (VALUES
    (0, 'submit', NULL, CASE c.state WHEN 'scheduled' THEN 'scheduled' ELSE 'queued' END, c.created_at),
    (c.attempt, 'latest', 'running', c.state, c.updated_at)) e(attempt, event, from_state, to_state, at)`;

/**
 * Rows in flight get their clocks set relative to the start of the
 * measurement, so that only the seeded rows are due while it runs: leases
 * minutes ahead, the "just published" backlog published now, retries waiting
 * minutes ahead.
 */
export const FRESHEN = `
  UPDATE commands SET
    lease_expires_at = CASE WHEN state IN ('dispatched', 'running')
      THEN now() + interval '5 minutes' + (abs(hashtext(id::text)) % 600) * interval '1 second' END,
    published_at = CASE WHEN state = 'queued' AND published_at IS NOT NULL THEN now() ELSE published_at END,
    available_at = CASE WHEN state = 'queued' AND published_at IS NOT NULL AND available_at <> 'infinity'
        THEN now() - interval '1 second'
      WHEN state = 'queued' AND published_at IS NULL AND available_at <> 'infinity'
        THEN now() + interval '10 minutes' + (abs(hashtext(id::text)) % 600) * interval '1 second'
      ELSE available_at END
  WHERE type LIKE 'task.%' AND state IN ('queued', 'dispatched', 'running')`;

/** When FRESHEN ran: the relay delay (30 s) must not pass before the measurement ends. */
let freshenedAt = 0;

export async function fill(pool: Pool, rows: number, due: number): Promise<void> {
  const started = performance.now();
  const spanMs = 7 * 86_400_000 - 3_660_000;
  const startMs = Date.now() - 7 * 86_400_000 + 3_600_000;
  for (let lo = 1; lo <= rows; lo += CHUNK) {
    const hi = Math.min(rows, lo + CHUNK - 1);
    await pool.query(FILL_CHUNK, [lo, hi, startMs, spanMs / rows]);
    process.stdout.write(
      `\r  commands (2 events each) ${hi.toLocaleString('en')} / ${rows.toLocaleString('en')}  (${seconds(started)} s)`,
    );
  }
  process.stdout.write('\n');
  // Dead letters of every failed, expired and stuck row; resolved when older than two days.
  await pool.query(
    `INSERT INTO dead_letters (command_id, reason, type, target, attempt, error, created_at, resolved_at)
     SELECT id, state, type, target, attempt, error, finished_at,
       CASE WHEN finished_at < now() - interval '2 days' THEN finished_at + interval '1 day' END
     FROM commands WHERE state IN ('failed', 'expired', 'stuck')`,
  );
  // The fleet: 10,000 agents that went away, 4,000 live ones heart-beating.
  await pool.query(
    `INSERT INTO agents (id, name, pools, status, session_id, last_heartbeat_at)
     SELECT 'agent-' || g, 'agent ' || g, ARRAY['pool-' || (g % 10)],
       CASE WHEN g < 4000 THEN 'idle' ELSE 'offline' END, 's' || g,
       CASE WHEN g < 4000 THEN now() - (g % 10) * interval '1 second' ELSE now() - interval '3 days' END
     FROM generate_series(0, 13999) g`,
  );
  console.log(`  dead letters and 14,000 agents  (${seconds(started)} s)`);
  for (const kind of DUE_KINDS) await seedDueRows(pool, kind, due);
  // Retention must read past these on every pass: old, failed, dead letter never resolved.
  await pool.query(
    `INSERT INTO commands (id, target_kind, target, type, caller, state, attempt, max_attempts, backoff, available_at,
       deadline_at, ack_timeout_ms, heartbeat_timeout_ms, finished_at, error)
     SELECT gen_random_uuid(), 'agent', 'agent-1', 'held', 'client:1', 'failed', 3, 3, '{}', now() - interval '30 days',
       now() - interval '29 days', 10000, 30000, now() - interval '8 days' - g * interval '1 minute', '{"code":"failed"}'
     FROM generate_series(1, $1) g`,
    [due / 2],
  );
  await pool.query(
    `INSERT INTO dead_letters (command_id, reason, type, target, attempt, created_at)
     SELECT id, 'failed', type, target, attempt, finished_at FROM commands WHERE type = 'held'`,
  );
  console.log(
    `  ${due.toLocaleString('en')} due rows per job, ${due / 2} held by open dead letters  (${seconds(started)} s)`,
  );
  const { rowCount: fresh } = await pool.query(FRESHEN);
  freshenedAt = performance.now();
  console.log(`  ${fresh} rows in flight re-stamped relative to now  (${seconds(started)} s)`);
  await pool.query('VACUUM ANALYZE commands, command_events, dead_letters, agents');
  console.log(`  vacuum analyze  (${seconds(started)} s)`);
}

/** Runs the job's own claim with its own parameters, but as EXPLAIN (ANALYZE, BUFFERS); rolled back. */
async function explainClaim(pool: Pool, job: DueJob<unknown>): Promise<string[]> {
  const client = await pool.connect();
  const plan: string[] = [];
  const explaining: Queryable = {
    async query(text: string, values?: unknown[]) {
      const result = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
      plan.push(...result.rows.map((r) => r['QUERY PLAN']));
      return { rows: [], rowCount: 0 };
    },
  };
  try {
    await client.query('BEGIN');
    await job.claim(explaining as PoolClient, new Date(), BATCH);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
  return plan;
}

export interface Timing {
  job: string;
  passes: { claimed: number; ms: number }[];
  emptyMs: number;
}

/** Passes until the job's batch comes back short, then one that finds nothing. */
export async function timePasses(runner: DueRunner, job: DueJob<unknown>): Promise<Timing> {
  const passes: Timing['passes'] = [];
  for (;;) {
    const t0 = performance.now();
    const { claimed } = await runner.pass(job);
    if (claimed === 0) return { job: job.name, passes, emptyMs: performance.now() - t0 };
    passes.push({ claimed, ms: performance.now() - t0 });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      due: { type: 'string', default: '1000' },
      keep: { type: 'boolean', default: false },
    },
  });
  const rows = Number(values.rows);
  const due = Number(values.due);
  Logger.overrideLogger(['error', 'fatal']);
  const { url, drop } = await scratchDatabase(SCRATCH);

  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    console.log(`Filling ${SCRATCH}: ${rows.toLocaleString('en')} commands, then ${due} due rows per job`);
    await fill(pool, rows, due);
    const { rows: sizes } = await pool.query<{ relname: string; n: string; size: string }>(
      `SELECT c.relname, c.reltuples::bigint AS n, pg_size_pretty(pg_relation_size(c.oid)) AS size FROM pg_class c
       WHERE c.relname IN ('commands', 'command_events', 'dead_letters', 'agents', 'commands_retention',
         'commands_open_deadline', 'commands_lease', 'commands_queued_available', 'commands_scheduled_due',
         'agents_live_heartbeat') ORDER BY c.relkind DESC, c.relname`,
    );
    const { rows: version } = await pool.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    console.log(`\nPostgreSQL ${version[0].v}; relations (estimated rows, size):`);
    for (const s of sizes)
      console.log(`  ${s.relname.padEnd(28)} ${Number(s.n).toLocaleString('en').padStart(10)}  ${s.size}`);

    for (const kind of DUE_KINDS) {
      const job = JOB_OF[kind];
      console.log(`\n=== ${job.name}: EXPLAIN (ANALYZE, BUFFERS) of its claim, ${due} due ===`);
      for (const line of await explainClaim(pool, job)) console.log(line);
    }

    const runner = new DueRunner(pool, Object.values(JOB_OF), { tickIntervalMs: 1_000, batchSize: BATCH }, () =>
      Promise.resolve(),
    );
    console.log(`\n=== runner passes (batch ${BATCH}; claim + apply + commit; sink is a no-op) ===`);
    for (const kind of DUE_KINDS) {
      const timing = await timePasses(runner, JOB_OF[kind]);
      const perPass = timing.passes.map((p) => p.ms);
      const claimed = timing.passes.reduce((n, p) => n + p.claimed, 0);
      const fmt = (n: number) => n.toFixed(1);
      console.log(
        `${timing.job.padEnd(15)} ${String(claimed).padStart(5)} rows in ${timing.passes.length} passes: ` +
          `per pass min ${fmt(Math.min(...perPass))} / median ${fmt(perPass.sort((a, b) => a - b)[perPass.length >> 1])} / ` +
          `max ${fmt(Math.max(...perPass))} ms, ${fmt(perPass.reduce((a, b) => a + b, 0) / claimed)} ms per row; ` +
          `empty pass ${fmt(timing.emptyMs)} ms`,
      );
    }
    const since = (performance.now() - freshenedAt) / 1000;
    console.log(
      since < RELAY_AFTER_MS / 1000
        ? `(done ${since.toFixed(1)} s after the re-stamp: only the seeded rows came due)`
        : `WARNING: done ${since.toFixed(1)} s after the re-stamp; the just-published backlog came due for the relay`,
    );
  } finally {
    await pool.end();
    if (!values.keep) await drop();
  }
}

// Run as a script; bench/ticker-cost.ts imports the fill and the pass timing from here.
if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
