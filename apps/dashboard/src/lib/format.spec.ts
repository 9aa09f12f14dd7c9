import { describe, expect, it } from '@jest/globals';
import { duration, isTerminal, relativeTime, shortId, targetLabel, toneOf } from './format';

const NOW = Date.parse('2026-11-23T10:00:00.000Z');

describe(relativeTime.name, () => {
  it.each([
    { iso: '2026-11-23T10:00:00.400Z', text: 'just now' },
    { iso: '2026-11-23T09:59:57.000Z', text: '3 s ago' },
    { iso: '2026-11-23T09:58:00.000Z', text: '2 min ago' },
    { iso: '2026-11-23T07:00:00.000Z', text: '3 h ago' },
    { iso: '2026-11-21T10:00:00.000Z', text: '2 d ago' },
    { iso: '2026-11-23T10:05:00.000Z', text: 'in 5 min' },
    { iso: null, text: '—' },
    { iso: 'not a date', text: '—' },
  ])('$iso → $text', ({ iso, text }) => {
    expect(relativeTime(iso, NOW)).toBe(text);
  });
});

describe(duration.name, () => {
  it.each([
    { ms: 850, text: '850 ms' },
    { ms: 1_234, text: '1.2 s' },
    { ms: 42_000, text: '42 s' },
    { ms: 185_000, text: '3 min 5 s' },
    { ms: 7_440_000, text: '2 h 4 min' },
    { ms: -1, text: '—' },
    { ms: null, text: '—' },
  ])('$ms → $text', ({ ms, text }) => {
    expect(duration(ms)).toBe(text);
  });
});

describe(toneOf.name, () => {
  it.each([
    { state: 'succeeded', tone: 'ok' },
    { state: 'failed', tone: 'bad' },
    { state: 'running', tone: 'live' },
    { state: 'queued', tone: 'wait' },
    { state: 'expired', tone: 'warn' },
    { state: 'busy', tone: 'live' },
    { state: 'offline', tone: 'off' },
    { state: 'something new', tone: 'off' },
  ])('$state is $tone', ({ state, tone }) => {
    expect(toneOf(state)).toBe(tone);
  });
});

describe('small helpers', () => {
  it('shortId keeps both ends of a UUID', () => {
    expect(shortId('01970a3e-5c1b-7d2e-9f40-2b6c8d9e0a11')).toBe('01970a3e…0a11');
    expect(shortId('demo-1')).toBe('demo-1');
    expect(shortId(null)).toBe('—');
  });

  it('targetLabel names the kind', () => {
    expect(targetLabel({ agent: 'demo-1' })).toBe('agent demo-1');
    expect(targetLabel({ pool: 'demo' })).toBe('pool demo');
  });

  it('isTerminal knows the five final states', () => {
    expect(['succeeded', 'failed', 'cancelled', 'expired', 'stuck'].every(isTerminal)).toBe(true);
    expect(['scheduled', 'queued', 'dispatched', 'running'].some(isTerminal)).toBe(false);
  });
});
