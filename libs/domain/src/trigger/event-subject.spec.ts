import { describe, expect, it } from '@jest/globals';
import {
  deadLetterSubject,
  eventSubjectProblem,
  isDeadLetterSubject,
  matchesSubject as sut,
  subjectPatternProblem,
} from './event-subject';

describe(sut.name, () => {
  const cases: { pattern: string; subject: string; matches: boolean }[] = [
    { pattern: 'orders.created', subject: 'orders.created', matches: true },
    { pattern: 'orders.created', subject: 'orders.updated', matches: false },
    { pattern: 'orders.created', subject: 'orders.created.eu', matches: false },
    { pattern: 'orders.created.eu', subject: 'orders.created', matches: false },
    { pattern: 'orders.*', subject: 'orders.created', matches: true },
    { pattern: 'orders.*', subject: 'orders', matches: false },
    { pattern: 'orders.*', subject: 'orders.created.eu', matches: false },
    { pattern: '*.created', subject: 'orders.created', matches: true },
    { pattern: '*.created', subject: 'orders.updated', matches: false },
    { pattern: '*.*', subject: 'a.b', matches: true },
    { pattern: '*', subject: 'a', matches: true },
    { pattern: '*', subject: 'a.b', matches: false },
    { pattern: 'orders.>', subject: 'orders.created', matches: true },
    { pattern: 'orders.>', subject: 'orders.created.eu.west', matches: true },
    { pattern: 'orders.>', subject: 'orders', matches: false },
    { pattern: '>', subject: 'anything.at.all', matches: true },
    { pattern: '>', subject: 'one', matches: true },
    { pattern: '*.created.>', subject: 'orders.created.eu', matches: true },
    { pattern: '*.created.>', subject: 'orders.created', matches: false },
    { pattern: 'deadletter.>', subject: 'deadletter.agent.start', matches: true },
    { pattern: 'Orders.created', subject: 'orders.created', matches: false },
  ];
  it.each(cases)('$pattern vs $subject: $matches', ({ pattern, subject, matches }) => {
    expect(sut(pattern, subject)).toBe(matches);
  });
});

describe(eventSubjectProblem.name, () => {
  const cases: { subject: string; problem: RegExp | undefined }[] = [
    { subject: 'orders.created', problem: undefined },
    { subject: 'a', problem: undefined },
    { subject: 'a_b.c-d.e:f.G9', problem: undefined },
    { subject: '', problem: /empty/ },
    { subject: 'a..b', problem: /token ""/ },
    { subject: '.a', problem: /token ""/ },
    { subject: 'a.', problem: /token ""/ },
    { subject: 'orders.*', problem: /no wildcards/ },
    { subject: 'orders.>', problem: /no wildcards/ },
    { subject: 'a b', problem: /token "a b"/ },
    { subject: 'ünï', problem: /token/ },
    { subject: 'x'.repeat(65), problem: /1-64/ },
    { subject: Array.from({ length: 17 }, () => 'a').join('.'), problem: /16 tokens/ },
    { subject: `${'abcdefghij.'.repeat(19)}abcdefghijk`, problem: /200 chars/ },
  ];
  it.each(cases)('"$subject" → $problem', ({ subject, problem }) => {
    const found = eventSubjectProblem(subject);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });
});

describe(subjectPatternProblem.name, () => {
  const cases: { pattern: string; problem: RegExp | undefined }[] = [
    { pattern: 'orders.created', problem: undefined },
    { pattern: 'orders.*', problem: undefined },
    { pattern: '*.*.>', problem: undefined },
    { pattern: '>', problem: undefined },
    { pattern: '', problem: /empty/ },
    { pattern: 'orders.>.x', problem: /last token/ },
    { pattern: 'orders.a*', problem: /token "a\*"/ },
    { pattern: 'orders.>x', problem: /token ">x"/ },
    { pattern: 'a..b', problem: /token ""/ },
  ];
  it.each(cases)('"$pattern" → $problem', ({ pattern, problem }) => {
    const found = subjectPatternProblem(pattern);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });
});

describe(deadLetterSubject.name, () => {
  const cases: { type: string; subject: string }[] = [
    { type: 'echo', subject: 'deadletter.echo' },
    { type: 'agent.start', subject: 'deadletter.agent.start' },
    { type: 'a:b-c_d', subject: 'deadletter.a:b-c_d' },
    { type: 'a..b', subject: 'deadletter.a._.b' },
    { type: 'trailing.', subject: 'deadletter.trailing._' },
  ];
  it.each(cases)('$type → $subject', ({ type, subject }) => {
    expect(deadLetterSubject(type)).toBe(subject);
    expect(eventSubjectProblem(deadLetterSubject(type))).toBeUndefined();
    expect(isDeadLetterSubject(deadLetterSubject(type))).toBe(true);
  });

  it('keeps a 128-char type with many dots within the token limit', () => {
    const subject = deadLetterSubject(Array.from({ length: 40 }, () => 'a').join('.'));
    expect(eventSubjectProblem(subject)).toBeUndefined();
  });

  it('reserves only the deadletter root', () => {
    expect(isDeadLetterSubject('deadletter')).toBe(true);
    expect(isDeadLetterSubject('deadletters.x')).toBe(false);
    expect(isDeadLetterSubject('orders.deadletter')).toBe(false);
  });
});
