import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ENTRY, freePort } from '../../support/processes';
import { createTestEnv, TestEnv } from '../../support/test-env';

/**
 * The built services refuse a bad environment before doing anything else:
 * exit 78 (EX_CONFIG) with one stderr line per bad variable, naming it; an
 * unreachable dependency is exit 69 (EX_UNAVAILABLE) with one line saying
 * which and how to start it. Never a stack trace.
 */
const ROOT = process.cwd();
const SERVICES = ['gateway', 'dispatcher', 'orchestrator'] as const;
type Service = (typeof SERVICES)[number];
const RUN_TIMEOUT_MS = 30_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Non-empty stderr lines. */
  lines: string[];
  ms: number;
}

function runOnce(service: Service, env: Record<string, string | undefined>): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const child = spawn(process.execPath, [path.join(ROOT, ENTRY[service])], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...clean },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: RUN_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({
        code,
        signal,
        stdout,
        stderr,
        lines: stderr.split('\n').filter((l) => l.trim() !== ''),
        ms: Date.now() - started,
      }),
    );
  });
}

/**
 * Runs a built service to its exit. `nest build` empties dist/ first, so a
 * build running elsewhere can remove a file under our feet: a run that died
 * of a missing module is retried once the build has had time to finish.
 */
async function run(service: Service, env: Record<string, string | undefined>): Promise<Run> {
  for (let attempt = 1; ; attempt += 1) {
    const r = await runOnce(service, env);
    if (!/Cannot find module|ERR_MODULE_NOT_FOUND/.test(r.stderr) || attempt === 4) return r;
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  }
}

/** Shown when an assertion on a run fails. */
function explain(r: Run): string {
  return `exit ${r.code} (signal ${r.signal}) after ${r.ms} ms\n--- stderr\n${r.stderr}\n--- stdout\n${r.stdout.slice(0, 4_000)}`;
}

describe('start-up of the built services with a bad environment', () => {
  let t: TestEnv;
  let good: Record<string, string>;

  beforeAll(async () => {
    const missing = SERVICES.filter((s) => !existsSync(path.join(ROOT, ENTRY[s])));
    for (const service of missing) {
      execFileSync('npx', ['nest', 'build', service], { cwd: ROOT, stdio: 'inherit', timeout: 300_000 });
    }
    t = await createTestEnv();
    good = {
      ...t.env,
      GATEWAY_PORT: String(await freePort()),
      HTTP_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    };
  }, 360_000);

  afterAll(async () => {
    await t?.teardown();
  });

  const configCases: {
    name: string;
    services: readonly Service[];
    env: Record<string, string | undefined>;
    variables: string[];
  }[] = [
    { name: 'DATABASE_URL missing', services: SERVICES, env: { DATABASE_URL: undefined }, variables: ['DATABASE_URL'] },
    {
      name: 'DATABASE_URL not a postgres URL',
      services: SERVICES,
      env: { DATABASE_URL: 'mysql://127.0.0.1/x' },
      variables: ['DATABASE_URL'],
    },
    { name: 'NATS_URL missing', services: SERVICES, env: { NATS_URL: undefined }, variables: ['NATS_URL'] },
    { name: 'GATEWAY_PORT=abc', services: ['gateway'], env: { GATEWAY_PORT: 'abc' }, variables: ['GATEWAY_PORT'] },
    {
      name: 'HTTP_PORT=abc',
      services: ['dispatcher', 'orchestrator'],
      env: { HTTP_PORT: 'abc' },
      variables: ['HTTP_PORT'],
    },
    {
      name: 'API_KEY_PEPPER missing',
      services: ['gateway'],
      env: { API_KEY_PEPPER: undefined },
      variables: ['API_KEY_PEPPER'],
    },
    {
      name: 'three bad variables at once',
      services: SERVICES,
      env: { DATABASE_URL: undefined, LOG_LEVEL: 'loud', ORCHESTRATOR_TICK_INTERVAL: '1' },
      variables: ['DATABASE_URL', 'LOG_LEVEL', 'ORCHESTRATOR_TICK_INTERVAL'],
    },
  ];

  const cases = configCases.flatMap((c) => c.services.map((service) => ({ ...c, service })));

  it.each(cases)(
    '$service with $name → exit 78, one stderr line per bad variable',
    async ({ service, env, variables }) => {
      const r = await run(service, { ...good, ...env });
      expect({ code: r.code, lines: r.lines.length, why: explain(r) }).toMatchObject({
        code: 78,
        lines: variables.length,
      });
      for (const line of r.lines) expect(line).toMatch(new RegExp(`^switchyard ${service}: config error: [A-Z_]+ `));
      const named = r.lines.map((l) => l.replace(/^switchyard [a-z]+: config error: /, '').split(' ')[0]);
      expect(named.sort()).toEqual([...variables].sort());
    },
  );

  it.each(SERVICES)(
    '%s with an unreachable Postgres → exit 69, one line saying so and how to start it',
    async (service) => {
      const r = await run(service, { ...good, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' });
      expect({ code: r.code, lines: r.lines.length, why: explain(r) }).toMatchObject({ code: 69, lines: 1 });
      const [line] = r.lines;
      expect(line).toMatch(new RegExp(`^switchyard ${service}: cannot reach Postgres at `));
      expect(line).toContain('127.0.0.1:1');
      expect(line).toMatch(/docker compose up -d postgres/);
    },
  );

  it.each(SERVICES)('%s with an unreachable Postgres never prints the database password', async (service) => {
    const r = await run(service, { ...good, DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/x' });
    expect(r.code).toBe(69);
    expect(r.stderr).toContain('postgres://postgres:***@127.0.0.1:1/x');
    const leaks = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => l.includes('hunter2'));
    expect(leaks.map((l) => l.slice(0, 300))).toEqual([]);
  });

  it.each(SERVICES)(
    '%s with an unreachable NATS → exit 69, one line naming NATS and how to start it',
    async (service) => {
      const r = await run(service, { ...good, NATS_URL: 'nats://127.0.0.1:1' });
      expect({ code: r.code, lines: r.lines.length, why: explain(r) }).toMatchObject({ code: 69, lines: 1 });
      const [line] = r.lines;
      expect(line).toMatch(new RegExp(`^switchyard ${service}: cannot reach NATS at nats://127.0.0.1:1`));
      expect(line).toMatch(/docker compose up -d nats/);
    },
  );
});
