import {
  type AcceptedRecord,
  type Channel,
  type ClientRecord,
  type EffectRecord,
  type LedgerCommand,
  type LedgerEvent,
  TERMINAL_STATES,
  type TerminalState,
} from './records';

/**
 * The chaos run's verdict, from three independent witnesses: what the clients
 * were told, what the agents actually executed (their effect logs), and what
 * the ledger says (its tables, read with plain SQL). Pure: no I/O, no clock,
 * and nothing imported from the services, so a bug there cannot hide itself
 * here. Every violation count must be zero.
 */

export const VIOLATIONS = {
  lost: 'accepted by a client but not in the ledger',
  unaccounted: 'in the ledger but no client was told of it, or a repeat answered with another id',
  multipleTerminal: 'more than one transition into a terminal state',
  multipleResults: 'more than one accepted result (succeed event)',
  foldMismatch: "the commands row's state is not where its last event left it",
  staleChanges: 'a report applied for an attempt other than the one in flight',
  unexplainedExecutions: 'an execution with no claim for it, or attempt n>1 with no failure/timeout of attempt n-1',
  duplicateExecutions: 'the same attempt executed more than once',
  secondSuccess: 'a command succeeded in more than one live attempt',
  successWithoutEffect: 'the ledger took a success that no agent logged',
  notTerminal: 'accepted but not terminal after the settle time',
  wrongOutcome: 'a terminal state that contradicts what the client was told or set up',
} as const;

export type Violation = keyof typeof VIOLATIONS;

export interface CheckInput {
  records: readonly ClientRecord[];
  effects: readonly EffectRecord[];
  commands: readonly LedgerCommand[];
  events: readonly LedgerEvent[];
}

export interface CheckResult {
  /** Count of commands (or, for unaccounted, rows and mismatches) per violation. */
  counts: Record<Violation, number>;
  /** Up to `sampleSize` command ids per violation, to start an investigation from. */
  samples: Record<Violation, string[]>;
  stats: {
    accepted: number;
    acceptedByChannel: Record<Channel, number>;
    ledgerRows: number;
    finalStates: Record<string, number>;
    deadLetters: number;
    executions: number;
    /** Executions of attempts the ledger had given up on (ack or heartbeat timeout) that still ran: explained, allowed. */
    lateExecutions: number;
    /** Commands that needed more than one attempt. */
    retried: number;
  };
  ok: boolean;
}

const TERMINAL = new Set<string>(TERMINAL_STATES);
/** Events about one delivery: the ledger applies them only for the attempt in flight. */
const FENCED = new Set(['accept', 'succeed', 'fail', 'ack-timeout', 'heartbeat-lost', 'release']);
/** Events that end an attempt without success and so allow the next one. */
const RETRY_CAUSES = new Set(['fail', 'ack-timeout', 'heartbeat-lost', 'release']);
/** Events by which the ledger gave up on an attempt whose agent may still be running it. */
const GIVEN_UP = new Set(['ack-timeout', 'heartbeat-lost']);

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function outcomeContradicts(
  row: LedgerCommand,
  accepted: AcceptedRecord,
  told: TerminalState | undefined,
  events: readonly LedgerEvent[],
): boolean {
  if (told !== undefined && told !== row.state) return true;
  switch (accepted.expect) {
    case 'succeed':
      return row.state !== 'succeeded';
    case 'dead-letter':
      return !(row.state === 'failed' || row.state === 'stuck') || !row.deadLettered;
    case 'cancelled-or-succeeded':
      return row.state !== 'cancelled' && row.state !== 'succeeded';
    case 'settle':
      // A sync command may end any way; but a success must come from an attempt the ledger delivered.
      return row.state === 'succeeded' && !events.some((e) => e.event === 'claim');
  }
}

export function check(input: CheckInput, sampleSize = 10): CheckResult {
  const found = Object.fromEntries(Object.keys(VIOLATIONS).map((k) => [k, new Set<string>()])) as Record<
    Violation,
    Set<string>
  >;
  const flag = (kind: Violation, id: string) => found[kind].add(id);

  const accepted = new Map<string, AcceptedRecord>();
  const told = new Map<string, TerminalState>();
  for (const r of input.records) {
    switch (r.kind) {
      case 'accepted':
        if (!accepted.has(r.id)) accepted.set(r.id, r);
        break;
      case 'told':
        told.set(r.id, r.state);
        break;
      case 'replay-mismatch':
        flag('unaccounted', `${r.id}->${r.otherId}`);
        break;
    }
  }
  const rows = new Map(input.commands.map((c) => [c.id, c]));
  const eventsOf = groupBy(
    [...input.events].sort((a, b) => a.seq - b.seq),
    (e) => e.commandId,
  );
  const effectsOf = groupBy(input.effects, (e) => e.commandId);

  // The clients' view against the ledger.
  for (const [id, rec] of accepted) {
    const row = rows.get(id);
    if (!row) {
      flag('lost', id);
      continue;
    }
    if (!TERMINAL.has(row.state)) {
      flag('notTerminal', id);
      continue;
    }
    if (outcomeContradicts(row, rec, told.get(id), eventsOf.get(id) ?? [])) flag('wrongOutcome', id);
  }
  for (const id of rows.keys()) if (!accepted.has(id)) flag('unaccounted', id);

  // The ledger's own history.
  let retried = 0;
  for (const row of input.commands) {
    const events = eventsOf.get(row.id) ?? [];
    if (events.filter((e) => TERMINAL.has(e.toState)).length > 1) flag('multipleTerminal', row.id);
    if (events.filter((e) => e.event === 'succeed').length > 1) flag('multipleResults', row.id);
    const last = events.at(-1);
    if (last && last.toState !== row.state) flag('foldMismatch', row.id);
    let inFlight = 0;
    for (const e of events) {
      if (e.event === 'claim') inFlight = Math.max(inFlight, e.attempt);
      else if (FENCED.has(e.event) && e.attempt !== inFlight) flag('staleChanges', row.id);
    }
    if (inFlight > 1) retried += 1;
  }

  // The agents' executions against the ledger.
  let lateExecutions = 0;
  for (const [id, effects] of effectsOf) {
    const events = eventsOf.get(id) ?? [];
    const perAttempt = groupBy(effects, (e) => String(e.attempt));
    for (const [attempt, runs] of perAttempt) {
      const n = Number(attempt);
      if (runs.length > 1) flag('duplicateExecutions', id);
      const claimed = events.some((e) => e.event === 'claim' && e.attempt === n && e.agentId === runs[0].agentId);
      const previousEnded = n === 1 || events.some((e) => e.attempt === n - 1 && RETRY_CAUSES.has(e.event));
      if (!claimed || !previousEnded) flag('unexplainedExecutions', id);
    }
    const succeededAttempts = [...new Set(effects.filter((e) => e.outcome === 'succeeded').map((e) => e.attempt))];
    const givenUp = (n: number) => events.some((e) => e.attempt === n && GIVEN_UP.has(e.event));
    const live = succeededAttempts.filter((n) => !givenUp(n));
    lateExecutions += succeededAttempts.length - live.length;
    if (live.length > 1) flag('secondSuccess', id);
  }
  for (const row of input.commands) {
    if (row.state !== 'succeeded') continue;
    const succeed = (eventsOf.get(row.id) ?? []).find((e) => e.event === 'succeed');
    const logged = (effectsOf.get(row.id) ?? []).some(
      (e) => e.outcome === 'succeeded' && e.attempt === succeed?.attempt,
    );
    if (!logged) flag('successWithoutEffect', row.id);
  }

  const counts = Object.fromEntries(Object.entries(found).map(([k, ids]) => [k, ids.size])) as Record<
    Violation,
    number
  >;
  const samples = Object.fromEntries(
    Object.entries(found).map(([k, ids]) => [k, [...ids].slice(0, sampleSize)]),
  ) as Record<Violation, string[]>;
  const acceptedByChannel = { 'http-async': 0, 'http-sync': 0, 'nats-publish': 0, 'nats-request': 0 };
  for (const rec of accepted.values()) acceptedByChannel[rec.channel] += 1;
  const finalStates: Record<string, number> = {};
  for (const row of input.commands) finalStates[row.state] = (finalStates[row.state] ?? 0) + 1;
  return {
    counts,
    samples,
    stats: {
      accepted: accepted.size,
      acceptedByChannel,
      ledgerRows: input.commands.length,
      finalStates,
      deadLetters: input.commands.filter((c) => c.deadLettered).length,
      executions: input.effects.length,
      lateExecutions,
      retried,
    },
    ok: Object.values(counts).every((n) => n === 0),
  };
}
