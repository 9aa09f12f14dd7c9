import { describe, expect, it } from '@jest/globals';
import { attemptTraceparent, traceIdField } from './trace';

const COMMAND = '01970a3e-5c1b-7d2e-9f40-2b6c8d9e0a11';
const HEADER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const BODY = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe(attemptTraceparent.name, () => {
  it.each([
    { name: 'the header first', received: [HEADER, BODY], traceId: '4bf92f3577b34da6a3ce929d0e0e4736', flags: '01' },
    {
      name: 'the body when the header is absent',
      received: [undefined, BODY],
      traceId: '0af7651916cd43dd8448eb211c80319c',
      flags: '01',
    },
    {
      name: 'the body when the header is invalid',
      received: ['00-zz-yy-01', BODY],
      traceId: '0af7651916cd43dd8448eb211c80319c',
      flags: '01',
    },
    {
      name: 'the command id when neither is valid',
      received: [null, 'garbage'],
      traceId: '01970a3e5c1b7d2e9f402b6c8d9e0a11',
      flags: '00',
    },
  ])('continues $name, with a new span id', ({ received, traceId, flags }) => {
    const value = attemptTraceparent(received, COMMAND);
    expect(value).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-${flags}$`));
    expect(value.slice(36, 52)).not.toMatch(/^0+$/);
    expect(traceIdField(value)).toEqual({ traceId });
  });

  it('gives each attempt its own span id', () => {
    const spans = Array.from({ length: 500 }, () => attemptTraceparent([HEADER], COMMAND).slice(36, 52));
    expect(new Set(spans).size).toBe(spans.length);
    expect(spans).not.toContain('00f067aa0ba902b7');
  });
});
