import { Command } from 'commander';
import type { Runner } from '../context';
import { deadLetterList, replayed } from '../format';
import { listDeadLettersRequest, replayDeadLetterRequest, resolveDeadLetterRequest } from '../requests';
import { fetchPages, printPage } from './pages';

/** dlq ls | replay | resolve. The admin key sees and acts on every dead letter; an API key on its own commands'. */
export function registerDlqCommands(program: Command, runner: Runner): void {
  const dlq = program.command('dlq').description('dead letters: commands that could not succeed');

  dlq
    .command('ls')
    .description('list dead letters, newest first')
    .option('--type <type>', 'only of this command type')
    .option('--reason <reason>', 'only with this reason (failed, expired, stuck, ...)')
    .option('-t, --target <name>', 'only for this agent or pool')
    .option('--resolved', 'only resolved ones')
    .option('--unresolved', 'only unresolved ones')
    .option('-n, --limit <n>', 'page size (1-500, default 50)')
    .option('-c, --cursor <cursor>', 'continue from a previous page')
    .option('--all', 'fetch every page')
    .addHelpText('after', '\nExample:\n  switchyard dlq ls --unresolved --type echo')
    .action((opts: Parameters<typeof listDeadLettersRequest>[0] & { all?: boolean }, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        const page = await fetchPages(ctx, listDeadLettersRequest(opts), !!opts.all, 'dead letters');
        printPage(ctx, page, (items) => deadLetterList(items, ctx.out.c));
      }),
    );

  dlq
    .command('replay')
    .description('submit a fresh copy of the dead-lettered command (new id, fresh attempts)')
    .argument('<id>', 'dead letter id')
    .option('-f, --force', 'replay again although it was replayed before')
    .addHelpText('after', '\nExample:\n  switchyard dlq replay 0197a3e4-5c1b-7d2e-9f40-2b6c8d9e0a11')
    .action((id: string, opts: { force?: boolean }, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        const { body } = await ctx.client().call(replayDeadLetterRequest(id, !!opts.force), ctx.signal);
        if (ctx.out.json) ctx.out.printJson(body);
        else ctx.out.print(replayed(body as Record<string, unknown>, ctx.out.c));
      }),
    );

  dlq
    .command('resolve')
    .description('mark a dead letter as handled, with a note')
    .argument('<id>', 'dead letter id')
    .requiredOption('-m, --note <text>', 'what was done about it')
    .addHelpText(
      'after',
      '\nExample:\n  switchyard dlq resolve 0197a3e4-5c1b-7d2e-9f40-2b6c8d9e0a11 --note "refunded by hand"',
    )
    .action((id: string, opts: { note: string }, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        const { body } = await ctx.client().call(resolveDeadLetterRequest(id, opts.note), ctx.signal);
        if (ctx.out.json) ctx.out.printJson(body);
        else ctx.out.print(`dead letter ${id} resolved`);
      }),
    );
}
