import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';

/** What the ledger and the processes' logs say about one command: printed when a test finds it out of place. */
export interface CommandHistory {
  id: string;
  type: string;
  state: string;
  attempt: number;
  assignedAgent: string | null;
  events: string[];
  logLines: string[];
}

/**
 * The history of each command the WHERE clause picks (at most `limit`): its
 * row, its ledger events in order, and every line of the logs in `logDir`
 * (and the effect logs in `effectDir`) that names it. An assertion on the
 * result reads `[]` when all is well and the whole story of each stray
 * command when not, so a rare failure explains itself from the CI output.
 */
export async function commandHistories(
  pool: Pool,
  where: string,
  dirs: { logDir: string; effectDir?: string },
  limit = 5,
): Promise<CommandHistory[]> {
  const { rows } = await pool.query<{
    id: string;
    type: string;
    state: string;
    attempt: number;
    assigned_agent: string | null;
  }>(`SELECT id, type, state, attempt, assigned_agent FROM commands WHERE ${where} ORDER BY id LIMIT ${limit}`);
  if (rows.length === 0) return [];
  const { rows: events } = await pool.query<{ command_id: string; line: string }>(
    `SELECT command_id, concat_ws(' ', to_char(at, 'HH24:MI:SS.MS'), event, attempt, coalesce(from_state, '-') || '->' || to_state,
       agent_id, data::text) AS line
     FROM command_events WHERE command_id = ANY($1) ORDER BY id`,
    [rows.map((r) => r.id)],
  );
  const files = [dirs.logDir, dirs.effectDir].flatMap((dir) =>
    dir && existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.log') || f.endsWith('.jsonl'))
          .map((f) => ({ name: f, text: readFileSync(path.join(dir, f), 'utf8') }))
      : [],
  );
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    state: r.state,
    attempt: r.attempt,
    assignedAgent: r.assigned_agent,
    events: events.filter((e) => e.command_id === r.id).map((e) => e.line),
    logLines: files.flatMap((f) =>
      f.text
        .split('\n')
        .filter((line) => line.includes(r.id))
        .map((line) => `${f.name}: ${line}`),
    ),
  }));
}
