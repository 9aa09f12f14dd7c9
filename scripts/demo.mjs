#!/usr/bin/env node
// `npm run demo`: the whole Switchyard on one machine with a demo fleet.
// Uses DATABASE_URL / NATS_URL (default: the local servers), creates the
// database if missing, migrates, starts every service and the fleet with
// readable interleaved logs, prints the URLs and a ready-to-paste curl.
// Ctrl-C stops everything cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const env = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/switchyard',
  NATS_URL: 'nats://127.0.0.1:4222',
  SWITCHYARD_NAMESPACE: 'sy',
  ADMIN_API_KEY: 'demo-admin-key',
  API_KEY_PEPPER: 'demo-pepper-change-me-in-production',
  GATEWAY_PORT: '3000',
  DEMO_AGENTS: '4',
  // The last two demo agents speak HTTP to the gateway (long poll) instead of NATS.
  DEMO_HTTP_AGENTS: '2',
  LOG_LEVEL: 'info',
  ...process.env,
};
const gatewayUrl = `http://localhost:${env.GATEWAY_PORT}`;
env.GATEWAY_URL ??= gatewayUrl;
const colours = [36, 33, 35, 32, 34, 91, 96];
const useColour = process.stdout.isTTY;
const paint = (code, text) => (useColour ? `\x1b[${code}m${text}\x1b[0m` : text);

function reachable(url, defaultPort) {
  const u = new URL(url.split(',')[0]);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: u.hostname, port: Number(u.port || defaultPort), timeout: 2000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

const HOW_TO_START = {
  Postgres:
    '  docker:  docker compose up -d postgres\n  debian:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  NATS: '  docker:  docker compose up -d nats\n  debian:  start-stop-daemon --start --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server',
};

const missing = [];
if (!(await reachable(env.DATABASE_URL, 5432))) missing.push(['Postgres', env.DATABASE_URL]);
if (!(await reachable(env.NATS_URL, 4222))) missing.push(['NATS', env.NATS_URL]);
for (const [name, url] of missing) {
  console.error(
    `demo: cannot reach ${name} at ${url.replace(/\/\/([^:@/]+):[^@]+@/, '//$1:***@')}. Start it with:\n${HOW_TO_START[name]}`,
  );
}
if (missing.length) process.exit(69);

const migrated = spawnSync(process.execPath, ['dist/apps/cli/apps/cli/src/main.js', 'migrate'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
if (migrated.status !== 0) process.exit(migrated.status ?? 1);

/** Pino JSON lines → `12:00:01 gateway     info  message key=value`. */
function pretty(name, colour, line) {
  let text = line;
  try {
    const { level, time, msg, service, pid, context, hostname, ...rest } = JSON.parse(line);
    const extras = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const lvl = String(level ?? 'info').padEnd(5);
    text = `${String(time ?? '').slice(11, 19)} ${level === 'error' || level === 'fatal' ? paint(31, lvl) : level === 'warn' ? paint(33, lvl) : lvl} ${context ? `[${context}] ` : ''}${msg ?? ''}${extras ? ` ${paint(90, extras)}` : ''}`;
  } catch {
    // not JSON: print as is
  }
  return `${paint(colour, name.padEnd(13))} ${text}`;
}

const children = [];
function start(name, entry, extraEnv = {}) {
  const colour = colours[children.length % colours.length];
  // Own process group: a terminal's Ctrl-C reaches only this launcher, which then stops each child once, in order.
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = '';
    stream.on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim()) process.stdout.write(`${pretty(name, colour, line)}\n`);
      }
    });
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${paint(colour, name.padEnd(13))} exited (${signal ?? code}); stopping the demo`);
    void stop(1);
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stop(exitCode = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\ndemo: stopping (agents first, then services)…');
  const live = (c) => c.exitCode === null && c.signalCode === null;
  const exited = (c) => (live(c) ? new Promise((r) => c.once('exit', r)) : Promise.resolve());
  const [agents, ...services] = [children.at(-1), ...children.slice(0, -1)];
  agents?.kill('SIGTERM');
  await Promise.race([exited(agents), new Promise((r) => setTimeout(r, 10_000))]);
  for (const c of services) if (live(c)) c.kill('SIGTERM');
  const timer = setTimeout(() => children.forEach((c) => live(c) && c.kill('SIGKILL')), 15_000);
  await Promise.all(children.map(exited));
  clearTimeout(timer);
  console.log('demo: stopped');
  process.exit(exitCode);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
// Never leave the services behind, whatever ends this process.
process.on('exit', () => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')));

// Another process on our ports would answer the readiness checks in our place.
for (const port of [env.GATEWAY_PORT, '3001', '3011', '3002']) {
  if (await reachable(`http://127.0.0.1:${port}`, port)) {
    console.error(`demo: port ${port} is already in use; stop what is listening there (an earlier demo?) and retry`);
    process.exit(69);
  }
}

start('gateway', 'dist/apps/gateway/apps/gateway/src/main.js');
start('dispatcher-1', 'dist/apps/dispatcher/apps/dispatcher/src/main.js', { HTTP_PORT: '3001' });
start('dispatcher-2', 'dist/apps/dispatcher/apps/dispatcher/src/main.js', { HTTP_PORT: '3011' });
start('orchestrator', 'dist/apps/orchestrator/apps/orchestrator/src/main.js', { HTTP_PORT: '3002' });

/** Every service answers /health/ready (the dispatchers have created the agents' streams by then). */
async function waitReady() {
  const urls = [gatewayUrl, 'http://localhost:3001', 'http://localhost:3011', 'http://localhost:3002'];
  for (let i = 0; i < 120 && !stopping; i += 1) {
    const answers = await Promise.all(
      urls.map((u) =>
        fetch(`${u}/health/ready`).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    if (answers.every(Boolean)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
if (!(await waitReady())) {
  console.error('demo: the services did not become ready; see the logs above');
  await stop(1);
}
start('demo-agents', 'dist/apps/demo-agents/apps/demo-agents/src/main.js');

const mintResponse = await fetch(`${gatewayUrl}/v1/admin/clients`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-admin-key': env.ADMIN_API_KEY },
  body: JSON.stringify({ name: 'demo' }),
});
const minted = await mintResponse.json();
if (mintResponse.status !== 201) {
  console.error(`demo: could not mint a client key (${mintResponse.status}): ${JSON.stringify(minted)}`);
  await stop(1);
}

console.log(`
${paint(1, 'Switchyard is running')} (namespace ${env.SWITCHYARD_NAMESPACE}, ${env.DEMO_AGENTS} demo agents in pool "demo", ${env.DEMO_HTTP_AGENTS} of them over HTTP)
  dashboard ${gatewayUrl}/ui   (sign in with the admin key or the client key below)
  API       ${gatewayUrl}/v1
  docs      ${gatewayUrl}/docs   (OpenAPI JSON: ${gatewayUrl}/docs-json)
  metrics   ${gatewayUrl}/metrics, dispatchers :3001 :3011, orchestrator :3002
  admin key ${env.ADMIN_API_KEY}

Submit a command with the demo client key:
  curl -s -X POST ${gatewayUrl}/v1/commands \\
    -H 'authorization: Bearer ${minted.apiKey}' -H 'content-type: application/json' \\
    -d '{"target":{"pool":"demo"},"type":"sleep","payload":{"ms":500}}'
then read it back with: curl -s ${gatewayUrl}/v1/commands/<id> -H 'authorization: Bearer ${minted.apiKey}'
Wait for the answer instead (sync mode):
  curl -s -X POST ${gatewayUrl}/v1/commands \
    -H 'authorization: Bearer ${minted.apiKey}' -H 'content-type: application/json' \
    -d '{"target":{"pool":"demo"},"type":"echo","payload":{"hello":"world"},"mode":"sync","timeoutMs":5000}'
Watch the agents live (server-sent events):
  curl -sN ${gatewayUrl}/v1/agents/events -H 'authorization: Bearer ${minted.apiKey}'

Ctrl-C stops everything.
`);
