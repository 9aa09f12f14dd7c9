import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';

/**
 * Where the tests find Postgres and NATS: DATABASE_URL / NATS_URL when set;
 * otherwise throw-away containers started with testcontainers when a Docker
 * engine answers; otherwise the servers on their default local ports when
 * they are reachable. Never a mock.
 */
export interface Servers {
  databaseUrl: string;
  natsUrl: string;
}

let servers: Promise<Servers> | undefined;

export function testServers(): Promise<Servers> {
  servers ??= resolveServers();
  return servers;
}

async function resolveServers(): Promise<Servers> {
  const databaseUrl = process.env.DATABASE_URL;
  const natsUrl = process.env.NATS_URL;
  if (databaseUrl && natsUrl) return { databaseUrl, natsUrl };
  if (!dockerAvailable()) {
    // No Docker engine: the servers on their default local ports, as the README's quick start assumes.
    const local = {
      databaseUrl: databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      natsUrl: natsUrl ?? 'nats://127.0.0.1:4222',
    };
    if ((await reachable(local.databaseUrl, 5432)) && (await reachable(local.natsUrl, 4222))) return local;
    throw new Error(
      'integration tests need Postgres and NATS: set DATABASE_URL and NATS_URL, run them on their default local ports, ' +
        'or run a Docker engine for testcontainers',
    );
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { GenericContainer, Wait } = await import('testcontainers');
  const [pg, nats] = await Promise.all([
    databaseUrl ? undefined : new PostgreSqlContainer('postgres:16').start(),
    natsUrl
      ? undefined
      : new GenericContainer('nats:2.10')
          .withCommand(['-js'])
          .withExposedPorts(4222)
          .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
          .start(),
  ]);
  return {
    databaseUrl: databaseUrl ?? pg!.getConnectionUri(),
    natsUrl: natsUrl ?? `nats://${nats!.getHost()}:${nats!.getMappedPort(4222)}`,
  };
}

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url.split(',')[0]);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || defaultPort), timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function dockerAvailable(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}
