/** A dependency the service cannot start without. */
export type Dependency = 'postgres' | 'nats';

const HOW_TO_START: Record<Dependency, string> = {
  postgres:
    'start it with `docker compose up -d postgres`, or on Debian `pg_ctlcluster --skip-systemctl-redirect 15 main start`',
  nats: 'start it with `docker compose up -d nats`, or on Debian `nats-server -js -sd /var/lib/nats-server &`',
};

/** Thrown when a dependency is unreachable at start-up; says which and how to start it. */
export class StartupError extends Error {
  /** The address with any password masked: this error is logged whole. */
  readonly address: string;

  constructor(
    readonly dependency: Dependency,
    address: string,
    cause: unknown,
  ) {
    super(
      `cannot reach ${dependency === 'postgres' ? 'Postgres' : 'NATS'} at ${address.split(',').map(redact).join(',')}: ` +
        `${(cause as Error)?.message ?? String(cause)}; ${HOW_TO_START[dependency]}`,
    );
    this.name = 'StartupError';
    this.address = address.split(',').map(redact).join(',');
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
