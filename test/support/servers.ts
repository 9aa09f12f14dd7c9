import { execFileSync } from 'node:child_process';

/**
 * Where the tests find Postgres and NATS: DATABASE_URL / NATS_URL when set
 * (CI and this machine), otherwise throw-away containers started with
 * testcontainers when a Docker engine answers. Never a mock.
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
    throw new Error(
      'integration tests need Postgres and NATS: set DATABASE_URL and NATS_URL, or run a Docker engine for testcontainers',
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

function dockerAvailable(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}
