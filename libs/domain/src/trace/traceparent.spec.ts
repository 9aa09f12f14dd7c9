import { describe, expect, it } from '@jest/globals';
import {
  childTrace,
  continueTrace,
  formatTraceparent,
  parseTraceparent as sut,
  startTrace,
  traceIdOf,
  traceOfCommandId,
} from './traceparent';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${SPAN}-01`;

/** Hands out the given hex strings in order, cut to the requested length. */
function scripted(...values: string[]) {
  return (bytes: number) => {
    const next = values.shift();
    if (next === undefined) throw new Error('no more random values');
    return next.padEnd(bytes * 2, '0').slice(0, bytes * 2);
  };
}

describe(sut.name, () => {
  const cases: { name: string; value: string | null | undefined; expected: ReturnType<typeof sut> }[] = [
    { name: 'version 00, sampled', value: VALID, expected: { traceId: TRACE, spanId: SPAN, flags: 1 } },
    {
      name: 'version 00, not sampled',
      value: `00-${TRACE}-${SPAN}-00`,
      expected: { traceId: TRACE, spanId: SPAN, flags: 0 },
    },
    { name: 'surrounding whitespace', value: ` ${VALID}\t`, expected: { traceId: TRACE, spanId: SPAN, flags: 1 } },
    {
      name: 'unknown flags kept',
      value: `00-${TRACE}-${SPAN}-ff`,
      expected: { traceId: TRACE, spanId: SPAN, flags: 255 },
    },
    { name: 'a later version', value: `01-${TRACE}-${SPAN}-01`, expected: { traceId: TRACE, spanId: SPAN, flags: 1 } },
    {
      name: 'a later version with more fields',
      value: `cc-${TRACE}-${SPAN}-01-what-the-future-holds`,
      expected: { traceId: TRACE, spanId: SPAN, flags: 1 },
    },
    { name: 'version ff', value: `ff-${TRACE}-${SPAN}-01`, expected: undefined },
    { name: 'version 00 with more fields', value: `${VALID}-extra`, expected: undefined },
    { name: 'a later version glued to more text', value: `01-${TRACE}-${SPAN}-01extra`, expected: undefined },
    { name: 'all-zero trace id', value: `00-${'0'.repeat(32)}-${SPAN}-01`, expected: undefined },
    { name: 'all-zero parent id', value: `00-${TRACE}-${'0'.repeat(16)}-01`, expected: undefined },
    { name: 'upper-case hex in the trace id', value: `00-${TRACE.toUpperCase()}-${SPAN}-01`, expected: undefined },
    { name: 'upper-case hex in the version', value: `0A-${TRACE}-${SPAN}-01`, expected: undefined },
    { name: 'short trace id', value: `00-${TRACE.slice(1)}-${SPAN}-01`, expected: undefined },
    { name: 'long parent id', value: `00-${TRACE}-${SPAN}0-01`, expected: undefined },
    { name: 'non-hex character', value: `00-${TRACE.slice(0, -1)}g-${SPAN}-01`, expected: undefined },
    { name: 'one-digit flags', value: `00-${TRACE}-${SPAN}-1`, expected: undefined },
    { name: 'underscores for dashes', value: VALID.replace(/-/g, '_'), expected: undefined },
    { name: 'empty', value: '', expected: undefined },
    { name: 'null', value: null, expected: undefined },
    { name: 'undefined', value: undefined, expected: undefined },
  ];

  it.each(cases)('$name', ({ value, expected }) => {
    expect(sut(value)).toEqual(expected);
  });
});

describe(formatTraceparent.name, () => {
  const cases = [
    { ctx: { traceId: TRACE, spanId: SPAN, flags: 1 }, expected: VALID },
    { ctx: { traceId: TRACE, spanId: SPAN, flags: 0 }, expected: `00-${TRACE}-${SPAN}-00` },
    { ctx: { traceId: TRACE, spanId: SPAN, flags: 0xab }, expected: `00-${TRACE}-${SPAN}-ab` },
  ];

  it.each(cases)('flags $ctx.flags → $expected', ({ ctx, expected }) => {
    expect(formatTraceparent(ctx)).toBe(expected);
    expect(sut(expected)).toEqual(ctx);
  });

  it('writes version 00 for a context read from a later version', () => {
    expect(formatTraceparent(sut(`01-${TRACE}-${SPAN}-01-more`)!)).toBe(VALID);
  });
});

describe(continueTrace.name, () => {
  const cases = [
    {
      name: 'a valid incoming value: same trace and flags, new span',
      incoming: `00-${TRACE}-${SPAN}-00`,
      random: ['1111111111111111'],
      expected: `00-${TRACE}-1111111111111111-00`,
    },
    {
      name: 'no incoming value: a new sampled trace',
      incoming: undefined,
      random: ['22222222222222222222222222222222', '3333333333333333'],
      expected: '00-22222222222222222222222222222222-3333333333333333-01',
    },
    {
      name: 'an invalid incoming value: a new trace',
      incoming: `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      random: ['44444444444444444444444444444444', '5555555555555555'],
      expected: '00-44444444444444444444444444444444-5555555555555555-01',
    },
    {
      name: 'all-zero random ids are made valid',
      incoming: undefined,
      random: ['0'.repeat(32), '0'.repeat(16)],
      expected: `00-${'0'.repeat(31)}1-${'0'.repeat(15)}1-01`,
    },
  ];

  it.each(cases)('$name', ({ incoming, random, expected }) => {
    const next = continueTrace(incoming, scripted(...random));
    expect(formatTraceparent(next)).toBe(expected);
    expect(sut(expected)).toBeDefined();
  });

  it('a child keeps the trace id and flags of its parent', () => {
    const root = startTrace(scripted(TRACE, SPAN));
    const child = childTrace(root, scripted('abcdefabcdefabcd'));
    expect(child).toEqual({ traceId: TRACE, spanId: 'abcdefabcdefabcd', flags: 1 });
  });
});

describe(traceOfCommandId.name, () => {
  it('is the uuid as trace id and its last 8 bytes as span id', () => {
    const ctx = traceOfCommandId('0199A3B4-C5D6-7E8F-9012-3456789ABCDE');
    expect(formatTraceparent(ctx)).toBe('00-0199a3b4c5d67e8f90123456789abcde-90123456789abcde-00');
  });
});

describe(traceIdOf.name, () => {
  it.each([
    { value: VALID, expected: TRACE },
    { value: 'garbage', expected: undefined },
    { value: null, expected: undefined },
  ])('$value → $expected', ({ value, expected }) => {
    expect(traceIdOf(value)).toBe(expected);
  });
});
