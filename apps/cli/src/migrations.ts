import { ConfigError, parseConfig, redact } from '@switchyard/config';
import { migrate, revert } from '@switchyard/persistence';

/**
 * The migration runs behind `switchyard migrate` and `migrate:revert`,
 * loaded on demand (commands/migrate.command.ts): the config and persistence
 * libraries take about a second to load, which the gateway subcommands
 * would pay for nothing.
 */
export type MigrationOutcome = { ok: true; message: string } | { ok: false; configIssues: string[] };

export async function runMigrations(env: Record<string, string | undefined>): Promise<MigrationOutcome> {
  const databaseUrl = databaseUrlOf(env);
  if (typeof databaseUrl !== 'string') return databaseUrl;
  const applied = await migrate(databaseUrl, { createDatabase: true });
  return {
    ok: true,
    message: applied.length
      ? `applied ${applied.join(', ')} to ${redact(databaseUrl)}`
      : `${redact(databaseUrl)} is up to date`,
  };
}

export async function revertMigrations(
  env: Record<string, string | undefined>,
  steps: number,
): Promise<MigrationOutcome> {
  const databaseUrl = databaseUrlOf(env);
  if (typeof databaseUrl !== 'string') return databaseUrl;
  await revert(databaseUrl, steps);
  return { ok: true, message: `reverted ${steps} migration(s) on ${redact(databaseUrl)}` };
}

function databaseUrlOf(env: Record<string, string | undefined>): string | { ok: false; configIssues: string[] } {
  try {
    return parseConfig(env, 'migrate').databaseUrl;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { ok: false, configIssues: err.issues };
  }
}
