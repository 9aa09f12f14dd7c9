import { describe, expect, it } from '@jest/globals';
import { DeliverPolicy } from '@nats-io/jetstream';
import { FOLLOW_INACTIVE_THRESHOLD_MS, FollowFrom, orderedConsumerOptions as sut } from './stream-follower';

describe(sut.name, () => {
  const filter = 'sy.agent.worker-1.status';
  const base = { filter_subjects: filter, inactive_threshold: FOLLOW_INACTIVE_THRESHOLD_MS };

  const cases: { name: string; from: FollowFrom; expected: Record<string, unknown> }[] = [
    {
      name: 'history: every retained message',
      from: { kind: 'history' },
      expected: { deliver_policy: DeliverPolicy.All },
    },
    {
      name: 'latest per subject: the current value of each subject',
      from: { kind: 'latest-per-subject' },
      expected: { deliver_policy: DeliverPolicy.LastPerSubject },
    },
    {
      name: 'after 0: from the first sequence',
      from: { kind: 'after', sequence: 0 },
      expected: { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 },
    },
    {
      name: 'after 5: from sequence 6, so 5 is not delivered twice',
      from: { kind: 'after', sequence: 5 },
      expected: { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 6 },
    },
  ];

  it.each(cases)('$name', ({ from, expected }) => {
    expect(sut(filter, from)).toEqual({ ...base, ...expected });
  });

  it.each([-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('refuses the sequence %p', (sequence) => {
    expect(() => sut(filter, { kind: 'after', sequence })).toThrow(RangeError);
  });
});
