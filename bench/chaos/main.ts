/**
 * Chaos run: real services, a real fleet, a private NATS server and database,
 * a mixed workload of commands from four kinds of client, and faults on a
 * seeded schedule. Then a checker that trusts only the clients' records, the
 * agents' effect logs and the ledger tables: nothing lost, nothing done twice.
 *
 *   npm run chaos                           # the full run (10,000 commands)
 *   npm run chaos -- --profile ci           # the short run CI makes
 *   npm run chaos -- --seed 1234567         # replay a seed
 *
 * Exit code 0 when every violation count is zero, 1 otherwise (or on error).
 * See docs/chaos.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mintClientKey } from '../../test/support/http';
import { check } from './checker';
import { Cluster, type ClusterSpec, NAMESPACE } from './cluster';
import { FaultInjector, planFaults } from './faults';
import { countOpen, readClientRecords, readEffectRecords, readLedger } from './ledger';
import { type ChaosReport, writeReport } from './report';
import { streams } from './rng';
import { planWorkload, Recorder, Workload } from './workload';

interface Profile {
  commands: number;
  rate: number;
  maxInFlight: number;
  agentProcesses: number;
  faultGapMs: { min: number; max: number };
  settleMs: number;
}

const PROFILES: Record<'full' | 'ci', Profile> = {
  full: {
    commands: 10_000,
    rate: 60,
    maxInFlight: 400,
    agentProcesses: 10,
    faultGapMs: { min: 2_000, max: 7_000 },
    settleMs: 180_000,
  },
  ci: {
    commands: 1_500,
    rate: 30,
    maxInFlight: 200,
    agentProcesses: 4,
    faultGapMs: { min: 1_500, max: 4_500 },
    settleMs: 90_000,
  },
};

const ROOT = process.cwd();
// One exit hook per service process (test/support/processes.ts), and the chaos run has ~20 of them.
process.setMaxListeners(100);

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string', default: 'full' },
      seed: { type: 'string' },
      commands: { type: 'string' },
      rate: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (values.profile !== 'full' && values.profile !== 'ci') throw new Error('--profile must be full or ci');
  const profileName = values.profile;
  const profile = { ...PROFILES[profileName] };
  if (values.commands) profile.commands = Number(values.commands);
  if (values.rate) profile.rate = Number(values.rate);
  const seed = values.seed ? Number(values.seed) : randomBytes(4).readUInt32BE(0);
  if (!Number.isSafeInteger(seed)) throw new Error('--seed must be an integer');
  const replay = [
    `npm run chaos -- --profile ${profileName} --seed ${seed}`,
    values.commands ? `--commands ${values.commands}` : '',
    values.rate ? `--rate ${values.rate}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  log(`chaos: seed ${seed}, profile ${profileName}, ${profile.commands} commands at ${profile.rate}/s`);
  log(`chaos: replay with \`${replay}\``);

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const reportDir = path.resolve(values.out ?? path.join(ROOT, 'reports', 'chaos', `${stamp}-${seed}`));
  const workDir = path.join(ROOT, 'var', 'chaos', `${stamp}-${seed}`);
  mkdirSync(workDir, { recursive: true });
  log(`chaos: logs, records and effect logs in ${path.relative(ROOT, workDir)}`);

  const spec: ClusterSpec = {
    gateways: 2,
    dispatchers: 3,
    orchestrators: 2,
    agentProcesses: profile.agentProcesses,
    agentsPerProcess: 20 / profile.agentProcesses,
    concurrency: 4,
  };
  const rng = streams(seed);
  const runId = `c${seed.toString(36)}${randomBytes(3).toString('hex')}`;
  const plan = planWorkload(rng.workload, profile.commands, runId);
  const workloadMs = (profile.commands * 1_000) / profile.rate;
  const schedule = planFaults(rng.faults, spec, workloadMs, profile.faultGapMs);
  log(`chaos: ${schedule.length} faults planned over ${(workloadMs / 1_000).toFixed(0)} s`);

  const t0 = Date.now();
  const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const cluster = await Cluster.start(spec, workDir, serverUrl);
  cluster.pool.on('error', () => undefined); // its idle connections die with the backends the faults kill
  let keepDatabase = true;
  try {
    const startupMs = Date.now() - t0;
    log(
      `chaos: ${spec.gateways + spec.dispatchers + spec.orchestrators} services and 20 agents up in ${(startupMs / 1_000).toFixed(1)} s (database ${cluster.databaseName}, NATS ${cluster.nats.url})`,
    );
    const apiKey = await mintClientKey(`http://127.0.0.1:${cluster.gatewayPorts[0]}`, 'chaos');
    const recordsDir = path.join(workDir, 'records');
    const recorder = new Recorder(recordsDir);
    const workload = new Workload(plan, recorder, () => cluster.gatewayPorts, apiKey, cluster.nats.url, NAMESPACE);
    await workload.open();
    const injector = new FaultInjector(cluster, workload, rng.faults, log);

    const t1 = Date.now();
    let phase = 'workload';
    const progress = setInterval(() => {
      void countOpen(
        cluster.pool,
        recorder.accepted.map((r) => r.id),
      )
        .then((open) => {
          const c = workload.counters;
          log(
            `[${((Date.now() - t1) / 1_000).toFixed(0).padStart(4)} s] ${phase}: answered ${c.answered}/${c.planned}, ` +
              `accepted ${recorder.accepted.length}, terminal ${recorder.accepted.length - open}, faults ${injector.injected.length}/${schedule.length}`,
          );
        })
        .catch(() => undefined);
    }, 5_000);

    const faults = injector.run(schedule, t1);
    await workload.run(profile.rate, profile.maxInFlight);
    const workloadDoneMs = Date.now() - t1;
    phase = 'settling';
    await injector.stop();
    await faults;
    await cluster.heal();
    const ids = recorder.accepted.map((r) => r.id);
    const settleDeadline = Date.now() + profile.settleMs;
    for (;;) {
      const open = await countOpen(cluster.pool, ids).catch(() => -1);
      if (open === 0 || Date.now() > settleDeadline) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const settleMs = Date.now() - t1 - workloadDoneMs;
    clearInterval(progress);
    await workload.close();

    // Agents first, so every execution is in the effect logs before they are read.
    const t2 = Date.now();
    await Promise.all(cluster.agents.map((p) => (p.signal('SIGCONT'), p.stop())));
    const ledger = await readLedger(cluster.pool);
    const result = check({
      records: readClientRecords(recordsDir),
      effects: readEffectRecords(cluster.effectDir),
      ...ledger,
    });
    keepDatabase = !result.ok;
    const report: ChaosReport = {
      ok: result.ok,
      seed,
      profile: profileName,
      replay,
      startedAt: new Date(t0).toISOString(),
      settings: { ...profile, cluster: spec, workDir: path.relative(ROOT, workDir) },
      timings: {
        startupMs,
        workloadMs: workloadDoneMs,
        settleMs,
        checkMs: Date.now() - t2,
        totalMs: Date.now() - t0,
      },
      workload: workload.counters,
      faults: injector.injected,
      check: result,
      ...(keepDatabase ? { databaseKept: cluster.databaseName } : {}),
    };
    writeReport(reportDir, report);
    log('');
    for (const [kind, n] of Object.entries(result.counts)) log(`  ${n === 0 ? 'ok  ' : 'FAIL'} ${kind}: ${n}`);
    log('');
    log(
      `chaos: ${result.ok ? 'PASS' : 'FAIL'}: ${result.stats.accepted} commands accepted, ${injector.injected.length} faults, ` +
        `seed ${seed}; report in ${path.relative(ROOT, reportDir)}/report.md`,
    );
    if (!result.ok) log(`chaos: replay with \`${replay}\`; database ${cluster.databaseName} kept for inspection`);
    return result.ok ? 0 : 1;
  } finally {
    await cluster.stop({ keepDatabase });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
