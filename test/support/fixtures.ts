import { CommandDraft, DEFAULT_BACKOFF } from '@switchyard/domain';
import { CommandRow, insertCommands, Queryable } from '@switchyard/persistence';
import { v7 as uuidv7 } from 'uuid';

/** A queued command for agent `agent-1`, with any field overridden. */
export function draft(overrides: Partial<CommandDraft> = {}): CommandDraft {
  return {
    id: uuidv7(),
    targetKind: 'agent',
    target: 'agent-1',
    type: 'echo',
    payload: { n: 1 },
    caller: 'client:test',
    idempotencyKey: null,
    mode: 'async',
    state: 'queued',
    maxAttempts: 3,
    backoff: { ...DEFAULT_BACKOFF, jitter: false },
    runAt: null,
    deadlineAt: new Date(Date.now() + 3_600_000),
    ackTimeoutMs: 10_000,
    heartbeatTimeoutMs: 30_000,
    depth: 0,
    parentId: null,
    traceparent: null,
    ...overrides,
  };
}

export async function seedCommands(
  db: Queryable,
  count: number,
  overrides: Partial<CommandDraft> = {},
  now = new Date(),
): Promise<CommandRow[]> {
  const rows: CommandRow[] = [];
  for (let i = 0; i < count; i += 500) {
    const batch = Array.from({ length: Math.min(500, count - i) }, () => draft(overrides));
    rows.push(...(await insertCommands(db, batch, now)));
  }
  return rows;
}

export async function seedAgent(
  db: Queryable,
  agent: { id: string; pools?: string[]; concurrency?: number; status?: string; sessionId?: string },
): Promise<void> {
  await db.query(
    `INSERT INTO agents (id, name, pools, max_concurrency, status, session_id, last_heartbeat_at)
     VALUES ($1, $1, $2, $3, $4, $5, now())`,
    [agent.id, agent.pools ?? [], agent.concurrency ?? 1, agent.status ?? 'idle', agent.sessionId ?? 's1'],
  );
}

/** A failed command of `caller` with its (already published) dead letter; returns the dead letter's id. */
export async function seedDeadLetter(db: Queryable, caller: string): Promise<string> {
  const [command] = await seedCommands(db, 1, { caller });
  await db.query(`UPDATE commands SET state = 'failed', finished_at = now(), attempt = 1 WHERE id = $1`, [command.id]);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO dead_letters (command_id, reason, type, target, attempt, error, published_at)
     VALUES ($1, 'failed', $2, $3, 1, '{"message":"seeded"}', now()) RETURNING id`,
    [command.id, command.type, command.target],
  );
  return rows[0].id;
}
