import type { Handler } from '@switchyard/agent-sdk';
import { appendFileSync } from 'node:fs';

/** One line of an agent's effect log: a handler ran to an outcome. */
export interface EffectLine {
  commandId: string;
  attempt: number;
  agentId: string;
  outcome: 'succeeded' | 'failed';
  at: string;
}

/**
 * Wraps handlers so every completion appends one JSON line to `file`,
 * synchronously and before the SDK publishes the report: a test that counts
 * lines counts real executions, even if the process dies right after.
 */
export function withEffectLog(
  handlers: Record<string, Handler>,
  file: string,
  agentId: string,
  now: () => Date = () => new Date(),
): Record<string, Handler> {
  const record = (commandId: string, attempt: number, outcome: EffectLine['outcome']) => {
    const line: EffectLine = { commandId, attempt, agentId, outcome, at: now().toISOString() };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  return Object.fromEntries(
    Object.entries(handlers).map(([type, handler]): [string, Handler] => [
      type,
      async (payload, ctx) => {
        let result: unknown;
        try {
          result = await handler(payload, ctx);
        } catch (err) {
          record(ctx.commandId, ctx.attempt, 'failed');
          throw err;
        }
        record(ctx.commandId, ctx.attempt, 'succeeded');
        return result;
      },
    ]),
  );
}
