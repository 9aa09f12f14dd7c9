/** A dependency the service cannot start without. */
export type Dependency = 'postgres' | 'nats';

const HOW_TO_START: Record<Dependency, string> = {
  postgres:
    'start it with `docker compose up -d postgres`, or on Debian `pg_ctlcluster --skip-systemctl-redirect 15 main start`',
  nats: 'start it with `docker compose up -d nats`, or on Debian `nats-server -js -sd /var/lib/nats-server &`',
};

/** Thrown when a dependency is unreachable at start-up; says which and how to start it. */
export class StartupError extends Error {
  constructor(
    readonly dependency: Dependency,
    readonly address: string,
    cause: unknown,
  ) {
    super(
      `cannot reach ${dependency === 'postgres' ? 'Postgres' : 'NATS'} at ${redact(address)}: ` +
        `${(cause as Error)?.message ?? String(cause)}; ${HOW_TO_START[dependency]}`,
    );
    this.name = 'StartupError';
  }
}

/** Drops a password from a URL before it is printed. */
export function redact(address: string): string {
  try {
    const url = new URL(address);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return address;
  }
}
