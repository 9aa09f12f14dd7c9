import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One real execution of a handler, as the demo agents log it before reporting. */
export interface Effect {
  commandId: string;
  attempt: number;
  agentId: string;
  outcome: 'succeeded' | 'failed';
}

export function readEffects(dir: string): Effect[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) =>
      readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Effect),
    );
}

/** Commands whose handler succeeded more than once: must always be empty. */
export function succeededTwice(effects: readonly Effect[]): string[] {
  const counts = new Map<string, number>();
  for (const e of effects) if (e.outcome === 'succeeded') counts.set(e.commandId, (counts.get(e.commandId) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([id]) => id);
}
