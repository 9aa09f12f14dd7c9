import type { Queryable } from '@switchyard/persistence';

/** A `POST /v1/topics` body whose four instants are `offsetsMs` from `from` (open, close, start, end). */
export function topicBody(
  offsetsMs: [number, number, number, number],
  extra: Record<string, unknown> = {},
  from = Date.now(),
): Record<string, unknown> {
  const [open, close, start, end] = offsetsMs.map((ms) => new Date(from + ms).toISOString());
  return {
    title: 'Tabs or spaces',
    summary: 'Which indentation should the style guide mandate?',
    visibility: 'public',
    signupOpenAt: open,
    signupCloseAt: close,
    debateStartAt: start,
    debateEndAt: end,
    ...extra,
  };
}

/**
 * Moves a topic's clock: every instant (and its next due instant) `ms`
 * earlier, so the past is written instead of waited for. The order of the
 * instants is kept.
 */
export async function shiftTopic(db: Queryable, topicId: string, ms: number): Promise<void> {
  const by = `${ms} milliseconds`;
  await db.query(
    `UPDATE topics SET signup_open_at = signup_open_at - $2::interval, signup_close_at = signup_close_at - $2::interval,
       debate_start_at = debate_start_at - $2::interval, debate_end_at = debate_end_at - $2::interval,
       next_due_at = next_due_at - $2::interval
     WHERE id = $1`,
    [topicId, by],
  );
  await db.query(
    `UPDATE debate_rounds SET opened_at = opened_at - $2::interval, closes_at = closes_at - $2::interval
     WHERE topic_id = $1`,
    [topicId, by],
  );
}

/** A topic's applied transitions, in order. */
export async function topicEvents(db: Queryable, topicId: string): Promise<string[]> {
  const { rows } = await db.query<{ event: string }>(
    `SELECT event FROM topic_events WHERE topic_id = $1 ORDER BY at, event`,
    [topicId],
  );
  return rows.map((r) => r.event);
}
