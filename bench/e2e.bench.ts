/**
 * End-to-end benchmark: Switchyard on real processes (each submit path: NATS,
 * HTTP async, HTTP sync; 1 and 2 dispatchers), and the same no-op workload on
 * graphile-worker and pg-boss on the same Postgres, at fixed offered loads and
 * at saturation; then the ticker's cost on a big ledger. Figures, not
 * pass/fail. Writes reports/bench/<timestamp>/results.json, chart.svg and
 * benchmarks.md (the document as docs/benchmarks.md would have it).
 *
 *   npm run bench                        # the full matrix (~25 min on 2 cores)
 *   npm run bench -- --quick             # a short smoke run (~3 min)
 *   npm run bench -- --warmup 5          # seconds of load left out of the latency figures (default 3; quick: 1)
 *   npm run bench -- --systems switchyard-nats,graphile-worker --rates 1000,max --seconds 10 --dispatchers 1
 *   npm run bench -- --write-docs        # also regenerate docs/benchmarks.md and docs/benchmarks.svg
 *   npm run bench -- --env API_KEY_CACHE_TTL_MS=0 --systems switchyard-http   # a setting under test
 *   npm run bench -- --cpu-prof var/prof --systems switchyard-http --rates max   # gateway, dispatcher and agents CPU profiles
 *   npm run bench -- --metrics var/metrics --systems switchyard-nats --rates 500   # each service's /metrics after the load
 *   npm run bench -- --timeline 250 --systems switchyard-nats --rates 1000   # submit → start per 250 ms of the run
 *   npm run bench -- --repeat 3 --systems switchyard-nats,graphile-worker --rates 1000   # each run 3 times; goals use the median
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { cpuProbeMs, gitCommit, machineFacts } from './lib/machine';
import type { BenchResults, Rate, RunResult } from './lib/stats';
import { PEER_CLIENT, PEER_SETTINGS, PeerName, runPeer } from './peers/peer';
import { chartSvg, markdown } from './report';
import { FLEET, runSwitchyard, SubmitPath } from './switchyard';
import { measureTickerCost } from './ticker-cost';

const ALL_SYSTEMS = ['switchyard-nats', 'switchyard-http', 'switchyard-http-sync', 'graphile-worker', 'pg-boss'];

interface Plan {
  systems: string[];
  rates: Rate[];
  dispatchers: number[];
  seconds: number;
  warmupSeconds: number;
  /** Runs of each system, rate and worker count; the report stands each for the one with the median p99. */
  repeat: number;
  ticker: { rows: number; due: number; rounds: number } | undefined;
}

function plan(values: Record<string, string | boolean | string[] | undefined>): Plan {
  const quick = values.quick === true;
  const list = (v: string | boolean | string[] | undefined, fallback: string) =>
    (typeof v === 'string' ? v : fallback).split(',');
  const systems = list(values.systems, ALL_SYSTEMS.join(','));
  for (const s of systems) if (!ALL_SYSTEMS.includes(s)) throw new Error(`unknown system ${s}`);
  const rates = list(values.rates, quick ? '500,max' : '500,1000,2000,max').map((r) =>
    r === 'max' ? ('max' as const) : Number(r),
  );
  const dispatchers = list(values.dispatchers, quick ? '1' : '1,2').map(Number);
  const seconds = Number(typeof values.seconds === 'string' ? values.seconds : quick ? 3 : 10);
  const warmupSeconds = Number(typeof values.warmup === 'string' ? values.warmup : quick ? 1 : 3);
  const repeat = Number(typeof values.repeat === 'string' ? values.repeat : 1);
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new Error(`--repeat must be a whole number ≥ 1, not ${String(values.repeat)}`);
  const tickerRows = Number(values['ticker-rows'] ?? (quick ? 50_000 : 1_000_000));
  const ticker =
    values['no-ticker'] === true
      ? undefined
      : { rows: tickerRows, due: quick ? 200 : 1_000, rounds: Number(values['ticker-rounds'] ?? (quick ? 2 : 5)) };
  return { systems, rates, dispatchers, seconds, warmupSeconds, repeat, ticker };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      systems: { type: 'string' },
      rates: { type: 'string' },
      dispatchers: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      repeat: { type: 'string' },
      'no-ticker': { type: 'boolean', default: false },
      'ticker-rows': { type: 'string' },
      'ticker-rounds': { type: 'string' },
      'cpu-prof': { type: 'string' },
      metrics: { type: 'string' },
      timeline: { type: 'string' },
      'write-docs': { type: 'boolean', default: false },
      out: { type: 'string' },
      env: { type: 'string', multiple: true },
    },
  });
  const p = plan(values);
  // --env K=V (repeatable): extra environment for every Switchyard service, e.g. a setting under test.
  const serviceEnv = Object.fromEntries(
    (values.env ?? []).map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)]),
  );
  const startedAt = new Date();
  const dir = values.out ?? path.join('reports', 'bench', startedAt.toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const admin = new Pool({ connectionString: server, max: 1 });
  const machine = await machineFacts(admin, natsUrl);
  await admin.end();

  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    commit: gitCommit(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    quick: values.quick === true,
    machine,
    settings: {
      'Switchyard fleet': {
        agents: FLEET.agents,
        'slots each': FLEET.concurrency,
        handler: 'stamp',
        'HTTP requests in flight': 128,
        'NATS publishes in flight': 2000,
      },
      'graphile-worker 0.17': {
        ...PEER_SETTINGS['graphile-worker'],
        'addJob calls in flight': PEER_CLIENT.maxInFlight,
      },
      'pg-boss 10': { ...PEER_SETTINGS['pg-boss'], 'send calls in flight': PEER_CLIENT.maxInFlight },
    },
    runs: [],
  };
  const save = () => {
    results.finishedAt = new Date().toISOString();
    writeFileSync(path.join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  };

  const matrix: (() => Promise<RunResult>)[] = [];
  // Each run with the CPU probe timed just before it, and numbered when repeated (the report takes the median).
  const numbered = (k: number, run: () => Promise<RunResult>) => async (): Promise<RunResult> => {
    const cpuProbe = cpuProbeMs();
    return { ...(await run()), cpuProbeMs: cpuProbe, ...(p.repeat > 1 ? { repeat: k } : {}) };
  };
  // Rate by rate, every system at one rate back to back (and repeats in turns): the machine's speed drifts.
  for (const rate of p.rates) {
    for (let k = 1; k <= p.repeat; k += 1) {
      for (const system of p.systems) {
        if (system.startsWith('switchyard-')) {
          for (const dispatchers of p.dispatchers) {
            const submitPath = system.slice('switchyard-'.length) as SubmitPath;
            const cpuProfDir = values['cpu-prof']
              ? path.join(values['cpu-prof'], `${submitPath}-${rate}-${dispatchers}${p.repeat > 1 ? `-${k}` : ''}`)
              : undefined;
            matrix.push(
              numbered(k, () =>
                runSwitchyard({
                  path: submitPath,
                  rate,
                  seconds: p.seconds,
                  warmupSeconds: p.warmupSeconds,
                  dispatchers,
                  cpuProfDir,
                  env: serviceEnv,
                  metricsDir: values.metrics,
                  timelineMs: values.timeline ? Number(values.timeline) : undefined,
                }),
              ),
            );
          }
        } else {
          matrix.push(
            numbered(k, () =>
              runPeer({ peer: system as PeerName, rate, seconds: p.seconds, warmupSeconds: p.warmupSeconds }),
            ),
          );
        }
      }
    }
  }
  process.stderr.write(
    `benchmark: ${matrix.length} run(s) of ${p.warmupSeconds} s warm-up + ${p.seconds} s measured` +
      `${p.ticker ? ', then the ticker' : ''}; results in ${dir}\n`,
  );
  for (const [i, run] of matrix.entries()) {
    process.stderr.write(`run ${i + 1}/${matrix.length}\n`);
    const r = await run();
    results.runs.push(r);
    save();
    process.stderr.write(
      `  => ${r.system}${r.repeat ? ` #${r.repeat}` : ''} ${r.rate}/s ×${r.workers}: ${r.completed}/${r.submitted} done, ${r.throughput.toFixed(0)}/s, ` +
        `start p50/p99 ${r.toStart.p50.toFixed(1)}/${r.toStart.p99.toFixed(1)} ms, RSS ${JSON.stringify(r.peakRssMb)}\n`,
    );
    if (r.cpuMsPer1000) {
      const total = Object.values(r.cpuMsPer1000).reduce((a, b) => a + b, 0);
      const each = Object.entries(r.cpuMsPer1000).map(([k, ms]) => `${k} ${ms}`);
      process.stderr.write(
        `     CPU ms per 1,000 commands (probe ${r.cpuProbeMs} ms): ${each.join(', ')}; total ${total}\n`,
      );
    }
    if (r.hostWait) {
      const w = r.hostWait;
      process.stderr.write(
        `     host: disk wait ${w.ioWaitPct} %, longest disk stall ${w.longestIoStallMs} ms, steal ${w.stealPct} %\n`,
      );
    }
    if (r.messagesPerCommand) {
      const perStream = Object.entries(r.messagesPerCommand).map(([k, n]) => `${k} ${n.toFixed(2)}`);
      process.stderr.write(`     stream messages per command: ${perStream.join(', ')}\n`);
    }
    for (const [stage, q] of Object.entries(r.stages ?? {})) {
      process.stderr.write(
        `     ${stage} p50/p95/p99 ${q.p50.toFixed(1)}/${q.p95.toFixed(1)}/${q.p99.toFixed(1)} ms\n`,
      );
    }
  }
  if (p.ticker) {
    results.ticker = await measureTickerCost(p.ticker);
  }
  results.machine.cpuProbeMs?.push(cpuProbeMs());
  save();
  writeFileSync(path.join(dir, 'chart.svg'), chartSvg(results));
  writeFileSync(path.join(dir, 'benchmarks.md'), markdown(results, 'chart.svg'));
  if (values['write-docs']) {
    writeFileSync(path.join('docs', 'benchmarks.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(path.join('docs', 'benchmarks.svg'), chartSvg(results));
    writeFileSync(path.join('docs', 'benchmarks.md'), markdown(results, 'benchmarks.svg'));
  }
  process.stderr.write(`wrote ${dir}/results.json, chart.svg, benchmarks.md\n`);
}

// The bench drops its scratch databases WITH (FORCE); an idle connection a library still held there is cut
// (57P01) and reported as an 'error' event nobody listens to. That one is expected; anything else ends the run.
process.on('uncaughtException', (err: Error & { code?: string }) => {
  if (err.code === '57P01') return;
  console.error(err);
  process.exit(1);
});

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
