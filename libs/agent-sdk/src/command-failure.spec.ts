import { describe, expect, it } from '@jest/globals';
import {
  CommandAborted,
  CommandFailure,
  describeFailure,
  MAX_ERROR_CODE_LENGTH,
  MAX_ERROR_MESSAGE_LENGTH,
  truncate,
} from './command-failure';

describe(describeFailure.name, () => {
  const cases: { name: string; thrown: unknown; expected: ReturnType<typeof describeFailure> }[] = [
    {
      name: 'a plain Error is retryable, without a code',
      thrown: new Error('boom'),
      expected: { error: { message: 'boom' }, retryable: true },
    },
    {
      name: 'a CommandFailure carries its code and retry decision',
      thrown: new CommandFailure('bad input', { code: 'invalid_payload', retryable: false }),
      expected: { error: { message: 'bad input', code: 'invalid_payload' }, retryable: false },
    },
    {
      name: 'a CommandFailure is retryable by default',
      thrown: new CommandFailure('try later'),
      expected: { error: { message: 'try later' }, retryable: true },
    },
    {
      name: 'any error with retryable: false is not retried',
      thrown: Object.assign(new Error('nope'), { retryable: false }),
      expected: { error: { message: 'nope' }, retryable: false },
    },
    {
      name: 'retryable must be exactly false to stop retries',
      thrown: Object.assign(new Error('maybe'), { retryable: 0 }),
      expected: { error: { message: 'maybe' }, retryable: true },
    },
    {
      name: 'a system error keeps its string code',
      thrown: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      expected: { error: { message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' }, retryable: true },
    },
    {
      name: 'a numeric code becomes a string',
      thrown: Object.assign(new Error('http'), { code: 503 }),
      expected: { error: { message: 'http', code: '503' }, retryable: true },
    },
    {
      name: 'a thrown string is the message',
      thrown: 'just a string',
      expected: { error: { message: 'just a string' }, retryable: true },
    },
    {
      name: 'a thrown object is described as JSON',
      thrown: { why: 'x' },
      expected: { error: { message: '{"why":"x"}' }, retryable: true },
    },
    {
      name: 'a thrown number is the message',
      thrown: 42,
      expected: { error: { message: '42' }, retryable: true },
    },
    {
      name: 'an object that cannot be JSON gets its tag',
      thrown: { big: 1n },
      expected: { error: { message: '[object Object]' }, retryable: true },
    },
    {
      name: 'undefined gets a generic message',
      thrown: undefined,
      expected: { error: { message: 'handler failed' }, retryable: true },
    },
    {
      name: 'an Error without a message falls back to its name',
      thrown: new TypeError(),
      expected: { error: { message: 'TypeError' }, retryable: true },
    },
    {
      name: 'a cancellation is not retried',
      thrown: new CommandAborted('cancelled'),
      expected: { error: { message: 'command cancelled', code: 'cancelled' }, retryable: false },
    },
    {
      name: 'a passed deadline is not retried',
      thrown: new CommandAborted('deadline'),
      expected: { error: { message: 'command deadline passed', code: 'deadline_exceeded' }, retryable: false },
    },
  ];

  it.each(cases)('$name', ({ thrown, expected }) => {
    expect(describeFailure(thrown)).toEqual(expected);
  });

  it('cuts the message and code to the report schema limits', () => {
    const sut = describeFailure(Object.assign(new Error('m'.repeat(10_000)), { code: 'c'.repeat(500) }));
    expect(sut.error.message).toHaveLength(MAX_ERROR_MESSAGE_LENGTH);
    expect(sut.error.code).toHaveLength(MAX_ERROR_CODE_LENGTH);
  });
});

describe(truncate.name, () => {
  const cases: { text: string; max: number; expected: string }[] = [
    { text: 'short', max: 10, expected: 'short' },
    { text: 'exactly', max: 7, expected: 'exactly' },
    { text: 'abcdef', max: 3, expected: 'abc' },
    // '😀' is two UTF-16 units; cutting between them would leave a lone surrogate.
    { text: 'ab😀cd', max: 3, expected: 'ab' },
    { text: 'ab😀cd', max: 4, expected: 'ab😀' },
  ];

  it.each(cases)('truncate($text, $max) = $expected', ({ text, max, expected }) => {
    expect(truncate(text, max)).toBe(expected);
  });
});
