import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type CheckResult, VIOLATIONS, type Violation } from './checker';
import { describe, FAULT_DESCRIPTIONS, type FaultKind, type InjectedFault } from './faults';
import type { WorkloadCounters } from './workload';

export interface ChaosReport {
  ok: boolean;
  seed: number;
  profile: string;
  replay: string;
  startedAt: string;
  settings: Record<string, unknown>;
  timings: { startupMs: number; workloadMs: number; settleMs: number; checkMs: number; totalMs: number };
  workload: WorkloadCounters;
  faults: InjectedFault[];
  check: CheckResult;
  databaseKept?: string;
}

const seconds = (ms: number) => `${(ms / 1_000).toFixed(1)} s`;

export function toMarkdown(r: ChaosReport): string {
  const byKind = new Map<FaultKind, number>();
  for (const f of r.faults) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const lines = [
    `# Chaos run ${r.startedAt}: ${r.ok ? 'PASS' : 'FAIL'}`,
    '',
    `Seed **${r.seed}**, profile \`${r.profile}\`. Replay: \`${r.replay}\``,
    '',
    '## Violations (every count must be 0)',
    '',
    '| check | count | sample ids |',
    '| --- | --- | --- |',
    ...(Object.keys(VIOLATIONS) as Violation[]).map(
      (v) => `| ${v}: ${VIOLATIONS[v]} | ${r.check.counts[v]} | ${r.check.samples[v].slice(0, 3).join(', ')} |`,
    ),
    '',
    '## Workload',
    '',
    `- planned ${r.workload.planned}, accepted ${r.check.stats.accepted} (${Object.entries(
      r.check.stats.acceptedByChannel,
    )
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')})`,
    `- refused without a row (sync 503) ${r.workload.refused}, client errors ${r.workload.clientErrors}, abandoned ${r.workload.abandoned}`,
    `- cancels sent ${r.workload.cancelsSent}, duplicate submissions sent ${r.workload.duplicatesSent}`,
    `- ledger rows ${r.check.stats.ledgerRows}; final states ${Object.entries(r.check.stats.finalStates)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ')}; dead letters ${r.check.stats.deadLetters}`,
    `- executions logged by agents ${r.check.stats.executions}; commands retried ${r.check.stats.retried}; late executions of given-up attempts (zombies, explained) ${r.check.stats.lateExecutions}`,
    '',
    '## Timings',
    '',
    `start-up ${seconds(r.timings.startupMs)}, workload ${seconds(r.timings.workloadMs)}, settle ${seconds(r.timings.settleMs)}, check ${seconds(r.timings.checkMs)}, total ${seconds(r.timings.totalMs)}`,
    '',
    `## Faults (${r.faults.length})`,
    '',
    ...[...byKind].map(([kind, n]) => `- ${kind} × ${n}: ${FAULT_DESCRIPTIONS[kind]}`),
    '',
    '| at | fault | outcome |',
    '| --- | --- | --- |',
    ...r.faults.map((f) => `| ${seconds(f.injectedAtMs)} | ${describe(f)} | ${f.outcome} |`),
    '',
    ...(r.databaseKept ? [`Database kept for inspection: \`${r.databaseKept}\``, ''] : []),
  ];
  return lines.join('\n');
}

export function writeReport(dir: string, report: ChaosReport): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(dir, 'report.md'), toMarkdown(report));
}
