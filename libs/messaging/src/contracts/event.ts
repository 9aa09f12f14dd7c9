import type { CommandError, TargetKind } from '@switchyard/domain';

/**
 * Headers of a message on `<ns>.events.<subject>`. The body is the event's
 * data as JSON (empty: null).
 *
 * - `Nats-Msg-Id`: the event id; a republish with the same id is the same
 *   event (JetStream drops it within 2 minutes, the trigger ledger forever).
 *   Without it the event id is its place in the stream.
 * - `Switchyard-Cause`: the id of the command whose handler published the
 *   event (the SDK's `ctx.publishEvent` sets it). The consumer reads that
 *   command's depth from the ledger: a command a trigger creates for the event
 *   is one deeper, and the cause's child.
 * - `Switchyard-Dead-Letter`: set by Switchyard on dead-letter events only.
 */
export const EVENT_CAUSE_HEADER = 'Switchyard-Cause';
export const DEAD_LETTER_HEADER = 'Switchyard-Dead-Letter';

/** Body of `<ns>.events.deadletter.<type>`, published once a dead letter is written. */
export interface DeadLetterEvent {
  deadLetterId: string;
  commandId: string;
  /** `expired`, `ack_timeout`, `heartbeat_lost`, or the error code of the final failure. */
  reason: string;
  type: string;
  target: { kind: TargetKind; name: string };
  attempt: number;
  error: CommandError | null;
  depth: number;
  at: string;
}

/** What a dead-letter event is built from (a `dead_letters` row joined with its command). */
export interface DeadLetterSource {
  id: string;
  command_id: string;
  reason: string;
  type: string;
  target: string;
  target_kind: TargetKind;
  attempt: number;
  error: CommandError | null;
  depth: number;
  created_at: Date;
}

export function deadLetterEventOf(row: DeadLetterSource): DeadLetterEvent {
  return {
    deadLetterId: row.id,
    commandId: row.command_id,
    reason: row.reason,
    type: row.type,
    target: { kind: row.target_kind, name: row.target },
    attempt: row.attempt,
    error: row.error,
    depth: row.depth,
    at: row.created_at.toISOString(),
  };
}

/** The event id (Nats-Msg-Id) of a dead letter's event: one per dead letter, however often it is republished. */
export function deadLetterEventId(deadLetterId: string): string {
  return `deadletter:${deadLetterId}`;
}
