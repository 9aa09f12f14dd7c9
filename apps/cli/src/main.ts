import { ConfigError, parseConfig, redact } from '@switchyard/config';
import { migrate, revert } from '@switchyard/persistence';

/**
 * `switchyard <command>`: operator commands that run without the services.
 *   migrate            create the database if missing, apply pending migrations
 *   migrate:revert [n] revert the last n migrations (default 1)
 */
const USAGE = 'usage: switchyard migrate | migrate:revert [steps]';

async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv;
  let databaseUrl: string;
  try {
    databaseUrl = parseConfig(process.env, 'migrate').databaseUrl;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.issues) process.stderr.write(`switchyard: config error: ${line}\n`);
    return 78;
  }
  switch (command) {
    case 'migrate': {
      const applied = await migrate(databaseUrl, { createDatabase: true });
      process.stdout.write(
        applied.length
          ? `applied ${applied.join(', ')} to ${redact(databaseUrl)}\n`
          : `${redact(databaseUrl)} is up to date\n`,
      );
      return 0;
    }
    case 'migrate:revert': {
      const steps = arg === undefined ? 1 : Number(arg);
      if (!Number.isInteger(steps) || steps < 1) {
        process.stderr.write(`${USAGE}\n`);
        return 64;
      }
      await revert(databaseUrl, steps);
      process.stdout.write(`reverted ${steps} migration(s) on ${redact(databaseUrl)}\n`);
      return 0;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return 64;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`switchyard: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  },
);
