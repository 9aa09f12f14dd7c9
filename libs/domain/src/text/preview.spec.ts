import { describe, expect, it } from '@jest/globals';
import { PREVIEW_BYTES, jsonByteLength, preview as sut, truncateUtf8 } from './preview';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Round-trips through UTF-8 unchanged: no lone surrogate, nothing cut mid-character. */
const isWellFormed = (text: string) => Buffer.from(text, 'utf8').toString('utf8') === text && !/\uFFFD/.test(text);

/** The longest prefix of `text`, cut between code points, that fits in `limit` bytes: computed the slow way. */
function longestPrefix(text: string, limit: number): string {
  const codePoints = Array.from(text);
  let best = '';
  for (let n = 0; n <= codePoints.length; n++) {
    const candidate = codePoints.slice(0, n).join('');
    if (bytes(candidate) > limit) break;
    best = candidate;
  }
  return best;
}

describe(sut.name, () => {
  it('keeps 4096 bytes by default', () => {
    expect(PREVIEW_BYTES).toBe(4096);
  });

  describe('absent values', () => {
    it.each([
      { value: undefined, expected: null },
      { value: null, expected: null },
    ])('$value → null', ({ value, expected }) => {
      expect(sut(value)).toBe(expected);
    });
  });

  describe('short values are kept whole', () => {
    const cases: { name: string; value: unknown; expected: string }[] = [
      {
        name: 'object → its JSON',
        value: { a: 1, b: [true, null] },
        expected: '{"a":1,"b":[true,null]}',
      },
      { name: 'array → its JSON', value: [1, 'two'], expected: '[1,"two"]' },
      {
        name: 'string → itself, unquoted',
        value: 'hello "world"',
        expected: 'hello "world"',
      },
      { name: 'empty string', value: '', expected: '' },
      { name: 'number', value: 42, expected: '42' },
      { name: 'zero is not absent', value: 0, expected: '0' },
      { name: 'false is not absent', value: false, expected: 'false' },
      {
        name: 'nested null inside an object is kept',
        value: { x: null },
        expected: '{"x":null}',
      },
      {
        name: 'multi-byte string',
        value: 'café 中文 😀',
        expected: 'café 中文 😀',
      },
      {
        name: 'multi-byte object keeps characters unescaped',
        value: { s: 'é中😀' },
        expected: '{"s":"é中😀"}',
      },
    ];

    it.each(cases)('$name', ({ value, expected }) => {
      expect(sut(value)).toBe(expected);
    });
  });

  describe('cut at exactly the byte limit', () => {
    const ascii = (n: number) => 'x'.repeat(n);
    const cases: { name: string; value: unknown; length: number }[] = [
      { name: '4095 ASCII bytes: kept', value: ascii(4095), length: 4095 },
      { name: '4096 ASCII bytes: kept', value: ascii(4096), length: 4096 },
      {
        name: '4097 ASCII bytes: cut to 4096',
        value: ascii(4097),
        length: 4096,
      },
      {
        name: '100 000 ASCII bytes: cut to 4096',
        value: ascii(100_000),
        length: 4096,
      },
      {
        name: 'an object whose JSON is 4096 bytes: kept',
        value: { k: ascii(4096 - 8) },
        length: 4096,
      },
      {
        name: 'an object whose JSON is 4097 bytes: cut to 4096',
        value: { k: ascii(4096 - 7) },
        length: 4096,
      },
    ];

    it.each(cases)('$name', ({ value, length }) => {
      const result = sut(value)!;

      expect(bytes(result)).toBe(length);
      const full = typeof value === 'string' ? value : JSON.stringify(value);
      expect(full.startsWith(result)).toBe(true);
    });

    it('a cut object is the start of its JSON text', () => {
      expect(sut({ k: ascii(5000) })).toBe(`{"k":"${ascii(4096 - 6)}`);
    });
  });

  describe('multi-byte characters are never split', () => {
    // The filler puts the character's last byte `shift` bytes past the limit:
    // 0 fits exactly, 1..size-1 straddles it, size starts right at it.
    const characters = [
      { name: 'é (2 bytes)', ch: 'é', size: 2 },
      { name: '中 (3 bytes)', ch: '中', size: 3 },
      { name: '😀 (4 bytes, surrogate pair)', ch: '😀', size: 4 },
    ];
    const cases = characters.flatMap(({ name, ch, size }) =>
      Array.from({ length: size + 1 }, (_, shift) => {
        const filler = 'a'.repeat(PREVIEW_BYTES - size + shift);
        const fits = shift === 0;
        return {
          name,
          shift,
          text: `${filler}${ch}tail`,
          expected: fits ? `${filler}${ch}` : filler,
        };
      }),
    );

    it.each(cases)('$name ending $shift byte(s) past the limit', ({ text, expected }) => {
      const result = sut(text)!;

      expect(result).toBe(expected);
      expect(bytes(result)).toBeLessThanOrEqual(PREVIEW_BYTES);
      expect(isWellFormed(result)).toBe(true);
    });

    const texts = [
      { name: 'only é', text: 'é'.repeat(3_000) },
      { name: 'only 中', text: '中'.repeat(2_000) },
      { name: 'only emoji', text: '😀'.repeat(1_100) },
      {
        name: 'a mix, misaligned by one ASCII byte',
        text: `a${'é中😀'.repeat(500)}`,
      },
      {
        name: 'a mix, misaligned by two ASCII bytes',
        text: `ab${'😀中é'.repeat(500)}`,
      },
      {
        name: 'emoji with a skin-tone modifier and ZWJ sequences',
        text: '👍🏽👨‍👩‍👧'.repeat(300),
      },
    ];
    const limits = [PREVIEW_BYTES, 4_095, 4_094, 4_093, 1, 2, 3, 0];

    it.each(texts.flatMap(({ name, text }) => limits.map((limit) => ({ name, text, limit }))))(
      '$name at $limit bytes: the longest well-formed prefix within the limit',
      ({ text, limit }) => {
        const result = sut(text, limit)!;

        expect(bytes(result)).toBeLessThanOrEqual(limit);
        expect(isWellFormed(result)).toBe(true);
        expect(text.startsWith(result)).toBe(true);
        expect(result).toBe(longestPrefix(text, limit));
      },
    );

    it('an object with multi-byte values is cut on a character boundary', () => {
      const value = { message: '中'.repeat(2_000) };
      const result = sut(value)!;

      expect(result).toBe(longestPrefix(JSON.stringify(value), PREVIEW_BYTES));
      expect(bytes(result)).toBe(4_095); // `{"message":"` is 12 bytes, then 1 361 × 3
      expect(isWellFormed(result)).toBe(true);
    });
  });

  describe('custom limits', () => {
    const cases = [
      { text: 'héllo', limit: 0, expected: '' },
      { text: 'héllo', limit: 1, expected: 'h' },
      { text: 'héllo', limit: 2, expected: 'h' },
      { text: 'héllo', limit: 3, expected: 'hé' },
      { text: '😀', limit: 3, expected: '' },
      { text: '😀', limit: 4, expected: '😀' },
    ];

    it.each(cases)('$text at $limit bytes → "$expected"', ({ text, limit, expected }) => {
      expect(sut(text, limit)).toBe(expected);
    });
  });
});

describe(truncateUtf8.name, () => {
  it.each([
    { text: '', limit: 10, expected: '' },
    { text: 'abc', limit: 3, expected: 'abc' },
    { text: 'abc', limit: 2, expected: 'ab' },
    // Within the fast path's bound (length × 3 ≤ limit) nothing is cut.
    { text: '中中', limit: 6, expected: '中中' },
    { text: '中中', limit: 5, expected: '中' },
  ])('"$text" at $limit bytes → "$expected"', ({ text, limit, expected }) => {
    expect(truncateUtf8(text, limit)).toBe(expected);
  });
});

describe(jsonByteLength.name, () => {
  it.each([
    { value: undefined, expected: 4 },
    { value: null, expected: 4 },
    { value: 'é', expected: 4 },
    { value: { s: '中' }, expected: 11 },
    { value: ['😀'], expected: 8 },
  ])('$value → $expected bytes', ({ value, expected }) => {
    expect(jsonByteLength(value)).toBe(expected);
  });
});
