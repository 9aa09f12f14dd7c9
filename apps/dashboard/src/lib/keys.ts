/**
 * The operator's credentials. API keys (client or agent) look like
 * `sy_<32 hex>_<secret>` and go in `Authorization: Bearer`; anything else is
 * taken as the admin key and goes in `x-admin-key`. Both may be held at once:
 * the admin key then wins on routes that take either, and the API key serves
 * the routes that take a bearer key only (commands, schedules).
 */
export type KeyKind = 'api' | 'admin';

export interface KeyRing {
  api?: string;
  admin?: string;
}

const API_KEY_PREFIX = 'sy_';

export function classifyKey(raw: string): KeyKind {
  return raw.trim().startsWith(API_KEY_PREFIX) ? 'api' : 'admin';
}

/** Adds one key to the ring, replacing a key of the same kind. */
export function withKey(ring: KeyRing, raw: string): KeyRing {
  const key = raw.trim();
  if (!key) return ring;
  return { ...ring, [classifyKey(key)]: key };
}

export function authHeaders(ring: KeyRing): Record<string, string> {
  return {
    ...(ring.api ? { authorization: `Bearer ${ring.api}` } : {}),
    ...(ring.admin ? { 'x-admin-key': ring.admin } : {}),
  };
}

export function hasAnyKey(ring: KeyRing): boolean {
  return Boolean(ring.api || ring.admin);
}

/** A key as shown on screen: its kind and the first characters only. */
export function maskKey(raw: string): string {
  return classifyKey(raw) === 'api' ? `${raw.slice(0, 11)}…` : `${raw.slice(0, 3)}…`;
}
