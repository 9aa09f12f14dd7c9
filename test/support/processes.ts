import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { waitFor } from './wait';

// Jest runs from the repository root (rootDir); ESM test modules have no __dirname.
const ROOT = process.cwd();

/** Entry points of the built services (`npm run build`). */
export const ENTRY = {
  gateway: 'dist/apps/gateway/apps/gateway/src/main.js',
  dispatcher: 'dist/apps/dispatcher/apps/dispatcher/src/main.js',
  orchestrator: 'dist/apps/orchestrator/apps/orchestrator/src/main.js',
  'demo-agents': 'dist/apps/demo-agents/apps/demo-agents/src/main.js',
} as const;

export type ServiceKind = keyof typeof ENTRY;

/** A real service process; its output goes to var/test-logs/<run>/<name>.log. */
export class ServiceProcess {
  readonly exited: Promise<number | null>;
  private readonly log: WriteStream;

  private constructor(
    readonly name: string,
    readonly kind: ServiceKind,
    readonly env: Record<string, string>,
    readonly child: ChildProcess,
    readonly logDir: string,
    readonly port: number | undefined,
  ) {
    this.log = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(
    name: string,
    kind: ServiceKind,
    env: Record<string, string>,
    logDir: string,
    port?: number,
    nodeArgs: readonly string[] = [],
  ): ServiceProcess {
    mkdirSync(logDir, { recursive: true });
    const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, ENTRY[kind])], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // A test run or benchmark that ends (or throws) never leaves services behind.
    const reap = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.once('exit', reap);
    child.once('exit', () => process.removeListener('exit', reap));
    return new ServiceProcess(name, kind, env, child, logDir, port);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The same service again (name, environment, port), appending to the same log. */
  restart(): ServiceProcess {
    if (this.running) throw new Error(`${this.name} is still running`);
    this.log.end();
    return ServiceProcess.start(this.name, this.kind, this.env, this.logDir, this.port);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    if (this.port === undefined) return;
    await waitFor(
      `${this.name} to be ready`,
      async () => {
        if (!this.running) throw new Error(`${this.name} exited with ${this.child.exitCode}`);
        const res = await fetch(`http://127.0.0.1:${this.port}/health/ready`).catch(() => undefined);
        return res?.ok;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.log.end();
    return this.exited;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface AgentFleetSpec {
  count: number;
  concurrency?: number;
  pool?: string;
  prefix?: string;
  effectLogDir?: string;
  heartbeatIntervalMs?: number;
  /** The last `http` agents of the fleet speak HTTP to the (first running) gateway instead of NATS. */
  http?: number;
  /** The gateway the HTTP agents talk to (default: the first running one). */
  gatewayUrl?: string;
}

export interface SystemSpec {
  gateways?: number;
  dispatchers?: number;
  orchestrators?: number;
  /** Demo fleet processes to start (each runs `DEMO_AGENTS` agents). */
  agents?: AgentFleetSpec;
  /** Arguments for `node` itself, per kind of service (e.g. `--cpu-prof`, which NODE_OPTIONS cannot carry). */
  nodeArgs?: Partial<Record<ServiceKind, string[]>>;
}

/** A whole Switchyard on real processes, for e2e tests. */
export class System {
  readonly processes: ServiceProcess[] = [];

  constructor(
    readonly env: Record<string, string>,
    readonly logDir: string,
    private readonly nodeArgs: Partial<Record<ServiceKind, string[]>> = {},
  ) {}

  /** The URL of the first running gateway. */
  get gatewayUrl(): string {
    const [url] = this.gatewayUrls();
    if (!url) throw new Error('no gateway running');
    return url;
  }

  /** The URLs of every gateway running now (a client behind a balancer picks among these). */
  gatewayUrls(): string[] {
    return this.processes.filter((p) => p.kind === 'gateway' && p.running).map((p) => `http://127.0.0.1:${p.port}`);
  }

  static async start(env: Record<string, string>, logDir: string, spec: SystemSpec): Promise<System> {
    const system = new System(env, logDir, spec.nodeArgs);
    for (let i = 1; i <= (spec.gateways ?? 1); i += 1) await system.add('gateway', `gateway-${i}`);
    for (let i = 1; i <= (spec.dispatchers ?? 1); i += 1) await system.add('dispatcher', `dispatcher-${i}`);
    for (let i = 1; i <= (spec.orchestrators ?? 1); i += 1) await system.add('orchestrator', `orchestrator-${i}`);
    await Promise.all(system.processes.map((p) => p.waitReady()));
    if (spec.agents) system.addAgents('agents', spec.agents);
    return system;
  }

  async add(kind: Exclude<ServiceKind, 'demo-agents'>, name: string): Promise<ServiceProcess> {
    const port = await freePort();
    const portEnv: Record<string, string> = { [kind === 'gateway' ? 'GATEWAY_PORT' : 'HTTP_PORT']: String(port) };
    const proc = ServiceProcess.start(name, kind, { ...this.env, ...portEnv }, this.logDir, port, this.nodeArgs[kind]);
    this.processes.push(proc);
    return proc;
  }

  addAgents(name: string, agents: AgentFleetSpec): ServiceProcess {
    const proc = ServiceProcess.start(
      name,
      'demo-agents',
      {
        ...this.env,
        DEMO_AGENTS: String(agents.count),
        DEMO_CONCURRENCY: String(agents.concurrency ?? 4),
        DEMO_POOL: agents.pool ?? 'demo',
        DEMO_AGENT_PREFIX: agents.prefix ?? 'demo-',
        ...(agents.effectLogDir ? { EFFECT_LOG_DIR: agents.effectLogDir } : {}),
        ...(agents.heartbeatIntervalMs ? { DEMO_HEARTBEAT_INTERVAL_MS: String(agents.heartbeatIntervalMs) } : {}),
        ...(agents.http
          ? { DEMO_HTTP_AGENTS: String(agents.http), GATEWAY_URL: agents.gatewayUrl ?? this.gatewayUrl }
          : {}),
      },
      this.logDir,
      undefined,
      this.nodeArgs['demo-agents'],
    );
    this.processes.push(proc);
    return proc;
  }

  /** Starts a stopped (killed or exited) process again in its place; see ServiceProcess.restart. */
  restart(proc: ServiceProcess): ServiceProcess {
    const i = this.processes.indexOf(proc);
    if (i < 0) throw new Error(`${proc.name} is not part of this system`);
    const next = proc.restart();
    this.processes[i] = next;
    return next;
  }

  async stop(): Promise<void> {
    // Agents first (they release their work), then the services.
    const agents = this.processes.filter((p) => p.name.startsWith('agents'));
    await Promise.all(agents.map((p) => p.stop()));
    await Promise.all(this.processes.filter((p) => !agents.includes(p)).map((p) => p.stop()));
  }
}

export function testLogDir(namespace: string): string {
  return path.join(ROOT, 'var', 'test-logs', namespace);
}
