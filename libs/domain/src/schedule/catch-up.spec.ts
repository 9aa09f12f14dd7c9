import { describe, expect, it } from '@jest/globals';
import { CATCH_UP_ALL_LIMIT, CatchUpPolicy, dueFireTimes as sut } from './catch-up';

const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();
const utc = (hhmmss: string) => `2026-01-01T${hhmmss}.000Z`;

describe(sut.name, () => {
  const cases: {
    name: string;
    cron: string;
    timezone?: string;
    catchUp: CatchUpPolicy;
    nextFireAt: string;
    now: string;
    fire: string[];
    next: string;
  }[] = [
    // Not due yet, and the boundary: due when nextFireAt ≤ now.
    {
      name: 'not due: nothing, next unchanged',
      cron: '* * * * *',
      catchUp: 'once',
      nextFireAt: utc('12:01:00'),
      now: utc('12:00:30'),
      fire: [],
      next: utc('12:01:00'),
    },
    {
      name: '1 ms early: not due',
      cron: '* * * * *',
      catchUp: 'once',
      nextFireAt: utc('12:00:00'),
      now: '2026-01-01T11:59:59.999Z',
      fire: [],
      next: utc('12:00:00'),
    },
    {
      name: 'exactly at the fire time: fires, next strictly after',
      cron: '* * * * *',
      catchUp: 'once',
      nextFireAt: utc('12:00:00'),
      now: utc('12:00:00'),
      fire: [utc('12:00:00')],
      next: utc('12:01:00'),
    },
    {
      name: 'seconds field, exactly at the fire time',
      cron: '* * * * * *',
      catchUp: 'once',
      nextFireAt: utc('12:00:07'),
      now: utc('12:00:07'),
      fire: [utc('12:00:07')],
      next: utc('12:00:08'),
    },
    // On time: every policy fires the one due fire time.
    {
      name: 'on time, once',
      cron: '* * * * *',
      catchUp: 'once',
      nextFireAt: utc('12:00:00'),
      now: utc('12:00:30'),
      fire: [utc('12:00:00')],
      next: utc('12:01:00'),
    },
    {
      name: 'on time, all',
      cron: '* * * * *',
      catchUp: 'all',
      nextFireAt: utc('12:00:00'),
      now: utc('12:00:30'),
      fire: [utc('12:00:00')],
      next: utc('12:01:00'),
    },
    {
      name: 'on time, none',
      cron: '* * * * *',
      catchUp: 'none',
      nextFireAt: utc('12:00:00'),
      now: utc('12:00:30'),
      fire: [utc('12:00:00')],
      next: utc('12:01:00'),
    },
    {
      name: 'none: exactly at the grace limit is on time',
      cron: '0 * * * *',
      catchUp: 'none',
      nextFireAt: utc('12:00:00'),
      now: utc('12:01:00'),
      fire: [utc('12:00:00')],
      next: utc('13:00:00'),
    },
    {
      name: 'none: 1 ms past the grace is missed',
      cron: '0 * * * *',
      catchUp: 'none',
      nextFireAt: utc('12:00:00'),
      now: '2026-01-01T12:01:00.001Z',
      fire: [],
      next: utc('13:00:00'),
    },
    // After downtime: 3½ hours of an hourly schedule.
    {
      name: 'downtime, once: the latest missed fire time only',
      cron: '0 * * * *',
      catchUp: 'once',
      nextFireAt: utc('09:00:00'),
      now: utc('12:30:00'),
      fire: [utc('12:00:00')],
      next: utc('13:00:00'),
    },
    {
      name: 'downtime, all: every missed fire time, oldest first',
      cron: '0 * * * *',
      catchUp: 'all',
      nextFireAt: utc('09:00:00'),
      now: utc('12:30:00'),
      fire: [utc('09:00:00'), utc('10:00:00'), utc('11:00:00'), utc('12:00:00')],
      next: utc('13:00:00'),
    },
    {
      name: 'downtime, none: skips to the next future time',
      cron: '0 * * * *',
      catchUp: 'none',
      nextFireAt: utc('09:00:00'),
      now: utc('12:30:00'),
      fire: [],
      next: utc('13:00:00'),
    },
    {
      name: 'downtime ending just after a fire time, none: that one is on time',
      cron: '0 * * * *',
      catchUp: 'none',
      nextFireAt: utc('09:00:00'),
      now: utc('12:00:20'),
      fire: [utc('12:00:00')],
      next: utc('13:00:00'),
    },
    // Seconds field.
    {
      name: 'every 10 s, 25.5 s late, all',
      cron: '*/10 * * * * *',
      catchUp: 'all',
      nextFireAt: utc('12:00:00'),
      now: '2026-01-01T12:00:25.500Z',
      fire: [utc('12:00:00'), utc('12:00:10'), utc('12:00:20')],
      next: utc('12:00:30'),
    },
    {
      name: 'every 10 s, 25.5 s late, once',
      cron: '*/10 * * * * *',
      catchUp: 'once',
      nextFireAt: utc('12:00:00'),
      now: '2026-01-01T12:00:25.500Z',
      fire: [utc('12:00:20')],
      next: utc('12:00:30'),
    },
    // A nextFireAt that is not a fire time of the expression (written by hand) is still due.
    {
      name: 'hand-set nextFireAt alone due, once',
      cron: '0 * * * *',
      catchUp: 'once',
      nextFireAt: '2026-01-01T11:17:05.123Z',
      now: utc('11:30:00'),
      fire: ['2026-01-01T11:17:05.123Z'],
      next: utc('12:00:00'),
    },
    {
      name: 'hand-set nextFireAt and a fire time after it, all',
      cron: '0 * * * *',
      catchUp: 'all',
      nextFireAt: '2026-01-01T11:17:05.123Z',
      now: utc('12:10:00'),
      fire: ['2026-01-01T11:17:05.123Z', utc('12:00:00')],
      next: utc('13:00:00'),
    },
    {
      name: 'hand-set nextFireAt and a fire time after it, once',
      cron: '0 * * * *',
      catchUp: 'once',
      nextFireAt: '2026-01-01T11:17:05.123Z',
      now: utc('12:10:00'),
      fire: [utc('12:00:00')],
      next: utc('13:00:00'),
    },
    // Catch-up across Berlin's fall-back (25 October 2026, 03:00 CEST → 02:00 CET at 01:00Z).
    {
      name: 'fall-back, hourly, all: every real hour',
      cron: '0 * * * *',
      timezone: 'Europe/Berlin',
      catchUp: 'all',
      nextFireAt: '2026-10-24T23:00:00.000Z',
      now: '2026-10-25T03:30:00.000Z',
      fire: [
        '2026-10-24T23:00:00.000Z',
        '2026-10-25T00:00:00.000Z',
        '2026-10-25T01:00:00.000Z',
        '2026-10-25T02:00:00.000Z',
        '2026-10-25T03:00:00.000Z',
      ],
      next: '2026-10-25T04:00:00.000Z',
    },
    {
      name: 'fall-back, 02:30 daily, all: the repeated 02:30 is not fired again',
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      catchUp: 'all',
      nextFireAt: '2026-10-25T00:30:00.000Z',
      now: '2026-10-25T02:00:00.000Z',
      fire: ['2026-10-25T00:30:00.000Z'],
      next: '2026-10-26T01:30:00.000Z',
    },
    {
      name: 'spring-forward, 02:30 daily, once: fires at 03:30 CEST',
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      catchUp: 'once',
      nextFireAt: '2026-03-28T01:30:00.000Z',
      now: '2026-03-29T01:45:00.000Z',
      fire: ['2026-03-29T01:30:00.000Z'],
      next: '2026-03-30T00:30:00.000Z',
    },
  ];

  it.each(cases)('$name', ({ cron, timezone, catchUp, nextFireAt, now, fire, next }) => {
    const result = sut({ cron, timezone: timezone ?? 'UTC', catchUp, nextFireAt: at(nextFireAt) }, at(now));
    expect({ fire: result.fire.map(iso), next: iso(result.next) }).toEqual({ fire, next });
  });

  it(`all: at most the latest ${CATCH_UP_ALL_LIMIT} of an hour of per-second fire times`, () => {
    const now = at('2026-01-01T12:00:00.400Z');
    const { fire, next } = sut(
      { cron: '* * * * * *', timezone: 'UTC', catchUp: 'all', nextFireAt: at(utc('11:00:00')) },
      now,
    );
    expect(fire).toHaveLength(CATCH_UP_ALL_LIMIT);
    expect(fire.map(iso)).toEqual(
      Array.from({ length: CATCH_UP_ALL_LIMIT }, (_, i) =>
        iso(new Date(at(utc('12:00:00')).getTime() - (99 - i) * 1000)),
      ),
    );
    expect(iso(next)).toBe(utc('12:00:01'));
  });

  // Walking 2.7 million fire times one by one would run past the test timeout; speed itself is not asserted here.
  it('once: a month of missed per-second fire times collapses to the latest one', () => {
    const { fire, next } = sut(
      { cron: '* * * * * *', timezone: 'Europe/Berlin', catchUp: 'once', nextFireAt: at('2025-12-01T00:00:00Z') },
      at('2026-01-01T12:00:00.400Z'),
    );
    expect({ fire: fire.map(iso), next: iso(next) }).toEqual({ fire: [utc('12:00:00')], next: utc('12:00:01') });
  });
});
