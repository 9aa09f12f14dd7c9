import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys: `sy_<key id, 32 hex>_<secret, 32 random bytes as base64url>`.
 * The id locates the row; only HMAC-SHA256(pepper, secret) is stored, and the
 * comparison is constant-time. The raw key exists only in the response that
 * mints it.
 */
const KEY_PATTERN = /^sy_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export interface MintedKey {
  id: string;
  raw: string;
  hash: Buffer;
}

export function mintApiKey(pepper: string, id: string): MintedKey {
  const secret = randomBytes(32).toString('base64url');
  return { id, raw: `sy_${id.replace(/-/g, '')}_${secret}`, hash: hashSecret(pepper, secret) };
}

export function hashSecret(pepper: string, secret: string): Buffer {
  return createHmac('sha256', pepper).update(secret).digest();
}

/** Splits a raw key into its row id (uuid form) and secret; undefined when malformed. */
export function parseApiKey(raw: string): { id: string; secret: string } | undefined {
  const m = KEY_PATTERN.exec(raw);
  if (!m) return undefined;
  const hex = m[1];
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, secret: m[2] };
}

export function secretMatches(pepper: string, secret: string, storedHash: Buffer): boolean {
  const candidate = hashSecret(pepper, secret);
  return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
}

/** Constant-time equality of two strings of any length (compares their digests). */
export function constantTimeEquals(a: string, b: string): boolean {
  const da = createHmac('sha256', 'switchyard').update(a).digest();
  const db = createHmac('sha256', 'switchyard').update(b).digest();
  return timingSafeEqual(da, db);
}
