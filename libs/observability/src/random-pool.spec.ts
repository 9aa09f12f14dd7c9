import { describe, expect, it } from '@jest/globals';
import { randomHex } from './random-pool';

describe('randomHex', () => {
  it.each([8, 16, 5_000])('%i bytes: as many hex digits, lower case', (bytes) => {
    expect(randomHex(bytes)).toMatch(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
  });

  it('ids drawn across several refills of the pool never repeat', () => {
    // 3,000 trace ids of 16 bytes span about twelve pools of 4 KB.
    const ids = Array.from({ length: 3_000 }, () => randomHex(16));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('every byte value turns up (the pool is not reused or zeroed)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000 && seen.size < 256; i++) {
      for (const pair of randomHex(16).match(/../g)!) seen.add(pair);
    }
    expect(seen.size).toBe(256);
  });
});
