import type { Queryable } from '@switchyard/persistence';

/**
 * Due rows for every ticker job, written in one SQL statement per kind
 * (generate_series), with the past set directly: leases, deadlines, run_at
 * and heartbeats already behind `now()`. Kinds are disjoint, and each one's
 * transition leads to a row no other job claims for an hour (retries back
 * off an hour), so the count of each job's effects is exact.
 */
export const DUE_KINDS = [
  'deadline',
  'agent-liveness',
  'ack-timeout',
  'heartbeat-loss',
  'scheduled-due',
  'publish-due',
  'retention',
] as const;
export type DueKind = (typeof DUE_KINDS)[number];

/** The command_events row each command kind's transition writes. */
export const EVENT_OF: Partial<Record<DueKind, string>> = {
  deadline: 'expire',
  'ack-timeout': 'ack-timeout',
  'heartbeat-loss': 'heartbeat-lost',
  'scheduled-due': 'due',
};

const HOUR_BACKOFF = JSON.stringify({ kind: 'constant', baseMs: 3_600_000, maxMs: 3_600_000, jitter: false });

/** Columns every seeded command shares: type 'due-<kind>', 50 agents, retries an hour apart. */
const COLUMNS = `id, target_kind, target, type, payload, caller, mode, max_attempts, backoff,
  ack_timeout_ms, heartbeat_timeout_ms, state, attempt, available_at, published_at, deadline_at`;
const common = (kind: DueKind) => `gen_random_uuid(), 'agent', 'agent-' || (g % 50), 'due-${kind}', '{}'::jsonb,
  'client:seed', 'async', 3, $2::jsonb, 10000, 30000`;

/** One INSERT … SELECT … FROM generate_series(1, $1) per kind; `g` spreads the due instants 1 ms apart. */
function insertSql(kind: Exclude<DueKind, 'agent-liveness'>): string {
  switch (kind) {
    case 'deadline':
      // Running, lease an hour ahead: only the deadline is due, and the agent must be told to cancel.
      return `INSERT INTO commands (${COLUMNS}, assigned_agent, dispatched_at, accepted_at, last_heartbeat_at, lease_expires_at)
        SELECT ${common(kind)}, 'running', 1, now() - interval '10 min', now() - interval '10 min',
          now() - interval '1 min' - g * interval '1 ms',
          'agent-' || (g % 50), now() - interval '3 min', now() - interval '3 min', now(), now() + interval '1 hour'
        FROM generate_series(1, $1) g`;
    case 'ack-timeout':
      return `INSERT INTO commands (${COLUMNS}, assigned_agent, dispatched_at, last_heartbeat_at, lease_expires_at)
        SELECT ${common(kind)}, 'dispatched', 1, now() - interval '10 min', now() - interval '10 min', now() + interval '1 hour',
          'agent-' || (g % 50), now() - interval '2 min', now() - interval '2 min', now() - interval '1 min' - g * interval '1 ms'
        FROM generate_series(1, $1) g`;
    case 'heartbeat-loss':
      return `INSERT INTO commands (${COLUMNS}, assigned_agent, dispatched_at, accepted_at, last_heartbeat_at, lease_expires_at)
        SELECT ${common(kind)}, 'running', 1, now() - interval '10 min', now() - interval '10 min', now() + interval '1 hour',
          'agent-' || (g % 50), now() - interval '3 min', now() - interval '3 min', now() - interval '2 min',
          now() - interval '1 min' - g * interval '1 ms'
        FROM generate_series(1, $1) g`;
    case 'scheduled-due':
      return `INSERT INTO commands (${COLUMNS}, run_at)
        SELECT ${common(kind)}, 'scheduled', 0, now() - g * interval '1 ms', NULL, now() + interval '1 hour',
          now() - g * interval '1 ms'
        FROM generate_series(1, $1) g`;
    case 'publish-due':
      // A retry whose backoff has passed: never published for this attempt.
      return `INSERT INTO commands (${COLUMNS})
        SELECT ${common(kind)}, 'queued', 1, now() - g * interval '1 ms', NULL, now() + interval '1 hour'
        FROM generate_series(1, $1) g`;
    case 'retention':
      return `INSERT INTO commands (${COLUMNS}, finished_at)
        SELECT ${common(kind)}, 'succeeded', 1, now() - interval '9 days', now() - interval '9 days',
          now() - interval '8 days', now() - interval '8 days' - g * interval '1 ms'
        FROM generate_series(1, $1) g`;
  }
}

/** Inserts `count` due rows of `kind` (silent agents for agent-liveness). */
export async function seedDueRows(db: Queryable, kind: DueKind, count: number): Promise<void> {
  if (kind === 'agent-liveness') {
    await db.query(
      `INSERT INTO agents (id, name, status, session_id, last_heartbeat_at)
       SELECT 'silent-' || g, 'silent ' || g, 'idle', 's1', now() - interval '1 hour' - g * interval '1 ms'
       FROM generate_series(1, $1) g`,
      [count],
    );
    return;
  }
  await db.query(insertSql(kind), [count, HOUR_BACKOFF]);
}
