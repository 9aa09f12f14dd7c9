import { describe, expect, it } from '@jest/globals';
import { Camp, TOPIC_STATES, TopicState } from './debate-state';
import {
  argumentBodyGate,
  argumentGate,
  canRead,
  Gate,
  MAX_ARGUMENT_BYTES,
  Reader,
  signupGate,
  TopicFacts,
  verdictGate,
} from './debate.rules';

const CLOSE = Date.parse('2026-11-23T10:00:00.000Z');
const END = CLOSE + 3_600_000;
const topic = (state: TopicState): TopicFacts => ({
  state,
  signupCloseAt: new Date(CLOSE),
  debateEndAt: new Date(END),
});
const kind = (gate: Gate) => (gate.ok ? 'ok' : gate.kind);

describe(signupGate.name, () => {
  const cases = TOPIC_STATES.flatMap((state) => [
    { state, now: CLOSE - 1, expected: state === 'signup_open' ? 'ok' : 'conflict' },
    { state, now: CLOSE, expected: 'conflict' },
  ]);
  it.each(cases)('$state at close$now: $expected', ({ state, now, expected }) =>
    expect(kind(signupGate(topic(state), new Date(now)))).toBe(expected),
  );
});

describe(argumentGate.name, () => {
  const cases: { name: string; state: TopicState; camp?: Camp; round?: number; now: number; expected: string }[] = [
    { name: 'pro while debating', state: 'debating', camp: 'pro', round: 0, now: END - 1, expected: 'ok' },
    { name: 'con while debating', state: 'debating', camp: 'con', round: 0, now: END - 1, expected: 'ok' },
    { name: 'the judge', state: 'debating', camp: 'judge', round: 0, now: END - 1, expected: 'forbidden' },
    { name: 'not a member', state: 'debating', round: 0, now: END - 1, expected: 'forbidden' },
    { name: 'not debating yet', state: 'signup_closed', camp: 'pro', now: END - 1, expected: 'conflict' },
    { name: 'at the end', state: 'debating', camp: 'pro', round: 0, now: END, expected: 'conflict' },
    { name: 'completed', state: 'completed', camp: 'con', round: 0, now: END + 1, expected: 'conflict' },
    { name: 'no open round', state: 'debating', camp: 'pro', now: END - 1, expected: 'conflict' },
    { name: 'not a member, not debating', state: 'created', now: END - 1, expected: 'forbidden' },
  ];
  it.each(cases)('$name: $expected', ({ state, camp, round, now, expected }) =>
    expect(kind(argumentGate(topic(state), camp, round, new Date(now)))).toBe(expected),
  );
});

describe(argumentBodyGate.name, () => {
  const cases = [
    { name: 'one character', body: 'x', expected: 'ok' },
    { name: 'empty', body: '', expected: 'invalid' },
    { name: 'whitespace only', body: ' \n\t ', expected: 'invalid' },
    { name: 'exactly the limit', body: 'a'.repeat(MAX_ARGUMENT_BYTES), expected: 'ok' },
    { name: 'one byte over', body: 'a'.repeat(MAX_ARGUMENT_BYTES + 1), expected: 'invalid' },
    // 'é' is two bytes in UTF-8: the limit is on bytes, not characters.
    { name: 'multi-byte over', body: 'é'.repeat(MAX_ARGUMENT_BYTES / 2 + 1), expected: 'invalid' },
  ];
  it.each(cases)('$name: $expected', ({ body, expected }) => expect(kind(argumentBodyGate(body))).toBe(expected));
});

describe(verdictGate.name, () => {
  const cases: { name: string; state: TopicState; camp?: Camp; now: number; expected: string }[] = [
    { name: 'judge after the end', state: 'debating', camp: 'judge', now: END, expected: 'ok' },
    { name: 'judge before the end', state: 'debating', camp: 'judge', now: END - 1, expected: 'conflict' },
    { name: 'pro after the end', state: 'debating', camp: 'pro', now: END, expected: 'forbidden' },
    { name: 'not a member', state: 'debating', now: END, expected: 'forbidden' },
    { name: 'second verdict', state: 'completed', camp: 'judge', now: END + 1, expected: 'conflict' },
    { name: 'before the debate', state: 'signup_closed', camp: 'judge', now: END + 1, expected: 'conflict' },
    { name: 'cancelled topic', state: 'cancelled', camp: 'judge', now: END + 1, expected: 'conflict' },
  ];
  it.each(cases)('$name: $expected', ({ state, camp, now, expected }) =>
    expect(kind(verdictGate(topic(state), camp, new Date(now)))).toBe(expected),
  );
  it('a second verdict says so', () =>
    expect(verdictGate(topic('completed'), 'judge', new Date(END))).toMatchObject({
      reason: 'the topic already has a verdict',
    }));
});

describe(canRead.name, () => {
  const creator = 'client:c1';
  const readers: Record<string, Reader> = {
    anonymous: { kind: 'anonymous' },
    admin: { kind: 'admin' },
    creator: { kind: 'client', caller: creator },
    'another client': { kind: 'client', caller: 'client:c2' },
    'signed-up agent': { kind: 'agent', signedUp: true },
    'other agent': { kind: 'agent', signedUp: false },
  };
  const privateReaders = ['admin', 'creator', 'signed-up agent'];
  const cases = Object.keys(readers).flatMap((name) => [
    { visibility: 'public' as const, name, expected: true },
    { visibility: 'private' as const, name, expected: privateReaders.includes(name) },
  ]);
  it.each(cases)('$visibility, $name: $expected', ({ visibility, name, expected }) =>
    expect(canRead({ visibility, createdBy: creator }, readers[name])).toBe(expected),
  );
});
