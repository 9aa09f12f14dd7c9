import type { Camp, TopicEvent, TopicState, TopicVisibility } from '@switchyard/domain';
import { Queryable } from './db';

/** A `topics` row as the SQL in this file returns it. */
export interface TopicRow {
  id: string;
  title: string;
  summary: string;
  visibility: TopicVisibility;
  state: TopicState;
  signup_open_at: Date;
  signup_close_at: Date;
  debate_start_at: Date;
  debate_end_at: Date;
  verdict_schema: unknown;
  next_due_at: Date | null;
  cancel_reason: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface NewTopic {
  id: string;
  title: string;
  summary: string;
  visibility: TopicVisibility;
  signupOpenAt: Date;
  signupCloseAt: Date;
  debateStartAt: Date;
  debateEndAt: Date;
  /** Undefined: no schema; the verdict is any JSON value. */
  verdictSchema: unknown;
  createdBy: string;
}

/** A new topic is `created` and first due when its sign-up opens. */
export async function insertTopic(db: Queryable, t: NewTopic, now: Date): Promise<TopicRow> {
  const { rows } = await db.query<TopicRow>(
    `INSERT INTO topics (id, title, summary, visibility, state, signup_open_at, signup_close_at, debate_start_at,
       debate_end_at, verdict_schema, next_due_at, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'created', $5, $6, $7, $8, $9::jsonb, $5, $10, $11, $11)
     RETURNING *`,
    [
      t.id,
      t.title,
      t.summary,
      t.visibility,
      t.signupOpenAt,
      t.signupCloseAt,
      t.debateStartAt,
      t.debateEndAt,
      t.verdictSchema === undefined ? null : JSON.stringify(t.verdictSchema),
      t.createdBy,
      now,
    ],
  );
  return rows[0];
}

export async function findTopic(db: Queryable, id: string): Promise<TopicRow | undefined> {
  const { rows } = await db.query<TopicRow>(`SELECT * FROM topics WHERE id = $1`, [id]);
  return rows[0];
}

/**
 * Reads a topic and locks it for the rest of the transaction. `share` lets
 * other readers through and holds off the ticker and the verdict (they lock
 * `for update`): a sign-up or an argument is judged on a state that cannot
 * change before it commits. The ticker's claim skips a topic locked this way
 * and takes it on its next pass.
 */
export async function lockTopic(tx: Queryable, id: string, mode: 'share' | 'update'): Promise<TopicRow | undefined> {
  const { rows } = await tx.query<TopicRow>(
    `SELECT * FROM topics WHERE id = $1 ${mode === 'share' ? 'FOR SHARE' : 'FOR UPDATE'}`,
    [id],
  );
  return rows[0];
}

/** Which topics a listing shows: all (admin), or public ones plus those of a creator or a signed-up agent. */
export type TopicScope = { all: true } | { all: false; createdBy?: string; agentId?: string };

/**
 * Topics visible in `scope`, oldest first (ids are UUIDv7), after the keyset
 * cursor. Reads the primary key in order and filters; private topics a
 * reader cannot see are skipped.
 */
export async function listTopics(
  db: Queryable,
  scope: TopicScope,
  page: { after?: string; limit: number },
): Promise<TopicRow[]> {
  const { rows } = await db.query<TopicRow>(
    `SELECT t.* FROM topics t
     WHERE ($1::uuid IS NULL OR t.id > $1::uuid)
       AND ($2::boolean
         OR t.visibility = 'public'
         OR t.created_by = $3
         OR EXISTS (SELECT 1 FROM topic_signups s WHERE s.topic_id = t.id AND s.agent_id = $4))
     ORDER BY t.id LIMIT $5`,
    [
      page.after ?? null,
      scope.all,
      scope.all ? null : (scope.createdBy ?? null),
      scope.all ? null : (scope.agentId ?? null),
      page.limit,
    ],
  );
  return rows;
}

/**
 * Claim of the debate ticker job: topics whose next timed step has come,
 * earliest first, at most `limit` (the runner's batch size). `FOR UPDATE SKIP
 * LOCKED` hands each due topic to one replica per pass; the lock is held
 * until the step's writes (state, allocations, commands, round) commit
 * together. Index: topics_due, partial on `next_due_at IS NOT NULL`, so the
 * cost follows the number of waiting topics, not of topics.
 */
export async function claimDueTopics(tx: Queryable, now: Date, limit: number): Promise<TopicRow[]> {
  const { rows } = await tx.query<TopicRow>(
    `SELECT * FROM topics WHERE next_due_at IS NOT NULL AND next_due_at <= $1
     ORDER BY next_due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows;
}

export interface TopicAdvance {
  id: string;
  from: TopicState;
  to: TopicState;
  event: TopicEvent;
  /** The instant of the next timed step in the new state; null when none remains. */
  nextDueAt: Date | null;
  cancelReason?: string;
  data?: unknown;
}

/**
 * The one write that changes a topic's state: a compare-and-set on the state
 * it expects, recording the transition in `topic_events` in the same
 * statement. Undefined when the topic is no longer in `from` (the race was
 * lost); the (topic, event) key of `topic_events` makes a second recording
 * of the same transition impossible.
 */
export async function advanceTopic(tx: Queryable, a: TopicAdvance, now: Date): Promise<TopicRow | undefined> {
  const { rows } = await tx.query<TopicRow>(
    `WITH moved AS (
       UPDATE topics SET state = $3, next_due_at = $4, cancel_reason = coalesce($5, cancel_reason), updated_at = $7
       WHERE id = $1 AND state = $2
       RETURNING *
     ), logged AS (
       INSERT INTO topic_events (topic_id, event, from_state, to_state, data, at)
       SELECT id, $6, $2, $3, $8::jsonb, $7 FROM moved
     )
     SELECT * FROM moved`,
    [a.id, a.from, a.to, a.nextDueAt, a.cancelReason ?? null, a.event, now, JSON.stringify(a.data ?? null)],
  );
  return rows[0];
}

/**
 * Resets a claimed topic's `next_due_at` to what its state waits for, when
 * the stored value drifted (set by hand, say) and nothing is due. Fenced on
 * the state; no event is recorded, nothing changed state.
 */
export async function resetNextDueAt(
  tx: Queryable,
  id: string,
  state: TopicState,
  nextDueAt: Date | null,
): Promise<boolean> {
  const { rowCount } = await tx.query(`UPDATE topics SET next_due_at = $3 WHERE id = $1 AND state = $2`, [
    id,
    state,
    nextDueAt,
  ]);
  return (rowCount ?? 0) > 0;
}

export interface SignupRow {
  topic_id: string;
  agent_id: string;
  camps: Camp[];
  signed_up_at: Date;
  updated_at: Date;
}

/**
 * Records an agent's sign-up, or replaces its camps if it signed up before.
 * The caller holds the topic (`lockTopic` share) and has checked that
 * sign-up is open. `inserted` tells a first sign-up from a replacement.
 */
export async function upsertSignup(
  tx: Queryable,
  s: { topicId: string; agentId: string; camps: readonly Camp[] },
  now: Date,
): Promise<{ row: SignupRow; inserted: boolean }> {
  const { rows } = await tx.query<SignupRow & { inserted: boolean }>(
    `INSERT INTO topic_signups (topic_id, agent_id, camps, signed_up_at, updated_at)
     VALUES ($1, $2, $3::text[], $4, $4)
     ON CONFLICT (topic_id, agent_id) DO UPDATE SET camps = EXCLUDED.camps, updated_at = EXCLUDED.updated_at
     RETURNING *, (xmax = 0) AS inserted`,
    [s.topicId, s.agentId, s.camps, now],
  );
  const { inserted, ...row } = rows[0];
  return { row, inserted };
}

export async function listSignups(db: Queryable, topicId: string): Promise<SignupRow[]> {
  const { rows } = await db.query<SignupRow>(`SELECT * FROM topic_signups WHERE topic_id = $1 ORDER BY agent_id`, [
    topicId,
  ]);
  return rows;
}

export async function isSignedUp(db: Queryable, topicId: string, agentId: string): Promise<boolean> {
  const { rowCount } = await db.query(`SELECT 1 FROM topic_signups WHERE topic_id = $1 AND agent_id = $2`, [
    topicId,
    agentId,
  ]);
  return (rowCount ?? 0) > 0;
}

export interface AllocationRow {
  topic_id: string;
  camp: Camp;
  agent_id: string;
  backfilled: boolean;
  command_id: string;
  allocated_at: Date;
}

/** Records a topic's camps; the primary key (topic, camp) and the unique (topic, agent) refuse any double. */
export async function insertAllocations(
  tx: Queryable,
  topicId: string,
  allocations: readonly { camp: Camp; agentId: string; backfilled: boolean; commandId: string }[],
  now: Date,
): Promise<AllocationRow[]> {
  const { rows } = await tx.query<AllocationRow>(
    `INSERT INTO topic_allocations (topic_id, camp, agent_id, backfilled, command_id, allocated_at)
     SELECT $1, a.camp, a.agent_id, a.backfilled, a.command_id, $3
     FROM jsonb_to_recordset($2::jsonb) AS a(camp text, agent_id text, backfilled boolean, command_id uuid)
     RETURNING *`,
    [
      topicId,
      JSON.stringify(
        allocations.map((a) => ({
          camp: a.camp,
          agent_id: a.agentId,
          backfilled: a.backfilled,
          command_id: a.commandId,
        })),
      ),
      now,
    ],
  );
  return rows;
}

export async function listAllocations(db: Queryable, topicId: string): Promise<AllocationRow[]> {
  const { rows } = await db.query<AllocationRow>(
    `SELECT * FROM topic_allocations WHERE topic_id = $1
     ORDER BY array_position(ARRAY['pro', 'con', 'judge'], camp)`,
    [topicId],
  );
  return rows;
}

/** The camp `agentId` holds on a topic, if any. */
export async function campOf(db: Queryable, topicId: string, agentId: string): Promise<Camp | undefined> {
  const { rows } = await db.query<{ camp: Camp }>(
    `SELECT camp FROM topic_allocations WHERE topic_id = $1 AND agent_id = $2`,
    [topicId, agentId],
  );
  return rows[0]?.camp;
}
