import { Command } from 'commander';
import type { Runner } from '../context';
import { triggerList } from '../format';
import { createTriggerRequest, listTriggersRequest, removeTriggerRequest } from '../requests';
import { fetchPages, printPage } from './pages';

interface CreateOptions {
  pattern: string;
  agent?: string;
  pool?: string;
  type: string;
  template?: string;
  maxAttempts?: string;
  deadline?: string;
}

/** triggers ls | create | rm: events that become commands. The admin key manages every trigger. */
export function registerTriggerCommands(program: Command, runner: Runner): void {
  const triggers = program.command('triggers').description('rules that turn published events into commands');

  triggers
    .command('ls')
    .description('live triggers, oldest first')
    .option('-n, --limit <n>', 'page size (1-500, default 50)')
    .option('-c, --cursor <cursor>', 'continue from a previous page')
    .option('--all', 'fetch every page')
    .action((opts: { limit?: string; cursor?: string; all?: boolean }, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        const page = await fetchPages(ctx, listTriggersRequest(opts), !!opts.all, 'triggers');
        printPage(ctx, page, (items) => triggerList(items, ctx.out.c));
      }),
    );

  triggers
    .command('create')
    .description('create a trigger: events on matching subjects become commands')
    .requiredOption('--pattern <subject>', 'subject pattern after <ns>.events., e.g. orders.* or billing.>')
    .option('-a, --agent <id>', 'target agent')
    .option('-p, --pool <name>', 'target pool')
    .requiredOption('--type <type>', 'command type')
    .option('--template <json>', 'payload template with {{ data.x }} placeholders: inline, @file or -')
    .option('--max-attempts <n>', 'attempts of each created command')
    .option('--deadline <duration>', 'deadline of each created command, from its creation, e.g. 10m')
    .addHelpText(
      'after',
      '\nExample:\n  switchyard triggers create --pattern "orders.created" --pool demo --type echo \\\n' +
        '    --template \'{"order":"{{ data.id }}"}\'',
    )
    .action((opts: CreateOptions, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        const payload = opts.template === undefined ? undefined : await ctx.jsonArg(opts.template, 'template');
        const { body } = await ctx.client().call(createTriggerRequest({ ...opts, payload }), ctx.signal);
        if (ctx.out.json) ctx.out.printJson(body);
        else ctx.out.print(`trigger ${(body as { id?: string }).id} created`);
      }),
    );

  triggers
    .command('rm')
    .description('delete a trigger (commands it created are not touched)')
    .argument('<id>', 'trigger id')
    .action((id: string, _opts: unknown, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        await ctx.client().call(removeTriggerRequest(id), ctx.signal);
        if (ctx.out.json) ctx.out.printJson({ id, deleted: true });
        else ctx.out.print(`trigger ${id} deleted`);
      }),
    );
}
