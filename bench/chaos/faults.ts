import { Client } from 'pg';
import type { Cluster, ClusterSpec } from './cluster';
import { TIMEOUTS } from './cluster';
import type { Rng } from './rng';
import type { Workload } from './workload';

/**
 * Faults on a seeded schedule. The schedule (what, when, to which process)
 * is decided from the seed before the run; replaying a seed replays it. The
 * interleaving with the workload is up to the machine.
 */

export type FaultKind =
  'kill-service' | 'kill-agent' | 'freeze-agent' | 'restart-nats' | 'kill-pg-backends' | 'duplicate-burst';

export const FAULT_DESCRIPTIONS: Record<FaultKind, string> = {
  'kill-service': 'SIGKILL a gateway, dispatcher or orchestrator; restart it on the same port after a pause',
  'kill-agent': 'SIGKILL a demo fleet process (all its agents, mid-command); restart it after a pause',
  'freeze-agent':
    'SIGSTOP a demo fleet process for longer than the heartbeat timeout, then SIGCONT: a zombie that reports late',
  'restart-nats': 'stop the NATS server (SIGTERM), keep it down for a moment, start it on the same port and store',
  'kill-pg-backends': "pg_terminate_backend every connection to the chaos database (the services' pools)",
  'duplicate-burst': 'repeat answered submissions exactly: same Nats-Msg-Id and body, same HTTP idempotency key and id',
};

export interface PlannedFault {
  atMs: number;
  kind: FaultKind;
  target?: string;
  /** How long the target stays down or frozen. */
  durationMs?: number;
  count?: number;
  times?: number;
}

export interface InjectedFault extends PlannedFault {
  /** Time since the start of the workload when it was injected. */
  injectedAtMs: number;
  outcome: string;
}

const WEIGHTS: Record<FaultKind, number> = {
  'kill-service': 25,
  'kill-agent': 20,
  'freeze-agent': 15,
  'restart-nats': 8,
  'kill-pg-backends': 17,
  'duplicate-burst': 15,
};

export function planFaults(
  rng: Rng,
  spec: ClusterSpec,
  durationMs: number,
  gapMs: { min: number; max: number },
): PlannedFault[] {
  const services = [
    ...Array.from({ length: spec.gateways }, (_, i) => `gateway-${i + 1}`),
    ...Array.from({ length: spec.dispatchers }, (_, i) => `dispatcher-${i + 1}`),
    ...Array.from({ length: spec.orchestrators }, (_, i) => `orchestrator-${i + 1}`),
  ];
  const agents = Array.from({ length: spec.agentProcesses }, (_, i) => `agents-${i + 1}`);
  const faults: PlannedFault[] = [];
  for (let at = rng.int(gapMs.min, gapMs.max); at < durationMs; at += rng.int(gapMs.min, gapMs.max)) {
    const kind = rng.weighted(WEIGHTS);
    switch (kind) {
      case 'kill-service':
        faults.push({ atMs: at, kind, target: rng.pick(services), durationMs: rng.int(300, 3_000) });
        break;
      case 'kill-agent':
        faults.push({ atMs: at, kind, target: rng.pick(agents), durationMs: rng.int(300, 3_000) });
        break;
      case 'freeze-agent':
        faults.push({
          atMs: at,
          kind,
          target: rng.pick(agents),
          durationMs: TIMEOUTS.heartbeatTimeoutMs + rng.int(2_000, 4_000),
        });
        break;
      case 'restart-nats':
        faults.push({ atMs: at, kind, durationMs: rng.int(500, 2_500) });
        break;
      case 'kill-pg-backends':
        faults.push({ atMs: at, kind });
        break;
      case 'duplicate-burst':
        faults.push({ atMs: at, kind, count: rng.int(10, 30), times: rng.int(2, 4) });
        break;
    }
  }
  return faults;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FaultInjector {
  readonly injected: InjectedFault[] = [];
  private readonly recoveries: Promise<void>[] = [];
  private stopped = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly workload: Workload,
    private readonly rng: Rng,
    private readonly log: (line: string) => void,
  ) {}

  /** Runs the schedule from `startedAt`; stops early when `stop()` is called. */
  async run(schedule: readonly PlannedFault[], startedAt: number): Promise<void> {
    for (const fault of schedule) {
      while (!this.stopped && Date.now() - startedAt < fault.atMs) await sleep(Math.min(100, fault.atMs));
      if (this.stopped) break;
      const injectedAtMs = Date.now() - startedAt;
      let outcome: string;
      try {
        outcome = await this.inject(fault);
      } catch (err) {
        outcome = `error: ${err instanceof Error ? err.message : String(err)}`;
      }
      this.injected.push({ ...fault, injectedAtMs, outcome });
      this.log(
        `fault ${this.injected.length} at ${(injectedAtMs / 1_000).toFixed(1)}s: ${describe(fault)} → ${outcome}`,
      );
    }
  }

  /** No more faults; waits for the pending restarts and thaws. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.recoveries);
  }

  private process(name: string) {
    const proc = this.cluster.system.processes.find((p) => p.name === name);
    if (!proc) throw new Error(`no process ${name}`);
    return proc;
  }

  private later(ms: number, what: () => Promise<void> | void): void {
    this.recoveries.push(
      sleep(ms)
        .then(what)
        .catch((err: unknown) => this.log(`recovery failed: ${String(err)}`)),
    );
  }

  private async inject(fault: PlannedFault): Promise<string> {
    switch (fault.kind) {
      case 'kill-service':
      case 'kill-agent': {
        const proc = this.process(fault.target!);
        if (!proc.running) return 'skipped: already down';
        proc.signal('SIGCONT'); // a frozen fleet dies as well as a running one
        proc.signal('SIGKILL');
        await proc.exited;
        this.later(fault.durationMs!, () => {
          this.cluster.system.restart(proc);
        });
        return `killed pid ${proc.pid}, restart in ${fault.durationMs} ms`;
      }
      case 'freeze-agent': {
        const proc = this.process(fault.target!);
        if (!proc.running) return 'skipped: down';
        proc.signal('SIGSTOP');
        this.later(fault.durationMs!, () => proc.signal('SIGCONT'));
        return `stopped pid ${proc.pid} for ${fault.durationMs} ms`;
      }
      case 'restart-nats': {
        if (!this.cluster.nats.running) return 'skipped: already down';
        await this.cluster.nats.stop();
        this.later(fault.durationMs!, () => this.cluster.nats.start());
        return `stopped, restart in ${fault.durationMs} ms`;
      }
      case 'kill-pg-backends': {
        const client = new Client({ connectionString: this.cluster.databaseUrl });
        await client.connect();
        try {
          const { rows } = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM (
               SELECT pg_terminate_backend(pid) FROM pg_stat_activity
               WHERE datname = $1 AND pid <> pg_backend_pid()) t`,
            [this.cluster.databaseName],
          );
          return `terminated ${rows[0].n} backends`;
        } finally {
          await client.end();
        }
      }
      case 'duplicate-burst': {
        // In the background: a repeat waits for its answer like any submission, and faults go on meanwhile.
        this.later(0, async () => {
          const sent = await this.workload.duplicateBurst(this.rng, fault.count!, fault.times!);
          this.log(`duplicate burst done: ${sent} repeats answered`);
        });
        return `repeating ${fault.count} answered submissions ${fault.times} times each`;
      }
    }
  }
}

export function describe(fault: PlannedFault): string {
  return [fault.kind, fault.target, fault.count !== undefined ? `${fault.count}×${fault.times}` : undefined]
    .filter(Boolean)
    .join(' ');
}
