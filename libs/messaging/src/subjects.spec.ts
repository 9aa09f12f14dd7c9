import { describe, expect, it } from '@jest/globals';
import { parseStatusSubject as sut, subjectsFor } from './subjects';

describe(sut.name, () => {
  const subjects = subjectsFor('sy');

  it.each([
    { subject: 'sy.agent.worker-1.status', expected: 'worker-1' },
    { subject: subjects.status('a_b-9'), expected: 'a_b-9' },
    { subject: 'sy.agent.worker-1.report', expected: undefined },
    { subject: 'sy.agent..status', expected: undefined },
    { subject: 'sy.agent.a.b.status', expected: undefined },
    { subject: 'other.agent.worker-1.status', expected: undefined },
    { subject: 'sy.cmd.events.x', expected: undefined },
  ])('$subject → $expected', ({ subject, expected }) => {
    expect(sut(subjects, subject)).toBe(expected);
  });
});
