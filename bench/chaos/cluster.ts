import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import path from 'node:path';
import { Pool } from 'pg';
import { freePort, type ServiceProcess, System } from '../../test/support/processes';
import { createTestDatabase } from '../../test/support/test-database';
import { TEST_ADMIN_KEY, TEST_PEPPER } from '../../test/support/test-env';
import { waitFor, waitForAgentsOnline } from '../../test/support/wait';

/**
 * The system under chaos: its own nats-server (so restarting it disturbs no
 * other test run on this machine), its own database on the local Postgres,
 * and the real services and demo fleet as processes.
 */

const NATS_SERVER = process.env.CHAOS_NATS_SERVER ?? '/usr/sbin/nats-server';
export const NAMESPACE = 'chaos';
export const POOL = 'chaos';

/** Timeouts short enough that a dead or frozen agent is found within seconds. */
export const TIMEOUTS = {
  ackTimeoutMs: 3_000,
  heartbeatTimeoutMs: 3_000,
  agentHeartbeatIntervalMs: 500,
};

/** A private nats-server with JetStream, restartable on the same port and store. */
export class NatsServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly storeDir: string,
    private readonly logFile: string,
  ) {}

  static async start(storeDir: string, logDir: string): Promise<NatsServer> {
    const server = new NatsServer(await freePort(), storeDir, path.join(logDir, 'nats-server.log'));
    await server.start();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    mkdirSync(this.storeDir, { recursive: true });
    const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(this.logFile, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.removeListener('exit', reap));
    this.child = child;
    await waitFor(`nats-server on ${this.port}`, () => reachable(this.port), { timeoutMs: 20_000, intervalMs: 100 });
  }

  /**
   * Graceful stop (SIGTERM): the server flushes its stores. A SIGKILL of a
   * single unclustered server can drop acknowledged writes it had not yet
   * written out; no client of NATS can defend against that, so it is not a
   * fault this harness injects.
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface ClusterSpec {
  gateways: number;
  dispatchers: number;
  orchestrators: number;
  /** Demo fleet processes; the first half speak NATS (SDK), the second half HTTP. */
  agentProcesses: number;
  agentsPerProcess: number;
  concurrency: number;
}

export class Cluster {
  private constructor(
    readonly system: System,
    readonly nats: NatsServer,
    readonly databaseUrl: string,
    readonly databaseName: string,
    readonly pool: Pool,
    readonly effectDir: string,
    private readonly dropDatabase: () => Promise<void>,
  ) {}

  static async start(spec: ClusterSpec, workDir: string, serverUrl: string): Promise<Cluster> {
    const logDir = path.join(workDir, 'logs');
    const effectDir = path.join(workDir, 'effects');
    mkdirSync(logDir, { recursive: true });
    const nats = await NatsServer.start(path.join(workDir, 'nats-store'), logDir);
    const database = await createTestDatabase(serverUrl);
    const env: Record<string, string> = {
      DATABASE_URL: database.url,
      NATS_URL: nats.url,
      SWITCHYARD_NAMESPACE: NAMESPACE,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      API_KEY_PEPPER: TEST_PEPPER,
      LOG_LEVEL: 'warn',
      // 7 service processes on a server shared with other work: 7 × 8 connections stays well under max_connections.
      DATABASE_POOL_SIZE: '8',
      ORCHESTRATOR_TICK_INTERVAL: '250',
      DEFAULT_ACK_TIMEOUT_MS: String(TIMEOUTS.ackTimeoutMs),
      DEFAULT_HEARTBEAT_TIMEOUT_MS: String(TIMEOUTS.heartbeatTimeoutMs),
      AGENT_LIVENESS_TIMEOUT_MS: '3000',
      DISPATCHER_ACK_WAIT_MS: '2000',
      RELAY_AFTER_MS: '3000',
    };
    const system = await System.start(env, logDir, {
      gateways: spec.gateways,
      dispatchers: spec.dispatchers,
      orchestrators: spec.orchestrators,
    });
    const gateways = system.processes.filter((p) => p.kind === 'gateway');
    const sdkProcesses = Math.ceil(spec.agentProcesses / 2);
    for (let i = 1; i <= spec.agentProcesses; i += 1) {
      const overHttp = i > sdkProcesses;
      const gateway = gateways[i % gateways.length];
      system.addAgents(`agents-${i}`, {
        count: spec.agentsPerProcess,
        concurrency: spec.concurrency,
        pool: POOL,
        prefix: `${overHttp ? 'h' : 's'}${i}-`,
        effectLogDir: effectDir,
        heartbeatIntervalMs: TIMEOUTS.agentHeartbeatIntervalMs,
        ...(overHttp ? { http: spec.agentsPerProcess, gatewayUrl: `http://127.0.0.1:${gateway.port}` } : {}),
      });
    }
    const pool = new Pool({ connectionString: database.url, max: 4 });
    await waitForAgentsOnline(pool, spec.agentProcesses * spec.agentsPerProcess, 90_000);
    const name = new URL(database.url).pathname.slice(1);
    return new Cluster(system, nats, database.url, name, pool, effectDir, database.drop);
  }

  get gatewayPorts(): number[] {
    return this.system.processes.filter((p) => p.kind === 'gateway').map((p) => p.port!);
  }

  get services(): ServiceProcess[] {
    return this.system.processes.filter((p) => p.kind !== 'demo-agents');
  }

  get agents(): ServiceProcess[] {
    return this.system.processes.filter((p) => p.kind === 'demo-agents');
  }

  /** Everything down comes back, everything frozen thaws: the state to settle in. */
  async heal(): Promise<void> {
    if (!this.nats.running) await this.nats.start();
    for (const proc of [...this.system.processes]) {
      proc.signal('SIGCONT');
      if (!proc.running) this.system.restart(proc);
    }
    await Promise.all(this.system.processes.map((p) => p.waitReady(60_000)));
  }

  async stop({ keepDatabase }: { keepDatabase: boolean }): Promise<void> {
    for (const proc of this.system.processes) proc.signal('SIGCONT');
    await this.system.stop();
    await this.pool.end();
    await this.nats.stop();
    if (!keepDatabase) await this.dropDatabase();
  }
}
