/**
 * What the chaos harness's clients write down, one JSON line per fact, and
 * what the checker reads back. These are the clients' own words: nothing here
 * comes from the services' code.
 */

/** How a command reached Switchyard. */
export const CHANNELS = ['http-async', 'http-sync', 'nats-publish', 'nats-request'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * What the client expects of a command it was told was accepted:
 * - `succeed`: async, retries to spare; only a success is right;
 * - `dead-letter`: async, fails every attempt; it must end failed (or stuck) with a dead letter;
 * - `cancelled-or-succeeded`: a cancel was asked for; either may win the race;
 * - `settle`: sync, one attempt; any terminal state will do unless the client was told one.
 */
export type Expectation = 'succeed' | 'dead-letter' | 'cancelled-or-succeeded' | 'settle';

export const TERMINAL_STATES = ['succeeded', 'failed', 'cancelled', 'expired', 'stuck'] as const;
export type TerminalState = (typeof TERMINAL_STATES)[number];

/** The client was told the command exists (202/200, a sync answer with an id, a PubAck). */
export interface AcceptedRecord {
  kind: 'accepted';
  id: string;
  channel: Channel;
  type: string;
  idempotencyKey: string;
  expect: Expectation;
  scheduled: boolean;
  at: string;
}

/** A sync answer stated the command's final state. */
export interface ToldRecord {
  kind: 'told';
  id: string;
  state: TerminalState;
  at: string;
}

/** A repeat of an accepted submission (same key) answered with another command id. */
export interface ReplayMismatchRecord {
  kind: 'replay-mismatch';
  id: string;
  otherId: string;
  channel: Channel;
  at: string;
}

export type ClientRecord = AcceptedRecord | ToldRecord | ReplayMismatchRecord;

/** One line of a demo agent's effect log (apps/demo-agents writes them; the fields are the contract). */
export interface EffectRecord {
  commandId: string;
  attempt: number;
  agentId: string;
  outcome: 'succeeded' | 'failed';
}

/** A `commands` row, as far as the checker cares. */
export interface LedgerCommand {
  id: string;
  state: string;
  attempt: number;
  deadLettered: boolean;
}

/** A `command_events` row. `seq` is its identity column: the order transitions were committed in. */
export interface LedgerEvent {
  seq: number;
  commandId: string;
  attempt: number;
  event: string;
  toState: string;
  agentId: string | null;
}
