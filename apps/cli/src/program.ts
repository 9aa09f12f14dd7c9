import { Command, CommanderError } from 'commander';
import { ENV } from './cli-config';
import { registerAgentCommands } from './commands/agents.command';
import { registerCommandCommands } from './commands/commands.command';
import { registerDlqCommands } from './commands/dlq.command';
import { registerMigrateCommands } from './commands/migrate.command';
import { registerScheduleCommands } from './commands/schedules.command';
import { registerTailCommand } from './commands/tail.command';
import { registerTriggerCommands } from './commands/triggers.command';
import { type Io, Runner } from './context';
import { EXIT } from './exit-codes';

const CONFIG_HELP = `
Configuration (a flag wins over the environment, which wins over the file):
  --url          ${ENV.url.padEnd(21)} "url"       gateway base URL (default http://127.0.0.1:3000)
  --api-key      ${ENV.apiKey.padEnd(21)} "apiKey"    bearer key of a client (or agent)
  --admin-key    ${ENV.adminKey.padEnd(21)} "adminKey"  the gateway's ADMIN_API_KEY
  config file: --config <file>, else $XDG_CONFIG_HOME/switchyard/config.json
               (~/.config/switchyard/config.json)

Exit codes: 0 ok, 2 command failed, 3 sync timeout, 4 command ended (cancelled,
expired, stuck), 5 result too large, 6 conflict, 64 usage, 65 invalid input,
66 not found, 69 gateway unreachable or server error, 75 try again later,
77 auth, 78 config, 130 interrupted. See docs/cli.md.`;

/** The `switchyard` program: every subcommand, with the options they share. */
export function buildProgram(runner: Runner, io: Io): Command {
  const program = new Command('switchyard')
    .description('Operate a Switchyard command bus through its gateway')
    .option('--url <url>', 'gateway base URL')
    .option('--api-key <key>', 'bearer API key (commands, schedules)')
    .option('--admin-key <key>', 'admin key (agents mint-key/revoke; sees every agent, trigger, dead letter)')
    .option('--config <file>', 'config file (JSON: url, apiKey, adminKey)')
    .option('--json', 'machine-readable output on stdout')
    .option('--no-color', 'no colours (NO_COLOR works too)')
    .addHelpText('after', CONFIG_HELP)
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  registerCommandCommands(program, runner);
  registerTailCommand(program, runner);
  registerDlqCommands(program, runner);
  registerAgentCommands(program, runner);
  registerScheduleCommands(program, runner);
  registerTriggerCommands(program, runner);
  registerMigrateCommands(program, runner);
  // Subcommands inherit exitOverride and output settings only if set on each; copy them down.
  const inherit = (cmd: Command) => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput(program.configureOutput()).showSuggestionAfterError();
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

/** Parses and runs; resolves with the exit code. */
export async function runCli(args: string[], io: Io): Promise<number> {
  const runner = new Runner(io);
  const program = buildProgram(runner, io);
  try {
    await program.parseAsync(args, { from: 'user' });
    return runner.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with code 0; every other parse error is a usage error.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0
        ? EXIT.ok
        : EXIT.usage;
    }
    throw err;
  }
}
