import { describe, expect, it } from '@jest/globals';
import { check, type CheckInput, VIOLATIONS, type Violation } from './checker';
import type { AcceptedRecord, EffectRecord, LedgerEvent } from './records';

const A = '00000000-0000-7000-8000-00000000000a';
const B = '00000000-0000-7000-8000-00000000000b';

let seq = 0;
function ev(commandId: string, attempt: number, event: string, toState: string, agentId: string | null = null) {
  seq += 1;
  return { seq, commandId, attempt, event, toState, agentId } satisfies LedgerEvent;
}

function accepted(id: string, expect: AcceptedRecord['expect'] = 'succeed'): AcceptedRecord {
  return {
    kind: 'accepted',
    id,
    channel: 'http-async',
    type: 'echo',
    idempotencyKey: `k-${id}`,
    expect,
    scheduled: false,
    at: '2026-01-01T00:00:00.000Z',
  };
}

function effect(commandId: string, attempt: number, agentId: string, outcome: EffectRecord['outcome']): EffectRecord {
  return { commandId, attempt, agentId, outcome };
}

/**
 * A clean run: A succeeded at once on agent x; B failed attempt 1 on x, had
 * its heartbeat lost on attempt 2 (the zombie y still finished it late) and
 * succeeded on attempt 3 on z.
 */
function clean(): CheckInput {
  seq = 0;
  return {
    records: [accepted(A), accepted(B)],
    effects: [
      effect(A, 1, 'x', 'succeeded'),
      effect(B, 1, 'x', 'failed'),
      effect(B, 2, 'y', 'succeeded'),
      effect(B, 3, 'z', 'succeeded'),
    ],
    commands: [
      { id: A, state: 'succeeded', attempt: 1, deadLettered: false },
      { id: B, state: 'succeeded', attempt: 3, deadLettered: false },
    ],
    events: [
      ev(A, 0, 'submit', 'queued'),
      ev(A, 1, 'claim', 'dispatched', 'x'),
      ev(A, 1, 'accept', 'running', 'x'),
      ev(A, 1, 'succeed', 'succeeded', 'x'),
      ev(B, 0, 'submit', 'queued'),
      ev(B, 1, 'claim', 'dispatched', 'x'),
      ev(B, 1, 'fail', 'queued', 'x'),
      ev(B, 2, 'claim', 'dispatched', 'y'),
      ev(B, 2, 'accept', 'running', 'y'),
      ev(B, 2, 'heartbeat-lost', 'queued', 'y'),
      ev(B, 3, 'claim', 'dispatched', 'z'),
      ev(B, 3, 'succeed', 'succeeded', 'z'),
    ],
  };
}

const none = Object.fromEntries(Object.keys(VIOLATIONS).map((k) => [k, 0])) as Record<Violation, number>;

const cases: {
  name: string;
  violation: Violation;
  /** Violations that necessarily come with it. */
  also?: Violation[];
  mutate: (input: CheckInput) => CheckInput;
}[] = [
  {
    name: 'an accepted command missing from the ledger',
    violation: 'lost',
    mutate: (i) => ({ ...i, records: [...i.records, accepted('00000000-0000-7000-8000-0000000000ff')] }),
  },
  {
    name: 'a ledger row no client was told of',
    violation: 'unaccounted',
    mutate: (i) => ({ ...i, records: i.records.filter((r) => r.id !== A) }),
  },
  {
    name: 'a repeated submission answered with another id',
    violation: 'unaccounted',
    mutate: (i) => ({
      ...i,
      records: [...i.records, { kind: 'replay-mismatch', id: A, otherId: B, channel: 'http-async', at: '' }],
    }),
  },
  {
    name: 'two terminal transitions',
    violation: 'multipleTerminal',
    mutate: (i) => ({ ...i, events: [...i.events, ev(A, 1, 'cancel', 'succeeded')] }),
  },
  {
    name: 'two accepted results (the second from the same attempt)',
    violation: 'multipleResults',
    also: ['multipleTerminal'],
    mutate: (i) => ({
      ...i,
      events: i.events.flatMap((e) => (e.commandId === A && e.event === 'succeed' ? [e, { ...e, seq: 999 }] : [e])),
    }),
  },
  {
    name: 'a row whose state is not where its events left it',
    violation: 'foldMismatch',
    mutate: (i) => ({
      ...i,
      commands: i.commands.map((c) => (c.id === A ? { ...c, state: 'failed' } : c)),
      records: [...i.records.filter((r) => r.id !== A), accepted(A, 'settle')],
    }),
  },
  {
    name: "a late report from attempt 2's zombie applied after attempt 3 was claimed",
    violation: 'staleChanges',
    mutate: (i) => ({
      ...i,
      events: [
        ...i.events.filter((e) => !(e.commandId === B && e.event === 'succeed')),
        ev(B, 2, 'succeed', 'succeeded', 'y'),
      ],
      effects: i.effects,
    }),
  },
  {
    name: 'attempt 2 executed with no failure or timeout of attempt 1',
    violation: 'unexplainedExecutions',
    mutate: (i) => ({ ...i, events: i.events.filter((e) => !(e.commandId === B && e.event === 'fail')) }),
  },
  {
    name: 'an execution by an agent the attempt was never delivered to',
    violation: 'unexplainedExecutions',
    mutate: (i) => ({ ...i, effects: [...i.effects, effect(A, 2, 'w', 'failed')] }),
  },
  {
    name: 'the same attempt executed twice',
    violation: 'duplicateExecutions',
    mutate: (i) => ({ ...i, effects: [...i.effects, effect(B, 1, 'x', 'failed')] }),
  },
  {
    name: 'a second success from an attempt the ledger never gave up on',
    violation: 'secondSuccess',
    mutate: (i) => ({
      ...i,
      // Attempt 2 now "failed" instead of losing its heartbeat, yet the agent's success of it stands.
      events: i.events.map((e) => (e.commandId === B && e.event === 'heartbeat-lost' ? { ...e, event: 'fail' } : e)),
    }),
  },
  {
    name: 'a success in the ledger that no agent logged',
    violation: 'successWithoutEffect',
    mutate: (i) => ({ ...i, effects: i.effects.filter((e) => e.commandId !== A) }),
  },
  {
    name: 'an accepted command still running at the end',
    violation: 'notTerminal',
    mutate: (i) => ({
      ...i,
      commands: i.commands.map((c) => (c.id === A ? { ...c, state: 'running' } : c)),
      events: i.events.filter((e) => !(e.commandId === A && e.event === 'succeed')),
      effects: i.effects.filter((e) => e.commandId !== A),
    }),
  },
  {
    name: 'a sync caller told "failed" of a command that succeeded',
    violation: 'wrongOutcome',
    mutate: (i) => ({
      ...i,
      records: [...i.records, { kind: 'told', id: A, state: 'failed', at: '' }],
    }),
  },
  {
    name: 'a dead-letter command that succeeded',
    violation: 'wrongOutcome',
    mutate: (i) => ({ ...i, records: [...i.records.filter((r) => r.id !== A), accepted(A, 'dead-letter')] }),
  },
  {
    name: 'a failed dead-letter command without its dead letter',
    violation: 'wrongOutcome',
    mutate: (i) => ({
      ...i,
      records: [...i.records.filter((r) => r.id !== A), accepted(A, 'dead-letter')],
      commands: i.commands.map((c) => (c.id === A ? { ...c, state: 'failed' } : c)),
      events: i.events.map((e) =>
        e.commandId === A && e.event === 'succeed' ? { ...e, event: 'fail', toState: 'failed' } : e,
      ),
      effects: i.effects.filter((e) => e.commandId !== A),
    }),
  },
];

describe(check.name, () => {
  it('finds nothing wrong with a clean history, and counts the zombie as a late execution', () => {
    const result = check(clean());
    expect(result.counts).toEqual(none);
    expect(result.ok).toBe(true);
    expect(result.stats).toMatchObject({ accepted: 2, ledgerRows: 2, executions: 4, lateExecutions: 1, retried: 1 });
  });

  it.each(cases)('$name → $violation', ({ violation, also = [], mutate }) => {
    const result = check(mutate(clean()));
    expect(result.counts).toEqual({ ...none, ...Object.fromEntries([violation, ...also].map((v) => [v, 1])) });
    expect(result.ok).toBe(false);
    expect(result.samples[violation]).toHaveLength(1);
  });

  it('accepts a cancel that lost the race to a success, and a dead letter that got stuck', () => {
    const input = clean();
    input.records = [accepted(A, 'cancelled-or-succeeded'), accepted(B)];
    expect(check(input).ok).toBe(true);
    input.records = [accepted(A, 'dead-letter'), accepted(B)];
    input.commands = input.commands.map((c) => (c.id === A ? { ...c, state: 'stuck', deadLettered: true } : c));
    input.events = input.events.map((e) =>
      e.commandId === A && e.event === 'succeed' ? { ...e, event: 'heartbeat-lost', toState: 'stuck' } : e,
    );
    expect(check(input).counts).toEqual(none);
  });
});
