import { describe, expect, it } from '@jest/globals';
import { jsonTextProblem as sut, MAX_JSON_DEPTH } from './json-text';

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const text = (s: string) => Buffer.from(s, 'utf8');

describe(sut.name, () => {
  const cases: { name: string; json: string; maxDepth?: number; expected: ReturnType<typeof sut> }[] = [
    { name: 'a scalar', json: '1', expected: undefined },
    { name: 'an empty object', json: '{}', expected: undefined },
    { name: 'objects nested to the limit', json: nested(MAX_JSON_DEPTH), expected: undefined },
    {
      name: 'objects nested one past the limit',
      json: nested(MAX_JSON_DEPTH + 1),
      expected: { kind: 'too-deep', maxDepth: MAX_JSON_DEPTH },
    },
    {
      name: 'arrays nested past a small limit',
      json: '[[[1]]]',
      maxDepth: 2,
      expected: { kind: 'too-deep', maxDepth: 2 },
    },
    { name: 'siblings do not add up', json: '[[1],[2],[3],[4]]', maxDepth: 2, expected: undefined },
    { name: 'brackets inside strings are text', json: '{"a":"[[[[{{{{"}', maxDepth: 1, expected: undefined },
    { name: 'an escaped quote keeps the string open', json: '{"a":"\\"[[["}', maxDepth: 1, expected: undefined },
    { name: 'an escaped backslash closes nothing early', json: '{"a":"\\\\"}', maxDepth: 1, expected: undefined },
    { name: 'a surrogate pair, escaped', json: '"\\ud83d\\ude00"', expected: undefined },
    { name: 'a surrogate pair, upper-case hex', json: '"\\uD83D\\uDE00"', expected: undefined },
    { name: 'a lone high surrogate', json: '"x\\ud800y"', expected: { kind: 'lone-surrogate' } },
    { name: 'a high surrogate at the end of a string', json: '"\\ud800"', expected: { kind: 'lone-surrogate' } },
    { name: 'a lone low surrogate', json: '"\\udc00"', expected: { kind: 'lone-surrogate' } },
    { name: 'two high surrogates', json: '"\\ud800\\ud800"', expected: { kind: 'lone-surrogate' } },
    { name: 'a high surrogate then another escape', json: '"\\ud800\\n"', expected: { kind: 'lone-surrogate' } },
    { name: 'a lone surrogate in a key', json: '{"\\ud800":1}', expected: { kind: 'lone-surrogate' } },
    { name: 'an escaped backslash before u is not an escape', json: '"\\\\ud800"', expected: undefined },
    { name: 'a broken escape is left to the parser', json: '"\\ud8"', expected: undefined },
    { name: 'BMP escapes', json: '"\\u00e9\\u4e2d"', expected: undefined },
    { name: 'raw multi-byte UTF-8', json: '{"é":"中文😀"}', maxDepth: 1, expected: undefined },
  ];

  it.each(cases)('$name', ({ json, maxDepth, expected }) => {
    expect(sut(text(json), maxDepth)).toEqual(expected);
  });

  it('every valid JSON case that passes parses to text that survives UTF-8, and every surrogate case does not', () => {
    const strings = (value: unknown): string[] =>
      typeof value === 'string'
        ? [value]
        : value && typeof value === 'object'
          ? Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)])
          : [];
    const survives = (s: string) => Buffer.from(s, 'utf8').toString('utf8') === s;
    for (const { name, json, expected } of cases.filter((c) => c.name !== 'a broken escape is left to the parser')) {
      const parsed = strings(JSON.parse(json));
      expect({ name, survives: parsed.every(survives) }).toEqual({
        name,
        survives: expected?.kind !== 'lone-surrogate',
      });
    }
  });

  it('scans a 10,000-deep document without recursion', () => {
    expect(sut(text(nested(10_000)))).toEqual({ kind: 'too-deep', maxDepth: MAX_JSON_DEPTH });
  });
});
