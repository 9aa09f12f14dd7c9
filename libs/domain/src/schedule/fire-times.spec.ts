import { describe, expect, it } from '@jest/globals';
import { canonicalTimeZone, cronProblem, CronSpec, fireTimesAfter, nextFireTime as sut } from './fire-times';

const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();

/** Berlin's 2026 changes: spring forward at 01:00Z on 29 March (02:00 CET → 03:00 CEST), back at 01:00Z on 25 October (03:00 CEST → 02:00 CET). */
const SPRING = '2026-03-29T01:00:00.000Z';
const FALL = '2026-10-25T01:00:00.000Z';

describe(sut.name, () => {
  const cases: { name: string; cron: string; timezone: string; after: string; next: string }[] = [
    // Boundaries: strictly after, to the millisecond.
    {
      name: 'exactly at a fire time: the one after',
      cron: '0 * * * *',
      timezone: 'UTC',
      after: '2026-01-01T10:00:00.000Z',
      next: '2026-01-01T11:00:00.000Z',
    },
    {
      name: '1 ms before a fire time: that one',
      cron: '0 * * * *',
      timezone: 'UTC',
      after: '2026-01-01T09:59:59.999Z',
      next: '2026-01-01T10:00:00.000Z',
    },
    {
      name: 'seconds field, mid-second',
      cron: '* * * * * *',
      timezone: 'UTC',
      after: '2026-01-01T10:00:00.500Z',
      next: '2026-01-01T10:00:01.000Z',
    },
    {
      name: 'seconds field, exactly on a second',
      cron: '* * * * * *',
      timezone: 'UTC',
      after: '2026-01-01T10:00:01.000Z',
      next: '2026-01-01T10:00:02.000Z',
    },
    {
      name: 'seconds field with a step',
      cron: '*/15 * * * * *',
      timezone: 'UTC',
      after: '2026-01-01T10:00:14.999Z',
      next: '2026-01-01T10:00:15.000Z',
    },
    {
      name: 'seconds field, fixed second of a fixed minute',
      cron: '15 30 2 * * *',
      timezone: 'UTC',
      after: '2026-01-01T02:30:15.000Z',
      next: '2026-01-02T02:30:15.000Z',
    },
    {
      name: 'weekdays: Friday afternoon → Monday',
      cron: '30 9 * * 1-5',
      timezone: 'UTC',
      after: '2026-01-02T10:00:00.000Z',
      next: '2026-01-05T09:30:00.000Z',
    },
    {
      name: 'day names',
      cron: '0 0 * * THU',
      timezone: 'UTC',
      after: '2026-01-02T00:00:00.000Z',
      next: '2026-01-08T00:00:00.000Z',
    },
    {
      name: 'alias',
      cron: '@daily',
      timezone: 'UTC',
      after: '2026-01-02T10:00:00.000Z',
      next: '2026-01-03T00:00:00.000Z',
    },
    {
      name: 'leap day',
      cron: '0 0 29 2 *',
      timezone: 'UTC',
      after: '2026-03-01T00:00:00.000Z',
      next: '2028-02-29T00:00:00.000Z',
    },
    {
      name: 'surrounding whitespace',
      cron: '  0 * * * *  ',
      timezone: 'UTC',
      after: '2026-01-01T10:00:00.000Z',
      next: '2026-01-01T11:00:00.000Z',
    },
    // Zones: the fields are wall-clock time there.
    {
      name: 'Berlin in winter (UTC+1)',
      cron: '0 9 * * *',
      timezone: 'Europe/Berlin',
      after: '2026-01-10T12:00:00.000Z',
      next: '2026-01-11T08:00:00.000Z',
    },
    {
      name: 'Berlin in summer (UTC+2)',
      cron: '0 9 * * *',
      timezone: 'Europe/Berlin',
      after: '2026-07-10T12:00:00.000Z',
      next: '2026-07-11T07:00:00.000Z',
    },
    {
      name: 'New York in winter (UTC−5)',
      cron: '0 9 * * *',
      timezone: 'America/New_York',
      after: '2026-01-10T15:00:00.000Z',
      next: '2026-01-11T14:00:00.000Z',
    },
    {
      name: 'Kolkata (UTC+5:30)',
      cron: '0 9 * * *',
      timezone: 'Asia/Kolkata',
      after: '2026-01-10T12:00:00.000Z',
      next: '2026-01-11T03:30:00.000Z',
    },
    // Spring forward in Berlin: 02:00–03:00 does not exist.
    {
      name: 'spring: a wall time in the gap fires as far past it',
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      after: '2026-03-28T12:00:00.000Z',
      next: '2026-03-29T01:30:00.000Z',
    },
    {
      name: 'spring: the same, asked from inside the moved hour',
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      after: '2026-03-29T01:10:00.000Z',
      next: '2026-03-29T01:30:00.000Z',
    },
    {
      name: 'spring: once fired, the next day',
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      after: '2026-03-29T01:30:00.000Z',
      next: '2026-03-30T00:30:00.000Z',
    },
    {
      name: 'spring: the hour after the gap is unaffected',
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      after: '2026-03-28T12:00:00.000Z',
      next: '2026-03-29T01:00:00.000Z',
    },
    {
      name: 'spring: every 30 min jumps 01:30 CET → 03:00 CEST',
      cron: '*/30 * * * *',
      timezone: 'Europe/Berlin',
      after: '2026-03-29T00:30:00.000Z',
      next: '2026-03-29T01:00:00.000Z',
    },
    {
      name: 'spring: 02:00 became 03:00 and passed',
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      after: '2026-03-29T01:05:00.000Z',
      next: '2026-03-30T00:00:00.000Z',
    },
    // Fall back in Berlin: 02:00–03:00 happens twice (CEST, then CET).
    {
      name: 'fall: a specific time fires at its first occurrence',
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      after: '2026-10-24T12:00:00.000Z',
      next: '2026-10-25T00:30:00.000Z',
    },
    {
      name: 'fall: … and not at its second',
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      after: '2026-10-25T00:30:00.000Z',
      next: '2026-10-26T01:30:00.000Z',
    },
    {
      name: 'fall: … also when asked from inside the second pass',
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      after: '2026-10-25T01:10:00.000Z',
      next: '2026-10-26T01:30:00.000Z',
    },
    {
      name: 'fall: seconds field, specific time',
      cron: '15 30 2 * * *',
      timezone: 'Europe/Berlin',
      after: '2026-10-25T00:00:00.000Z',
      next: '2026-10-25T00:30:15.000Z',
    },
    {
      name: 'fall: minutes of a specific hour fire in its first pass only',
      cron: '*/15 2 * * *',
      timezone: 'Europe/Berlin',
      after: '2026-10-25T00:50:00.000Z',
      next: '2026-10-26T01:00:00.000Z',
    },
    {
      name: 'fall: two specific hours skip the repeat of the first',
      cron: '0 2,3 * * *',
      timezone: 'Europe/Berlin',
      after: '2026-10-25T00:00:00.000Z',
      next: '2026-10-25T02:00:00.000Z',
    },
    {
      name: 'fall: hourly follows real time into the second pass',
      cron: '0 * * * *',
      timezone: 'Europe/Berlin',
      after: '2026-10-25T00:30:00.000Z',
      next: '2026-10-25T01:00:00.000Z',
    },
    {
      name: 'fall: hourly, from the start of the second pass',
      cron: '0 * * * *',
      timezone: 'Europe/Berlin',
      after: '2026-10-25T01:00:00.000Z',
      next: '2026-10-25T02:00:00.000Z',
    },
  ];

  it.each(cases)('$name: $cron in $timezone after $after → $next', ({ cron, timezone, after, next }) => {
    expect(iso(sut({ cron, timezone }, at(after)))).toBe(next);
  });

  it('every 30 minutes across fall-back in Berlin fires every real half hour', () => {
    const times = fireTimesAfter({ cron: '*/30 * * * *', timezone: 'Europe/Berlin' }, at('2026-10-24T23:45:00Z'));
    const first = Array.from({ length: 7 }, () => iso(times.next().value as Date));
    expect(first).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z', // 02:30 CET
      '2026-10-25T02:00:00.000Z', // 03:00 CET
      '2026-10-25T02:30:00.000Z',
      '2026-10-25T03:00:00.000Z',
    ]);
  });

  describe('the sequence does not depend on where it is asked from', () => {
    const specs: CronSpec[] = [
      { cron: '30 2 * * *', timezone: 'Europe/Berlin' },
      { cron: '0 2 * * *', timezone: 'Europe/Berlin' },
      { cron: '*/15 2 * * *', timezone: 'Europe/Berlin' },
      { cron: '0 2,3 * * *', timezone: 'Europe/Berlin' },
      { cron: '0 * * * *', timezone: 'Europe/Berlin' },
      { cron: '*/20 * * * *', timezone: 'Europe/Berlin' },
      { cron: '0 1 * * *', timezone: 'America/New_York' },
    ];
    const changes = [
      { name: 'spring', at: SPRING },
      { name: 'fall', at: FALL },
      { name: 'New York fall', at: '2026-11-01T06:00:00.000Z' },
    ];
    const cases = specs.flatMap((spec) =>
      changes.map((change) => ({ ...spec, change: change.name, around: change.at })),
    );

    it.each(cases)('$cron in $timezone around $change', ({ cron, timezone, around }) => {
      const spec = { cron, timezone };
      const center = at(around).getTime();
      // The reference: one walk started well before the change.
      const reference: number[] = [];
      for (const t of fireTimesAfter(spec, new Date(center - 6 * 3_600_000))) {
        reference.push(t.getTime());
        if (t.getTime() > center + 30 * 3_600_000) break;
      }
      for (let start = center - 3 * 3_600_000; start <= center + 3 * 3_600_000; start += 10 * 60_000) {
        for (const after of [start - 1, start, start + 1]) {
          const expected = reference.find((t) => t > after);
          expect([new Date(after).toISOString(), iso(sut(spec, new Date(after)))]).toEqual([
            new Date(after).toISOString(),
            new Date(expected!).toISOString(),
          ]);
        }
      }
    });
  });
});

describe(cronProblem.name, () => {
  const accepted = ['* * * * *', '*/5 * * * *', '0 9 * * MON-FRI', '0 0 * * thu', '* * * * * *', '@daily', '0 0 L * *'];
  it.each(accepted)('accepts %s', (cron) => {
    expect(cronProblem(cron)).toBeUndefined();
  });

  const refused: { cron: string; problem: RegExp }[] = [
    { cron: '', problem: /5 fields/ },
    { cron: '* * *', problem: /5 fields/ },
    { cron: '* * * * * * *', problem: /5 fields/ },
    { cron: '61 * * * *', problem: /Constraint error/ },
    { cron: '0 25 * * *', problem: /Constraint error/ },
    { cron: 'H * * * *', problem: /hashed/ },
    { cron: '0 0 30 2 *', problem: /day of month/ },
    { cron: '@often', problem: /alias/ },
    { cron: 'a b c d e', problem: /./ },
  ];
  it.each(refused)('refuses "$cron" ($problem)', ({ cron, problem }) => {
    expect(cronProblem(cron)).toMatch(problem);
  });
});

describe(canonicalTimeZone.name, () => {
  const cases: { zone: string; canonical: string | undefined }[] = [
    { zone: 'Europe/Berlin', canonical: 'Europe/Berlin' },
    { zone: 'europe/berlin', canonical: 'Europe/Berlin' },
    { zone: 'America/New_York', canonical: 'America/New_York' },
    { zone: 'UTC', canonical: 'UTC' },
    { zone: 'Mars/Olympus', canonical: undefined },
    { zone: 'UTC+2', canonical: undefined },
    { zone: '+02:00', canonical: undefined },
    { zone: ' UTC', canonical: undefined },
    { zone: '', canonical: undefined },
  ];
  it.each(cases)('"$zone" → $canonical', ({ zone, canonical }) => {
    expect(canonicalTimeZone(zone)).toBe(canonical);
  });
});
