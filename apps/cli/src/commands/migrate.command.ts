import type { Command } from 'commander';
import type { Ctx, Runner } from '../context';
import { EXIT, usageError, type ExitCode } from '../exit-codes';
import type { MigrationOutcome } from '../migrations';

/**
 * migrate | migrate:revert [steps]: run against the database directly
 * (DATABASE_URL), without the services; a bad environment exits 78 with one
 * line per problem, as the services do. `../migrations.js` is imported on
 * demand (a relative dynamic import, which the built output resolves as is).
 */
export function registerMigrateCommands(program: Command, runner: Runner): void {
  program
    .command('migrate')
    .description('create the database if missing and apply pending migrations (DATABASE_URL)')
    .action((_opts: unknown, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        const { runMigrations } = await import('../migrations.js');
        return report(ctx, await runMigrations(ctx.io.env));
      }),
    );

  program
    .command('migrate:revert')
    .description('revert the last migrations (DATABASE_URL)')
    .argument('[steps]', 'how many (default 1)')
    .action((stepsArg: string | undefined, _opts: unknown, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        const steps = stepsArg === undefined ? 1 : Number(stepsArg);
        if (!Number.isInteger(steps) || steps < 1) throw usageError('steps must be a positive integer');
        const { revertMigrations } = await import('../migrations.js');
        return report(ctx, await revertMigrations(ctx.io.env, steps));
      }),
    );
}

function report(ctx: Ctx, outcome: MigrationOutcome): ExitCode {
  if (!outcome.ok) {
    for (const line of outcome.configIssues) ctx.out.error(`config error: ${line}`);
    return EXIT.config;
  }
  ctx.out.print(outcome.message);
  return EXIT.ok;
}
