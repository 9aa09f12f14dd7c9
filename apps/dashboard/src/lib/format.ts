/** Display helpers: pure, no DOM. */

const UNITS: [limit: number, divisor: number, unit: string][] = [
  [60_000, 1_000, 's'],
  [3_600_000, 60_000, 'min'],
  [86_400_000, 3_600_000, 'h'],
  [Infinity, 86_400_000, 'd'],
];

/** "3 s ago", "in 2 min", "just now". */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '—';
  const delta = at - now;
  const abs = Math.abs(delta);
  if (abs < 1_000) return 'just now';
  const [, divisor, unit] = UNITS.find(([limit]) => abs < limit) ?? UNITS[UNITS.length - 1];
  const n = Math.floor(abs / divisor);
  return delta < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

/** 850 ms, 1.2 s, 3 min 5 s, 2 h 4 min. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.floor((ms % 60_000) / 1_000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.floor((ms % 3_600_000) / 60_000)} min`;
}

export function between(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  return Date.parse(to) - Date.parse(from);
}

/**
 * A UUID shortened for tables. Ids are UUIDv7: the first block is a timestamp
 * shared by everything created in the same minute, the last characters are
 * random; both ends together tell rows apart and still read as a time order.
 */
export function shortId(id: string | null | undefined): string {
  if (!id) return '—';
  return id.length > 12 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}

export type Tone = 'ok' | 'bad' | 'warn' | 'live' | 'wait' | 'off';

const STATE_TONES: Record<string, Tone> = {
  scheduled: 'wait',
  queued: 'wait',
  dispatched: 'live',
  running: 'live',
  succeeded: 'ok',
  failed: 'bad',
  cancelled: 'off',
  expired: 'warn',
  stuck: 'bad',
  // agents
  idle: 'ok',
  busy: 'live',
  draining: 'warn',
  error: 'bad',
  offline: 'off',
  // topics
  created: 'wait',
  signup_open: 'live',
  signup_closed: 'wait',
  debating: 'live',
  completed: 'ok',
};

/** Colour family of a command state, agent phase or topic state. */
export function toneOf(state: string | null | undefined): Tone {
  return (state && STATE_TONES[state]) || 'off';
}

export const TERMINAL_STATES = ['succeeded', 'failed', 'cancelled', 'expired', 'stuck'] as const;

export function isTerminal(state: string): boolean {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}

export function targetLabel(target: { agent?: string; pool?: string } | null | undefined): string {
  if (!target) return '—';
  if (target.agent) return `agent ${target.agent}`;
  if (target.pool) return `pool ${target.pool}`;
  return '—';
}

export function prettyJson(value: unknown): string {
  if (value === undefined) return '—';
  return JSON.stringify(value, null, 2);
}
