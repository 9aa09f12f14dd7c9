/**
 * Turns a benchmark's results JSON into its chart (SVG) and into
 * docs/benchmarks.md, so the document is reproducible from the JSON alone:
 *
 *   npm run bench:report -- reports/bench/<timestamp>/results.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lineChart, Series } from './lib/svg';
import { type BenchResults, medianRun, type Percentiles, type Rate, type RunResult } from './lib/stats';

const SYSTEMS: { system: string; label: string; color: string }[] = [
  { system: 'switchyard-nats', label: 'Switchyard, NATS submit', color: '#1f77b4' },
  { system: 'switchyard-http', label: 'Switchyard, HTTP async', color: '#2ca02c' },
  { system: 'switchyard-http-sync', label: 'Switchyard, HTTP sync', color: '#17becf' },
  { system: 'graphile-worker', label: 'graphile-worker', color: '#d62728' },
  { system: 'pg-boss', label: 'pg-boss', color: '#9467bd' },
];

const rateLabel = (r: Rate) => (r === 'max' ? 'saturation' : String(r));
/** The system's name, with the run's number when it was repeated. */
const systemLabel = (r: RunResult) => (r.repeat ? `${r.system} #${r.repeat}` : r.system);

function categories(runs: RunResult[]): Rate[] {
  const fixed = [...new Set(runs.map((r) => r.rate).filter((r): r is number => r !== 'max'))].sort((a, b) => a - b);
  return runs.some((r) => r.rate === 'max') ? [...fixed, 'max'] : fixed;
}

/** Throughput and submit→start p50/p99 against offered load; one worker/dispatcher runs only. */
export function chartSvg(results: BenchResults): string {
  const runs = results.runs.filter((r) => r.workers === 1);
  const cats = categories(runs);
  const pick = (system: string, f: (r: RunResult) => number) =>
    cats.map((c) => {
      const r = medianRun(runs, system, c, 1)?.run;
      return r ? f(r) : null;
    });
  const present = SYSTEMS.filter((s) => runs.some((r) => r.system === s.system));
  const throughput: Series[] = present.map((s) => ({
    name: s.label,
    color: s.color,
    values: pick(s.system, (r) => r.throughput),
  }));
  const latency: Series[] = present.flatMap((s) => [
    { name: `${s.label} p99`, color: s.color, values: pick(s.system, (r) => r.toStart.p99) },
    { name: `${s.label} p50`, color: s.color, dashed: true, values: pick(s.system, (r) => r.toStart.p50) },
  ]);
  return lineChart(
    [
      { title: 'Throughput (finished/s)', yLabel: 'commands (jobs) per second', series: throughput },
      { title: 'Submit → start, p50 (dashed) and p99', yLabel: 'ms (log scale)', log: true, series: latency },
    ],
    cats.map(rateLabel),
    [...throughput, { name: 'p50 (dashed)', color: '#555', dashed: true, values: [] }],
  );
}

const ms = (p: Percentiles) => `${p.p50.toFixed(1)} / ${p.p95.toFixed(1)} / ${p.p99.toFixed(1)}`;
const rss = (r: RunResult) =>
  Object.entries(r.peakRssMb)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

function runTable(runs: RunResult[]): string[] {
  return [
    '| system | offered/s | workers | done / submitted | refused | finished/s | submit→start ms p50/p95/p99 | submit→terminal ms p50/p95/p99 | client round trip ms p50/p99 | peak backlog | peak RSS MB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs.map(
      (r) =>
        `| ${systemLabel(r)} | ${rateLabel(r.rate)} | ${r.workers} | ${r.completed}/${r.submitted} | ${r.refused} | ${r.throughput.toFixed(0)} | ` +
        `${ms(r.toStart)} | ${ms(r.toTerminal)} | ${r.roundTrip.p50.toFixed(1)} / ${r.roundTrip.p99.toFixed(1)} | ${r.peakBacklog} | ${rss(r)} |`,
    ),
  ];
}

/** Switchyard's submit → start cut into stages, and the messages each stream took per command. */
function stageTable(runs: RunResult[]): string[] {
  const staged = runs.filter((r) => r.stages && r.messagesPerCommand);
  if (staged.length === 0) return [];
  const stages = Object.keys(staged[0].stages!);
  const streams = Object.keys(staged[0].messagesPerCommand!);
  return [
    '## Where the time goes',
    '',
    "Switchyard's submit → start, cut at the ledger's timestamps (ms p50 / p95 / p99): *submit→row* is the wait",
    "in JetStream and the dispatch batch that records the command (for HTTP, the gateway's insert), *row→dispatched*",
    'the wait for a claim (a backlog shows here), *dispatched→handler* the delivery and the agent up to its handler;',
    '*handler→accepted in ledger* is how much later the ledger recorded the acceptance (the report through JetStream',
    'and the report batch that applies it: for the no-op, the outcome, which stands for the acceptance of a handler',
    'that finished at once, decision 013). Then the messages each stream took in per command.',
    '',
    `| system | offered/s | workers | ${stages.join(' | ')} | ${streams.map((s) => `${s} msgs`).join(' | ')} |`,
    `| --- | --- | --- | ${stages.map(() => '---').join(' | ')} | ${streams.map(() => '---').join(' | ')} |`,
    ...staged.map(
      (r) =>
        `| ${systemLabel(r)} | ${rateLabel(r.rate)} | ${r.workers} | ${stages.map((k) => ms(r.stages![k])).join(' | ')} | ` +
        `${streams.map((k) => r.messagesPerCommand![k].toFixed(2)).join(' | ')} |`,
    ),
    '',
  ];
}

/**
 * CPU per 1,000 commands by process group: what each system spends on a no-op
 * command, a figure that moves far less with how busy the machine was than latency does.
 */
function cpuTable(runs: RunResult[]): string[] {
  const metered = runs.filter((r) => r.cpuMsPer1000);
  if (metered.length === 0) return [];
  const groups = [...new Set(metered.flatMap((r) => Object.keys(r.cpuMsPer1000!)))];
  const total = (r: RunResult) => Object.values(r.cpuMsPer1000!).reduce((a, b) => a + b, 0);
  return [
    '## CPU per 1,000 commands',
    '',
    'CPU time (user + system, from `/proc/<pid>/stat`) that each process group used from the end of the warm-up',
    'until the backlog had drained, per 1,000 commands (jobs) finished in that time, in ms. *postgres* is every',
    'process of the server (backends and background workers); the *load generator* is the benchmark process',
    'itself (its submissions, progress polling and RSS sampling). A backend that exited within the window is not',
    'counted. These figures move far less with how busy the machine was than latency does (batches grow with load,',
    'so a command can cost less at a higher rate, each paying a smaller share of a batch), but they scale with how fast its cores were: *probe* is',
    "the CPU probe's time just before the run (lower is faster). 2,000 ms per 1,000 commands at 1,000 commands/s",
    'would be both cores, fully busy.',
    '',
    'The last two columns are the host, not the system under test (`/proc/stat` every 50 ms over the same window):',
    "*disk wait* is the share of both cores' time spent idle waiting on the disk, and *longest stall* the longest",
    'stretch in which that was most of their time. A commit waits for its fsync, so a stall of the shared disk',
    'holds up every system on this machine for as long as it lasts, whatever its CPU.',
    '',
    `| system | offered/s | workers | probe ms | ${groups.join(' | ')} | total | disk wait % | longest stall ms |`,
    `| --- | --- | --- | --- | ${groups.map(() => '---').join(' | ')} | --- | --- | --- |`,
    ...metered.map(
      (r) =>
        `| ${systemLabel(r)} | ${rateLabel(r.rate)} | ${r.workers} | ${r.cpuProbeMs ?? '–'} | ` +
        `${groups.map((g) => r.cpuMsPer1000![g] ?? '–').join(' | ')} | ${total(r)} | ` +
        `${r.hostWait?.ioWaitPct ?? '–'} | ${r.hostWait?.longestIoStallMs ?? '–'} |`,
    ),
    '',
  ];
}

/** The issue's goals, checked against this run's figures. */
function goals(results: BenchResults): string[] {
  const at = (system: string, rate: Rate) => medianRun(results.runs, system, rate, 1)?.run;
  const sat = (system: string) => at(system, 'max')?.throughput;
  const nats = sat('switchyard-nats');
  const gw = sat('graphile-worker');
  const median = medianRun(results.runs, 'switchyard-nats', 1000, 1);
  const k = median?.run;
  const spread =
    median && median.of > 1
      ? ` (median of ${median.of} runs; ${median.p99Range.map((v) => v.toFixed(1)).join(' to ')} ms)`
      : '';
  const stall = k?.hostWait ? `; that run's longest disk stall ${k.hostWait.longestIoStallMs} ms` : '';
  const yes = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'missed');
  const maxRss = k ? Math.max(...Object.values(k.peakRssMb)) : undefined;
  return [
    '| goal | figure | |',
    '| --- | --- | --- |',
    `| NATS submit at saturation ≥ graphile-worker's | ${nats?.toFixed(0) ?? '–'} vs ${gw?.toFixed(0) ?? '–'} per s | ${yes(nats !== undefined && gw !== undefined ? nats >= gw : undefined)} |`,
    `| p99 submit→agent start < 25 ms at 1,000/s (NATS) | ${k ? k.toStart.p99.toFixed(1) : '–'} ms${spread}${stall} | ${yes(k ? k.toStart.p99 < 25 : undefined)} |`,
    `| every service < 200 MB RSS at 1,000/s (NATS) | ${maxRss ?? '–'} MB at most | ${yes(maxRss !== undefined ? maxRss < 200 : undefined)} |`,
  ];
}

function settingsTable(settings: BenchResults['settings']): string[] {
  return Object.entries(settings).map(
    ([who, s]) =>
      `- **${who}**: ${Object.entries(s)
        .map(([k, v]) => `\`${k}\` ${String(v)}`)
        .join(', ')}`,
  );
}

export function markdown(results: BenchResults, chartPath: string): string {
  const m = results.machine;
  const t = results.ticker;
  return [
    '# Benchmarks',
    '',
    '<!-- Generated by bench/report.ts from a results JSON; edit the generator, not this file. -->',
    '',
    `Figures, not pass/fail, from one run of \`${results.command}\` (commit ${results.commit},`,
    `${results.startedAt} to ${results.finishedAt}${results.quick ? ', **quick mode: short runs, indicative only**' : ''}).`,
    'Its results are kept in [benchmarks.json](benchmarks.json); regenerate this page and the chart from them with',
    '`npm run bench:report -- docs/benchmarks.json`.',
    '',
    '## Conditions',
    '',
    `- Machine: ${m.cores} × ${m.cpuModel}, ${m.memGb} GB RAM, ${m.os}; load average when the run began: ${m.loadAvgAtStart.join(', ')}.`,
    ...(m.cpuProbeMs
      ? [
          `- CPU probe (the same 3 × 10⁸-step loop on one core, timed): ${m.cpuProbeMs[0]} ms at the start` +
            `${m.cpuProbeMs[1] ? `, ${m.cpuProbeMs[1]} ms at the end` : ''}. The cores of this shared host change speed`,
          '  over minutes (a similar loop timed by hand took 667 to 906 ms within one session), so runs made at different',
          '  times differ by more than the code does. Runs go rate by rate, every system at one rate back to back, so the',
          '  systems are compared at nearly the same moment.',
        ]
      : []),
    `- PostgreSQL ${m.postgres} (default settings, \`synchronous_commit = on\`), NATS ${m.nats} with file-backed JetStream, Node ${m.node}.`,
    '- Everything on the one machine: Postgres, NATS, every service, the workers, and the load generator (itself a Node',
    '  process), so the cores are shared by all of them.',
    "- Workload: a no-op (Switchyard: the demo fleet's `stamp`, which returns its payload with the time it began;",
    '  graphile-worker and pg-boss: a task that returns at once),',
    '  so the figures measure the queue, not the work. Each run starts from a fresh database (and NATS namespace).',
    '- Load: a fixed offered rate (5 ms slices) or saturation ("max": a fixed number of submissions always in flight)',
    `  for ${results.runs[0]?.warmupSeconds ?? 0} s of warm-up and then the run's seconds, then a wait until everything`,
    '  submitted has finished. The latency figures count only what was submitted after the warm-up, for every system',
    '  alike (new connections, cold caches and JIT compilation happen in it); throughput and message counts cover the',
    '  whole run. Progress is printed once a second.',
    "- *submit → start*: the handler's entry, stamped by the agent (Switchyard) or the worker (peers); Switchyard's",
    '  ledger records the acceptance later, when the report is applied (see *Where the time goes*).',
    '  *submit → terminal*: the committed terminal state (Switchyard `finished_at`; pg-boss',
    "  `completed_on`; graphile-worker deletes a completed job, so a statement trigger records the delete's time).",
    '  All against the submit time the client wrote into the payload. *client round trip*: the submit call as the',
    '  client saw it (HTTP sync: the whole answer). Throughput: finished ÷ (last finish − first submit).',
    "- Peak RSS: `/proc/<pid>/status` every 200 ms, for each Switchyard service and for the peers' worker process.",
    '',
    '### Settings',
    '',
    ...settingsTable(results.settings),
    '',
    '## Goals',
    '',
    ...goals(results),
    '',
    '## Throughput and latency against offered load',
    '',
    `![throughput and latency against offered load](${chartPath})`,
    '',
    '(One dispatcher for Switchyard, one worker process for each peer.)',
    '',
    '## All runs',
    '',
    ...runTable(results.runs),
    '',
    ...stageTable(results.runs),
    ...cpuTable(results.runs),
    ...(t
      ? [
          "## The ticker's cost",
          '',
          `Time per DueRunner pass (claim, apply, commit; batch ${t.batch}) with ${t.ledgerRows.toLocaleString('en')} commands in the`,
          `ledger and ${t.duePerJob.toLocaleString('en')} due rows per job, over every pass that drained them (bench/ticker-cost.ts,`,
          'on the ledger of bench/ticker-explain.ts; see [ticker.md](ticker.md) for the plans).',
          '',
          '| job | rows | passes | ms per pass p50 | p95 | max | empty pass ms |',
          '| --- | --- | --- | --- | --- | --- | --- |',
          ...t.jobs.map(
            (j) =>
              `| ${j.job} | ${j.rows} | ${j.passes} | ${j.p50.toFixed(1)} | ${j.p95.toFixed(1)} | ${j.max.toFixed(1)} | ${j.emptyMs.toFixed(1)} |`,
          ),
          '',
        ]
      : []),
    '## What changed the figures',
    '',
    'The performance work behind these figures, with before/after runs and CPU profiles, is in',
    '[performance.md](performance.md).',
    '',
  ].join('\n');
}

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error('usage: bench/report.ts <results.json> [docs/benchmarks.md]');
  const out = process.argv[3] ?? 'docs/benchmarks.md';
  const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  const svg = path.join(path.dirname(out), 'benchmarks.svg');
  writeFileSync(svg, chartSvg(results));
  writeFileSync(out, markdown(results, path.basename(svg)));
  process.stderr.write(`wrote ${out} and ${svg} from ${file}\n`);
}

if (require.main === module) main();
