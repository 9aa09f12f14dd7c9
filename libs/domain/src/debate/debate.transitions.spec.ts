import { describe, expect, it } from '@jest/globals';
import { TOPIC_STATES, TopicState, TopicTimes } from './debate-state';
import { dueStep, nextDueAt, TOPIC_EVENTS, TopicEvent, transitionTopic as sut } from './debate.transitions';

/**
 * The whole matrix, by hand: every state × every event. The edges here are
 * the ones drawn in docs/debate.md; everything else is refused.
 */
const EDGES: Partial<Record<TopicState, Partial<Record<TopicEvent, TopicState>>>> = {
  created: { 'open-signup': 'signup_open' },
  signup_open: { 'close-signup': 'signup_closed', cancel: 'cancelled' },
  signup_closed: { 'start-debate': 'debating' },
  debating: { verdict: 'completed' },
};

const matrix = TOPIC_STATES.flatMap((state) => TOPIC_EVENTS.map((event) => ({ state, event })));

describe(sut.name, () => {
  it('the matrix has every pair', () => expect(matrix).toHaveLength(6 * 5));

  it.each(matrix)('$state + $event', ({ state, event }) => {
    const to = EDGES[state]?.[event];
    if (to) {
      expect(sut(state, event)).toEqual({ kind: 'apply', from: state, to });
    } else {
      const final = state === 'completed' || state === 'cancelled';
      expect(sut(state, event)).toEqual({
        kind: 'refuse',
        reason: final ? `the topic is ${state}` : `${event} is not allowed in ${state}`,
      });
    }
  });
});

const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const times: TopicTimes = {
  signupOpenAt: new Date(T0),
  signupCloseAt: new Date(T0 + 60_000),
  debateStartAt: new Date(T0 + 120_000),
  debateEndAt: new Date(T0 + 180_000),
};

describe(nextDueAt.name, () => {
  const cases: { state: TopicState; due: Date | null }[] = [
    { state: 'created', due: times.signupOpenAt },
    { state: 'signup_open', due: times.signupCloseAt },
    { state: 'signup_closed', due: times.debateStartAt },
    { state: 'debating', due: null },
    { state: 'completed', due: null },
    { state: 'cancelled', due: null },
  ];
  it.each(cases)('$state → $due', ({ state, due }) => expect(nextDueAt(state, times)).toEqual(due));
});

describe(dueStep.name, () => {
  const cases: { state: TopicState; now: number; step: string | undefined }[] = [
    { state: 'created', now: T0 - 1, step: undefined },
    { state: 'created', now: T0, step: 'open-signup' },
    { state: 'signup_open', now: T0 + 59_999, step: undefined },
    { state: 'signup_open', now: T0 + 60_000, step: 'close-signup' },
    { state: 'signup_closed', now: T0 + 119_999, step: undefined },
    { state: 'signup_closed', now: T0 + 120_000, step: 'start-debate' },
    // Late ticker: only the step of the current state, one edge at a time.
    { state: 'created', now: T0 + 999_999, step: 'open-signup' },
    { state: 'debating', now: T0 + 999_999, step: undefined },
    { state: 'completed', now: T0 + 999_999, step: undefined },
    { state: 'cancelled', now: T0 + 999_999, step: undefined },
  ];
  it.each(cases)('$state at T0+$now', ({ state, now, step }) => {
    expect(dueStep({ state, ...times }, new Date(now))?.event).toEqual(step);
  });
});
