import { describe, expect, it } from '@jest/globals';
import { continueTraceparent } from './trace';

describe('continueTraceparent', () => {
  it('starts a new trace with pooled ids when none came in', () => {
    const [a, b] = [continueTraceparent(undefined), continueTraceparent(undefined)];
    expect(a).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(a.slice(3, 35)).not.toBe(b.slice(3, 35));
  });
});
