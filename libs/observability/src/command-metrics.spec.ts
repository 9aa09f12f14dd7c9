import { describe, expect, it } from '@jest/globals';
import type { LifecycleMeta, TransitionRecord } from '@switchyard/messaging';
import { observationOf, type TransitionObservation } from './command-metrics';

const created = new Date('2026-01-01T00:00:00.000Z');
const at = new Date('2026-01-01T00:00:02.000Z');

function record(state: TransitionRecord['state'], attempt = 1, runAt?: Date): TransitionRecord {
  return { id: 'c1', state, attempt, assigned_agent: 'a1', created_at: created, run_at: runAt ?? null };
}

describe('observationOf', () => {
  const cases: {
    name: string;
    record: TransitionRecord;
    meta: Omit<LifecycleMeta, 'at'>;
    expected: TransitionObservation;
  }[] = [
    {
      name: 'a first claim',
      record: record('dispatched'),
      meta: { event: 'claim', from: 'queued' },
      expected: { dispatchSeconds: 2 },
    },
    { name: 'a retry claim', record: record('dispatched', 2), meta: { event: 'claim', from: 'queued' }, expected: {} },
    {
      name: 'an accept',
      record: record('running'),
      meta: { event: 'accept', from: 'dispatched' },
      expected: { acceptSeconds: 2 },
    },
    {
      name: 'a success after the accept',
      record: record('succeeded'),
      meta: { event: 'succeed', from: 'running' },
      expected: { finished: { state: 'succeeded', seconds: 2 } },
    },
    {
      name: 'a success straight from dispatched (it was the acceptance too)',
      record: record('succeeded'),
      meta: { event: 'succeed', from: 'dispatched' },
      expected: { acceptSeconds: 2, finished: { state: 'succeeded', seconds: 2 } },
    },
    {
      name: 'a final failure straight from dispatched',
      record: record('failed'),
      meta: { event: 'fail', from: 'dispatched' },
      expected: { acceptSeconds: 2, finished: { state: 'failed', seconds: 2 }, deadLetter: 'failed' },
    },
    {
      name: 'a retryable failure straight from dispatched',
      record: record('queued'),
      meta: { event: 'fail', from: 'dispatched' },
      expected: { acceptSeconds: 2 },
    },
    {
      name: 'a release from dispatched (never ran)',
      record: record('queued'),
      meta: { event: 'release', from: 'dispatched' },
      expected: {},
    },
    {
      name: 'an ack timeout (nobody accepted)',
      record: record('failed'),
      meta: { event: 'ack-timeout', from: 'dispatched' },
      expected: { finished: { state: 'failed', seconds: 2 }, deadLetter: 'failed' },
    },
    {
      name: 'a scheduled command counts from its runAt',
      record: record('running', 1, new Date('2026-01-01T00:00:01.500Z')),
      meta: { event: 'accept', from: 'dispatched' },
      expected: { acceptSeconds: 0.5 },
    },
    {
      name: 'a replayed terminal state',
      record: record('succeeded'),
      meta: { event: 'succeed', from: 'succeeded' },
      expected: {},
    },
  ];

  it.each(cases)('$name', ({ record: r, meta, expected }) => {
    expect(observationOf(r, { ...meta, at })).toEqual(expected);
  });
});
