import type { Camp } from '@switchyard/domain';
import { Queryable } from './db';

export interface RoundRow {
  topic_id: string;
  number: number;
  opened_at: Date;
  closes_at: Date;
}

export async function openRound(
  tx: Queryable,
  r: { topicId: string; number: number; closesAt: Date },
  now: Date,
): Promise<RoundRow> {
  const { rows } = await tx.query<RoundRow>(
    `INSERT INTO debate_rounds (topic_id, number, opened_at, closes_at) VALUES ($1, $2, $3, $4) RETURNING *`,
    [r.topicId, r.number, now, r.closesAt],
  );
  return rows[0];
}

/** The highest-numbered round open at `now` (opened, not yet closed). Primary key (topic_id, number). */
export async function latestOpenRound(db: Queryable, topicId: string, now: Date): Promise<RoundRow | undefined> {
  const { rows } = await db.query<RoundRow>(
    `SELECT * FROM debate_rounds WHERE topic_id = $1 AND opened_at <= $2 AND closes_at > $2
     ORDER BY number DESC LIMIT 1`,
    [topicId, now],
  );
  return rows[0];
}

export interface ArgumentRow {
  id: string;
  topic_id: string;
  round: number;
  agent_id: string;
  camp: Camp;
  body: string;
  created_at: Date;
}

export async function insertArgument(
  tx: Queryable,
  a: { id: string; topicId: string; round: number; agentId: string; camp: Camp; body: string },
  now: Date,
): Promise<ArgumentRow> {
  const { rows } = await tx.query<ArgumentRow>(
    `INSERT INTO debate_arguments (id, topic_id, round, agent_id, camp, body, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [a.id, a.topicId, a.round, a.agentId, a.camp, a.body, now],
  );
  return rows[0];
}

/** A topic's transcript in posting order (ids are UUIDv7), after the keyset cursor. Index: debate_arguments_topic_id. */
export async function listArguments(
  db: Queryable,
  topicId: string,
  page: { after?: string; limit: number },
): Promise<ArgumentRow[]> {
  const { rows } = await db.query<ArgumentRow>(
    `SELECT * FROM debate_arguments WHERE topic_id = $1 AND ($2::uuid IS NULL OR id > $2::uuid)
     ORDER BY id LIMIT $3`,
    [topicId, page.after ?? null, page.limit],
  );
  return rows;
}

export interface VerdictRow {
  topic_id: string;
  judge_agent_id: string;
  verdict: unknown;
  rationale: string;
  created_at: Date;
}

/** Records the verdict; undefined when the topic already has one (its primary key). */
export async function insertVerdict(
  tx: Queryable,
  v: { topicId: string; judgeAgentId: string; verdict: unknown; rationale: string },
  now: Date,
): Promise<VerdictRow | undefined> {
  const { rows } = await tx.query<VerdictRow>(
    `INSERT INTO debate_verdicts (topic_id, judge_agent_id, verdict, rationale, created_at)
     VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT (topic_id) DO NOTHING RETURNING *`,
    [v.topicId, v.judgeAgentId, JSON.stringify(v.verdict), v.rationale, now],
  );
  return rows[0];
}

export async function findVerdict(db: Queryable, topicId: string): Promise<VerdictRow | undefined> {
  const { rows } = await db.query<VerdictRow>(`SELECT * FROM debate_verdicts WHERE topic_id = $1`, [topicId]);
  return rows[0];
}
