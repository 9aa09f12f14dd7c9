import type { CommandRow, TopicRow } from '@switchyard/persistence';
import type { PoolClient } from 'pg';

/** What to publish once the transaction that produced it has committed; every effect is safe to repeat. */
export type Effect =
  | { kind: 'offer'; row: CommandRow }
  /** `from` is null for a command's first event (`submit`). */
  | { kind: 'lifecycle'; row: CommandRow; event: string; from: CommandRow['state'] | null }
  | { kind: 'cancel-on-agent'; agentId: string; commandId: string; attempt: number }
  | { kind: 'agent-offline'; agentId: string; sessionId: string | null }
  /** A topic opened its sign-up: the announcement event, and the webhook when one is configured. */
  | { kind: 'debate-announced'; topic: TopicRow; at: Date }
  /** The command's transition wrote a dead letter: publish its event, then stamp it published. */
  | { kind: 'dead-letter'; commandId: string };

/**
 * A ticker job is a declaration: which rows are due (a claim query with
 * `FOR UPDATE SKIP LOCKED`) and what one row's transition is. The runner owns
 * the loop, batching, per-row isolation, metrics, after-commit publishing and
 * shutdown.
 */
export interface DueJob<Row = unknown> {
  /** Metric label and log name, kebab-case. */
  name: string;
  claim(tx: PoolClient, now: Date, limit: number): Promise<Row[]>;
  /** Applies one row's transition inside a savepoint; returns what to publish after commit. */
  apply(tx: PoolClient, row: Row, now: Date): Promise<Effect[]>;
  /** The row's id, for logs. */
  idOf(row: Row): string;
}
