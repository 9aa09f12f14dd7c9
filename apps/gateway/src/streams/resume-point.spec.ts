import { describe, expect, it } from '@jest/globals';
import { resumePoint as sut, ResumePoint } from './resume-point';

describe(sut.name, () => {
  const invalid = (field: string): ResumePoint => ({
    ok: false,
    error: { field, message: 'must be the id (a stream sequence) of an event of this stream' },
  });

  const cases: { name: string; header: unknown; query: unknown; expected: ResumePoint }[] = [
    { name: 'neither', header: undefined, query: undefined, expected: { ok: true, after: undefined } },
    { name: 'empty header and query mean absent', header: '', query: '', expected: { ok: true, after: undefined } },
    { name: 'header', header: '5', query: undefined, expected: { ok: true, after: 5, field: 'Last-Event-ID' } },
    { name: 'query', header: undefined, query: '5', expected: { ok: true, after: 5, field: 'lastEventId' } },
    {
      name: 'header wins over query',
      header: '7',
      query: '5',
      expected: { ok: true, after: 7, field: 'Last-Event-ID' },
    },
    {
      name: 'empty header falls back to query',
      header: '',
      query: '5',
      expected: { ok: true, after: 5, field: 'lastEventId' },
    },
    { name: 'zero', header: '0', query: undefined, expected: { ok: true, after: 0, field: 'Last-Event-ID' } },
    {
      name: 'leading zeros',
      header: '007',
      query: undefined,
      expected: { ok: true, after: 7, field: 'Last-Event-ID' },
    },
    {
      name: 'the largest safe integer',
      header: String(Number.MAX_SAFE_INTEGER),
      query: undefined,
      expected: { ok: true, after: Number.MAX_SAFE_INTEGER, field: 'Last-Event-ID' },
    },
    { name: 'not a number', header: 'abc', query: undefined, expected: invalid('Last-Event-ID') },
    { name: 'negative', header: '-1', query: undefined, expected: invalid('Last-Event-ID') },
    { name: 'fraction', header: '1.5', query: undefined, expected: invalid('Last-Event-ID') },
    { name: 'exponent', header: '1e3', query: undefined, expected: invalid('Last-Event-ID') },
    { name: 'spaces', header: ' 5', query: undefined, expected: invalid('Last-Event-ID') },
    { name: 'above the safe range', header: '9007199254740993', query: undefined, expected: invalid('Last-Event-ID') },
    { name: 'too long', header: '1'.repeat(17), query: undefined, expected: invalid('Last-Event-ID') },
    { name: 'bad query', header: undefined, query: 'x', expected: invalid('lastEventId') },
    { name: 'repeated query', header: undefined, query: ['1', '2'], expected: invalid('lastEventId') },
    { name: 'nested query', header: undefined, query: { a: '1' }, expected: invalid('lastEventId') },
  ];

  it.each(cases)('$name', ({ header, query, expected }) => {
    expect(sut(header, query)).toEqual(expected);
  });
});
