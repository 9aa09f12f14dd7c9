import { hasAnyKey, KeyRing, withKey } from './lib/keys';

/**
 * The operator's keys live in sessionStorage: they survive a reload of the
 * tab, are not shared with other tabs, and are gone when the tab closes.
 */
const STORAGE_KEY = 'switchyard.keys';

export function loadKeys(): KeyRing {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (!parsed || typeof parsed !== 'object') return {};
    const { api, admin } = parsed as Record<string, unknown>;
    return {
      ...(typeof api === 'string' ? { api } : {}),
      ...(typeof admin === 'string' ? { admin } : {}),
    };
  } catch {
    return {};
  }
}

export function addKey(raw: string): KeyRing {
  const ring = withKey(loadKeys(), raw);
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(ring));
  return ring;
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

export function signedIn(): boolean {
  return hasAnyKey(loadKeys());
}
