import { describe, expect, it } from '@jest/globals';
import { authHeaders, classifyKey, maskKey, withKey } from './keys';

const API_KEY = 'sy_0123456789abcdef0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

describe(classifyKey.name, () => {
  it.each([
    { raw: API_KEY, kind: 'api' },
    { raw: `  ${API_KEY}\n`, kind: 'api' },
    { raw: 'demo-admin-key', kind: 'admin' },
    { raw: 'SY_upper-case-is-not-an-api-key', kind: 'admin' },
  ])('$raw is an $kind key', ({ raw, kind }) => {
    expect(classifyKey(raw)).toBe(kind);
  });
});

describe(withKey.name, () => {
  it('keeps one key of each kind, the latest winning', () => {
    const ring = withKey(withKey(withKey({}, 'first-admin'), API_KEY), 'second-admin');
    expect(ring).toEqual({ api: API_KEY, admin: 'second-admin' });
  });

  it('ignores a blank key', () => {
    expect(withKey({ admin: 'a' }, '   ')).toEqual({ admin: 'a' });
  });
});

describe(authHeaders.name, () => {
  it.each([
    { ring: {}, headers: {} },
    { ring: { api: API_KEY }, headers: { authorization: `Bearer ${API_KEY}` } },
    { ring: { admin: 'k' }, headers: { 'x-admin-key': 'k' } },
    { ring: { api: API_KEY, admin: 'k' }, headers: { authorization: `Bearer ${API_KEY}`, 'x-admin-key': 'k' } },
  ])('$ring → $headers', ({ ring, headers }) => {
    expect(authHeaders(ring)).toEqual(headers);
  });
});

describe(maskKey.name, () => {
  it('never shows a secret', () => {
    expect(maskKey(API_KEY)).toBe('sy_01234567…');
    expect(maskKey('demo-admin-key')).toBe('dem…');
  });
});
