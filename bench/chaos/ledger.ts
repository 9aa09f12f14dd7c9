import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import type { ClientRecord, EffectRecord, LedgerCommand, LedgerEvent } from './records';

/**
 * Reads the three witnesses for the checker: JSONL files and the ledger
 * tables, with plain SQL (no service code, no entities).
 */

function readJsonl<T>(dir: string): T[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  } catch {
    return [];
  }
  return files.flatMap((f) =>
    readFileSync(path.join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as T),
  );
}

export const readClientRecords = (dir: string): ClientRecord[] => readJsonl<ClientRecord>(dir);
export const readEffectRecords = (dir: string): EffectRecord[] => readJsonl<EffectRecord>(dir);

export async function readLedger(pool: Pool): Promise<{ commands: LedgerCommand[]; events: LedgerEvent[] }> {
  const commands = await pool.query<LedgerCommand>(
    `SELECT c.id, c.state, c.attempt,
            EXISTS (SELECT 1 FROM dead_letters d WHERE d.command_id = c.id) AS "deadLettered"
     FROM commands c`,
  );
  const events = await pool.query<LedgerEvent>(
    `SELECT id::float8 AS seq, command_id AS "commandId", attempt, event, to_state AS "toState", agent_id AS "agentId"
     FROM command_events ORDER BY id`,
  );
  return { commands: commands.rows, events: events.rows };
}

/** Commands the clients recorded that are not terminal yet (for the settle wait and the progress line). */
export async function countOpen(pool: Pool, ids: readonly string[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM unnest($1::uuid[]) AS a(id)
     LEFT JOIN commands c USING (id)
     WHERE c.state IS NULL OR c.state NOT IN ('succeeded', 'failed', 'cancelled', 'expired', 'stuck')`,
    [ids],
  );
  return rows[0].n;
}
