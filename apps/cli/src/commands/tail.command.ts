import type { Command } from 'commander';
import { COMMAND_STATES, isTerminal, type CommandState } from '@switchyard/domain/command/command-state';
import type { Runner } from '../context';
import { followStream } from '../event-stream';
import { EXIT, exitCodeForFinalState } from '../exit-codes';
import { streamEvent } from '../format';
import { eventId, getCommandRequest, streamRequest, tailTarget } from '../requests';

/**
 * How long after the stream opened a command that the ledger already shows
 * finished may go without its final event: the stream keeps a bounded history
 * (50 events, one day), so the final event may be gone; the replay of what is
 * retained arrives at once.
 */
const FINAL_EVENT_GRACE_MS = 1_500;

export function registerTailCommand(program: Command, runner: Runner): void {
  program
    .command('tail')
    .description("follow a command's lifecycle events, one agent's or every agent's status, live")
    .argument('[command-id]', 'follow this command until its final event')
    .option('-a, --agent <id>', "follow one agent's status events")
    .option('--all-agents', "follow every agent's status events")
    .option('--since <event-id>', 'resume after this event id (Last-Event-ID)')
    .addHelpText(
      'after',
      "\nRuns until Ctrl-C; a command tail ends at the command's final event, with the\n" +
        'exit code a sync submit would have (0 succeeded, 2 failed, 4 cancelled/expired/stuck).\n' +
        '\nExamples:\n  switchyard tail 0197a3e4-5c1b-7d2e-9f40-2b6c8d9e0a11\n' +
        '  switchyard tail --agent demo-1 --since 1042\n  switchyard tail --all-agents --json',
    )
    .action(
      (commandId: string | undefined, opts: { agent?: string; allAgents?: boolean; since?: string }, cmd: Command) =>
        runner.run(cmd, async (ctx) => {
          const target = tailTarget({ commandId, agent: opts.agent, allAgents: opts.allAgents });
          const since = opts.since === undefined ? undefined : eventId(opts.since);
          const stopper = new AbortController();
          const interrupt = () => stopper.abort();
          ctx.signal.addEventListener('abort', interrupt, { once: true });

          let ledgerState: CommandState | undefined;
          if (target.kind === 'command') {
            const { body } = await ctx.client().call(getCommandRequest(target.id), ctx.signal);
            ledgerState = commandState((body as { state?: unknown }).state);
          }
          let final: CommandState | undefined;
          let finalFromLedger = false;
          let grace: NodeJS.Timeout | undefined;
          try {
            await followStream(ctx.client(), streamRequest(target), {
              since,
              signal: stopper.signal,
              onOpen: () => {
                if (!ledgerState || !isTerminal(ledgerState) || grace) return;
                grace = setTimeout(() => {
                  final = ledgerState;
                  finalFromLedger = true;
                  stopper.abort();
                }, FINAL_EVENT_GRACE_MS);
              },
              onEvent: (message) => {
                if (ctx.out.json) ctx.out.printJson(message, true);
                else ctx.out.print(streamEvent(message, ctx.out.c));
                if (target.kind !== 'command') return false;
                const state = commandState((message.data as { state?: unknown } | null)?.state);
                if (state && isTerminal(state)) final = state;
                return final !== undefined;
              },
            });
          } finally {
            clearTimeout(grace);
            ctx.signal.removeEventListener('abort', interrupt);
          }
          if (target.kind !== 'command') return EXIT.ok;
          if (!final) return EXIT.interrupted;
          if (finalFromLedger)
            ctx.out.note(`the stream no longer holds the final event; the ledger says the command is ${final}`);
          return exitCodeForFinalState(final);
        }),
    );
}

function commandState(value: unknown): CommandState | undefined {
  return (COMMAND_STATES as readonly unknown[]).includes(value) ? (value as CommandState) : undefined;
}
