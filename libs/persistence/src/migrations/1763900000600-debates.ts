import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The debate workflow (docs/debate.md).
 *
 * - `topics`: one row per topic; `state` moves only by compare-and-set
 *   (sql/topic.sql.ts). `next_due_at` is the instant of the topic's next
 *   timed step (signup open, signup close, debate start) and null when none
 *   remains, so the ticker's claim reads one partial index, `topics_due`,
 *   holding only topics that still wait for the clock.
 * - `topic_events`: the audit trail, one row per applied transition,
 *   written by the same statement as the compare-and-set. Unique on
 *   (topic, event): a transition can be recorded once, never twice.
 * - `topic_signups`: one row per topic and agent; re-signing replaces the camps.
 * - `topic_allocations`: the camp each allocated agent holds, with the
 *   `debate.assigned` command that told it. One agent per camp, one camp per agent.
 * - `debate_rounds`, `debate_arguments`: the transcript. Arguments are read
 *   per topic in id (time) order.
 * - `debate_verdicts`: at most one per topic (its primary key).
 */
export class Debates1763900000600 implements MigrationInterface {
  name = 'Debates1763900000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE topics (
        id uuid PRIMARY KEY,
        title text NOT NULL,
        summary text NOT NULL,
        visibility text NOT NULL CONSTRAINT topics_visibility_known CHECK (visibility IN ('public', 'private')),
        state text NOT NULL DEFAULT 'created' CONSTRAINT topics_state_known
          CHECK (state IN ('created', 'signup_open', 'signup_closed', 'debating', 'completed', 'cancelled')),
        signup_open_at timestamptz NOT NULL,
        signup_close_at timestamptz NOT NULL,
        debate_start_at timestamptz NOT NULL,
        debate_end_at timestamptz NOT NULL,
        verdict_schema jsonb,
        next_due_at timestamptz,
        cancel_reason text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT topics_times_in_order CHECK (
          signup_open_at < signup_close_at AND signup_close_at < debate_start_at AND debate_start_at < debate_end_at)
      )`);
    await q.query(`CREATE INDEX topics_due ON topics (next_due_at) WHERE next_due_at IS NOT NULL`);
    await q.query(`CREATE INDEX topics_public_id ON topics (id) WHERE visibility = 'public'`);
    await q.query(`CREATE INDEX topics_created_by_id ON topics (created_by, id)`);

    await q.query(`
      CREATE TABLE topic_events (
        topic_id uuid NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
        event text NOT NULL,
        from_state text NOT NULL,
        to_state text NOT NULL,
        data jsonb,
        at timestamptz NOT NULL,
        PRIMARY KEY (topic_id, event)
      )`);

    await q.query(`
      CREATE TABLE topic_signups (
        topic_id uuid NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
        agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        camps text[] NOT NULL CONSTRAINT topic_signups_camps_known
          CHECK (cardinality(camps) BETWEEN 1 AND 3 AND camps <@ ARRAY['pro', 'con', 'judge']),
        signed_up_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (topic_id, agent_id)
      )`);
    await q.query(`CREATE INDEX topic_signups_agent ON topic_signups (agent_id, topic_id)`);

    await q.query(`
      CREATE TABLE topic_allocations (
        topic_id uuid NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
        camp text NOT NULL CONSTRAINT topic_allocations_camp_known CHECK (camp IN ('pro', 'con', 'judge')),
        agent_id text NOT NULL REFERENCES agents (id),
        backfilled boolean NOT NULL,
        command_id uuid NOT NULL,
        allocated_at timestamptz NOT NULL,
        PRIMARY KEY (topic_id, camp),
        CONSTRAINT topic_allocations_one_camp_per_agent UNIQUE (topic_id, agent_id)
      )`);

    await q.query(`
      CREATE TABLE debate_rounds (
        topic_id uuid NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
        number integer NOT NULL CHECK (number >= 0),
        opened_at timestamptz NOT NULL,
        closes_at timestamptz NOT NULL,
        PRIMARY KEY (topic_id, number)
      )`);

    await q.query(`
      CREATE TABLE debate_arguments (
        id uuid PRIMARY KEY,
        topic_id uuid NOT NULL,
        round integer NOT NULL,
        agent_id text NOT NULL,
        camp text NOT NULL CONSTRAINT debate_arguments_camp_argues CHECK (camp IN ('pro', 'con')),
        body text NOT NULL CONSTRAINT debate_arguments_body_size CHECK (octet_length(body) BETWEEN 1 AND 32768),
        created_at timestamptz NOT NULL,
        FOREIGN KEY (topic_id, round) REFERENCES debate_rounds (topic_id, number) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX debate_arguments_topic_id ON debate_arguments (topic_id, id)`);

    await q.query(`
      CREATE TABLE debate_verdicts (
        topic_id uuid PRIMARY KEY REFERENCES topics (id) ON DELETE CASCADE,
        judge_agent_id text NOT NULL,
        verdict jsonb NOT NULL,
        rationale text NOT NULL CONSTRAINT debate_verdicts_rationale_given CHECK (length(btrim(rationale)) > 0),
        created_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE debate_verdicts, debate_arguments, debate_rounds, topic_allocations, topic_signups, topic_events, topics`,
    );
  }
}
