import { Command, Option } from 'commander';
import { AGENT_PHASES } from '@switchyard/domain/agent/agent-phase';
import type { Runner } from '../context';
import { agentList, mintedKey } from '../format';
import { listAgentsRequest, mintAgentKeyRequest, revokeKeyRequest } from '../requests';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** agents ls | mint-key | revoke. Minting and revoking take the admin key. */
export function registerAgentCommands(program: Command, runner: Runner): void {
  const agents = program.command('agents').description('agents and their keys');

  agents
    .command('ls')
    .description('agents with their current status')
    .option('-p, --pool <name>', 'only agents serving this pool')
    .addOption(new Option('--status <phase>', 'only agents in this phase').choices(AGENT_PHASES))
    .addHelpText('after', '\nExample:\n  switchyard agents ls --pool demo --status idle')
    .action((opts: { pool?: string; status?: string }, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        const { body } = await ctx.client().call(listAgentsRequest(opts), ctx.signal);
        if (ctx.out.json) return ctx.out.printJson(body);
        const items = (body as { items?: Record<string, unknown>[] }).items ?? [];
        ctx.out.print(agentList(items, ctx.out.c));
      }),
    );

  agents
    .command('mint-key')
    .description("register an agent and mint its API key (shown once); --force rotates an existing agent's key")
    .argument('<id>', 'agent id (a slug)')
    .option('--name <name>', 'display name')
    .option('-p, --pool <name>', 'a pool it serves (repeatable)', collect)
    .option('--concurrency <n>', 'commands it runs at once')
    .option('-l, --label <key=value>', 'a label (repeatable)', collect)
    .option('-f, --force', 'the agent exists: update it and rotate its key (old keys are revoked)')
    .addHelpText(
      'after',
      '\nExamples:\n  switchyard agents mint-key worker-1 --pool demo --concurrency 4\n' +
        '  switchyard agents mint-key worker-1 --force --json | jq -r .apiKey',
    )
    .action(
      (
        id: string,
        opts: { name?: string; pool?: string[]; concurrency?: string; label?: string[]; force?: boolean },
        cmd: Command,
      ) =>
        runner.run(cmd, async (ctx) => {
          const { body } = await ctx.client().call(mintAgentKeyRequest({ id, ...opts }), ctx.signal);
          if (ctx.out.json) ctx.out.printJson(body);
          else ctx.out.print(mintedKey(body as Record<string, unknown>, ctx.out.c));
        }),
    );

  agents
    .command('revoke')
    .description('revoke an API key by its key id (idempotent)')
    .argument('<key-id>', 'the keyId shown when the key was minted')
    .addHelpText('after', '\nExample:\n  switchyard agents revoke 0197a3e4-5c1b-7d2e-9f40-2b6c8d9e0a11')
    .action((keyId: string, _opts: unknown, cmd: Command) =>
      runner.run(cmd, async (ctx) => {
        await ctx.client().call(revokeKeyRequest(keyId), ctx.signal);
        if (ctx.out.json) ctx.out.printJson({ keyId, revoked: true });
        else ctx.out.print(`key ${keyId} revoked`);
      }),
    );
}
