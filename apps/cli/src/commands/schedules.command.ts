import { Command, Option } from 'commander';
import { CATCH_UP_POLICIES } from '@switchyard/domain/schedule/catch-up';
import type { Runner } from '../context';
import { scheduleList } from '../format';
import { createScheduleRequest, listSchedulesRequest, removeScheduleRequest } from '../requests';
import { fetchPages, printPage } from './pages';

interface CreateOptions {
  name: string;
  cron: string;
  tz: string;
  catchUp?: string;
  agent?: string;
  pool?: string;
  type: string;
  payload?: string;
  maxAttempts?: string;
  deadline?: string;
}

/** schedules ls | create | rm: recurring commands of the caller (a bearer API key). */
export function registerScheduleCommands(program: Command, runner: Runner): void {
  const schedules = program.command('schedules').description('recurring commands from a cron expression');

  schedules
    .command('ls')
    .description('your schedules, oldest first')
    .option('-n, --limit <n>', 'page size (1-500, default 50)')
    .option('-c, --cursor <cursor>', 'continue from a previous page')
    .option('--all', 'fetch every page')
    .action((opts: { limit?: string; cursor?: string; all?: boolean }, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        const page = await fetchPages(ctx, listSchedulesRequest(opts), !!opts.all, 'schedules');
        printPage(ctx, page, (items) => scheduleList(items, ctx.out.c));
      }),
    );

  schedules
    .command('create')
    .description('fire a command at every cron fire time in a time zone')
    .requiredOption('--name <name>', 'a name for people')
    .requiredOption('--cron <expr>', 'cron expression, e.g. "*/5 * * * *"')
    .requiredOption('--tz <zone>', 'IANA time zone, e.g. Europe/Berlin or UTC')
    .addOption(new Option('--catch-up <policy>', 'fire times missed while down').choices(CATCH_UP_POLICIES))
    .option('-a, --agent <id>', 'target agent')
    .option('-p, --pool <name>', 'target pool')
    .requiredOption('--type <type>', 'command type')
    .option('--payload <json>', 'JSON payload: inline text, @file, or - for stdin')
    .option('--max-attempts <n>', 'attempts of each fired command')
    .option('--deadline <duration>', 'deadline of each fired command, from its fire time, e.g. 10m')
    .addHelpText(
      'after',
      '\nExample:\n  switchyard schedules create --name nightly --cron "0 3 * * *" --tz Europe/Berlin \\\n' +
        '    --pool demo --type echo --payload \'{"job":"nightly"}\'',
    )
    .action((opts: CreateOptions, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        const payload = opts.payload === undefined ? undefined : await ctx.jsonArg(opts.payload, 'payload');
        const req = createScheduleRequest({ ...opts, timezone: opts.tz, payload });
        const { body } = await ctx.client().call(req, ctx.signal);
        if (ctx.out.json) ctx.out.printJson(body);
        else {
          const s = body as { id?: string; nextFireAt?: string };
          ctx.out.print(`schedule ${s.id} created; next fire ${s.nextFireAt}`);
        }
      }),
    );

  schedules
    .command('rm')
    .description('delete a schedule (commands it fired are not touched)')
    .argument('<id>', 'schedule id')
    .action((id: string, _opts: unknown, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        await ctx.client().call(removeScheduleRequest(id), ctx.signal);
        if (ctx.out.json) ctx.out.printJson({ id, deleted: true });
        else ctx.out.print(`schedule ${id} deleted`);
      }),
    );
}
