import { Command, Option } from 'commander';
import { COMMAND_STATES } from '@switchyard/domain/command/command-state';
import type { Runner } from '../context';
import { EXIT } from '../exit-codes';
import { commandDetail, commandList, submitted } from '../format';
import { responseError } from '../gateway-client';
import { cancelRequest, getCommandRequest, listCommandsRequest, submitRequest } from '../requests';
import { fetchPages, printPage } from './pages';

interface SubmitOptions {
  agent?: string;
  pool?: string;
  idempotencyKey?: string;
  sync?: boolean;
  timeout?: string;
  runAt?: string;
  deadline?: string;
  maxAttempts?: string;
}

/** submit, get, ls, cancel: the command routes (a bearer API key). */
export function registerCommandCommands(program: Command, runner: Runner): void {
  program
    .command('submit')
    .description('submit a command to an agent or a pool')
    .argument('<type>', 'command type, e.g. echo')
    .argument('[payload]', 'JSON payload: inline text, @file, or - for stdin')
    .option('-a, --agent <id>', 'target agent')
    .option('-p, --pool <name>', 'target pool')
    .option('-k, --idempotency-key <key>', 'the same key from the same caller returns the first command')
    .option('--sync', 'wait for the outcome (exit code tells it, see docs/cli.md)')
    .option('--timeout <duration>', 'with --sync: longest wait, e.g. 30s, 2m (gateway default otherwise)')
    .option('--run-at <when>', 'start later: ISO 8601 date-time, or +<duration> from now')
    .option('--deadline <when>', 'give up after: ISO 8601 date-time, or +<duration> from now')
    .option('--max-attempts <n>', 'attempts before it is dead-lettered')
    .addHelpText(
      'after',
      '\nExamples:\n  switchyard submit echo \'{"hello":"world"}\' --pool demo\n' +
        '  switchyard submit echo @payload.json --agent demo-1 --sync --timeout 30s\n' +
        '  echo \'{"ms":500}\' | switchyard submit sleep - --pool demo --run-at +10m',
    )
    .action((type: string, payload: string | undefined, opts: SubmitOptions, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        const body = payload === undefined ? undefined : await ctx.jsonArg(payload, 'payload');
        const req = submitRequest({ ...opts, type, payload: body }, ctx.now());
        if (!opts.sync) {
          const res = await ctx.client().call(req, ctx.signal);
          const replayed = res.headers.get('idempotent-replayed') === 'true';
          const answer = { ...(res.body as Record<string, unknown>), replayed };
          if (ctx.out.json) ctx.out.printJson(answer);
          else ctx.out.print(submitted(answer, replayed, ctx.out.c));
          return EXIT.ok;
        }
        const progress = ctx.out.progress(`waiting for the outcome${opts.timeout ? ` (up to ${opts.timeout})` : ''}`);
        let res;
        try {
          res = await ctx.client().request(req, ctx.signal);
        } catch (err) {
          if (ctx.signal.aborted) {
            ctx.out.note('interrupted: the command may still run (switchyard ls --state running)');
            return EXIT.interrupted;
          }
          throw err;
        } finally {
          progress.stop();
        }
        if (res.status !== 200) throw responseError(res.status, res.body);
        const replayed = res.headers.get('idempotent-replayed') === 'true';
        const answer = { ...(res.body as Record<string, unknown>), replayed };
        if (ctx.out.json) ctx.out.printJson(answer);
        else ctx.out.print(submitted(answer, replayed, ctx.out.c));
        return EXIT.ok;
      }),
    );

  program
    .command('get')
    .description('a command with its payload, result, children and event history')
    .argument('<id>', 'command id')
    .addHelpText('after', '\nExample:\n  switchyard get 0197a3e4-5c1b-7d2e-9f40-2b6c8d9e0a11 --json')
    .action((id: string, _opts: unknown, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        const { body } = await ctx.client().call(getCommandRequest(id), ctx.signal);
        if (ctx.out.json) ctx.out.printJson(body);
        else ctx.out.print(commandDetail(body as Record<string, unknown>, ctx.out.c));
      }),
    );

  program
    .command('ls')
    .description('list commands, newest first')
    .addOption(new Option('-s, --state <state>', 'only in this state').choices(COMMAND_STATES))
    .option('-t, --target <name>', 'only for this agent or pool')
    .option('--type <type>', 'only of this type')
    .option('-n, --limit <n>', 'page size (1-500, default 50)')
    .option('-c, --cursor <cursor>', 'continue from a previous page')
    .option('--all', 'fetch every page')
    .addHelpText('after', '\nExamples:\n  switchyard ls --state failed --type echo\n  switchyard ls --all --json')
    .action(
      (
        opts: { state?: string; target?: string; type?: string; limit?: string; cursor?: string; all?: boolean },
        cmd: Command,
      ) =>
        runner.run(cmd, async (ctx) => {
          const page = await fetchPages(ctx, listCommandsRequest(opts), !!opts.all, 'commands');
          printPage(ctx, page, (items) => commandList(items, ctx.out.c));
        }),
    );

  program
    .command('cancel')
    .description('cancel a command that has not finished (and what it delegated)')
    .argument('<id>', 'command id')
    .option('-r, --reason <text>', 'why, kept with the command')
    .addHelpText(
      'after',
      '\nExample:\n  switchyard cancel 0197a3e4-5c1b-7d2e-9f40-2b6c8d9e0a11 --reason "wrong payload"',
    )
    .action((id: string, opts: { reason?: string }, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        const { body } = await ctx.client().call(cancelRequest(id, opts.reason), ctx.signal);
        if (ctx.out.json) ctx.out.printJson(body);
        else ctx.out.print(submitted(body as Record<string, unknown>, false, ctx.out.c));
      }),
    );
}
