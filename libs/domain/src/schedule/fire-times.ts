import { CronExpressionParser } from 'cron-parser';

/**
 * Fire times of a cron expression in an IANA time zone. Pure: every instant
 * is a parameter.
 *
 * Expressions have 5 fields (minute hour day-of-month month day-of-week) or 6
 * (a seconds field first), or are one of cron-parser's aliases (`@daily`,
 * `@hourly`, ...). The fields match wall-clock time in the zone. Around a
 * daylight-saving change:
 * - spring forward: a wall time inside the gap does not exist; it fires as
 *   far past the gap as it was into it (02:30 → 03:30 on a one-hour gap);
 * - fall back: an expression whose hour field matches every hour follows real
 *   time and fires in both passes of the repeated hour; one with specific
 *   hours fires each wall time once, at its first occurrence.
 * The answer never depends on where a computation starts: the sequence from
 * any instant is the same sequence (cron-parser's own iteration, started
 * inside a repeated hour or a gap, is not; see `chainStart`).
 */
export interface CronSpec {
  cron: string;
  /** A canonical IANA name (see `canonicalTimeZone`). */
  timezone: string;
}

/** Longer than any offset change a zone makes at once, so one window holds at most one change. */
const TRANSITION_WINDOW_MS = 3 * 3_600_000;

/** Why `cron` is not an expression schedules accept, or undefined when it is. */
export function cronProblem(cron: string): string | undefined {
  const text = cron.trim();
  const fields = text.split(/\s+/);
  const alias = fields.length === 1 && text.startsWith('@');
  if (!alias && fields.length !== 5 && fields.length !== 6) {
    return 'must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first)';
  }
  // Hashed values (`H`) draw from a random source unless seeded: replicas would disagree.
  if (/H/.test(text.replace(/THU/gi, ''))) return 'hashed values (H) are not supported';
  try {
    CronExpressionParser.parse(text, { currentDate: new Date(0), tz: 'UTC' });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The canonical IANA name of `zone` (`europe/berlin` → `Europe/Berlin`), or undefined when it is not one. */
export function canonicalTimeZone(zone: string): string | undefined {
  if (zone.trim() === '' || zone !== zone.trim()) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The first fire time strictly after `after`. Throws on an expression `cronProblem` refuses. */
export function nextFireTime(spec: CronSpec, after: Date): Date {
  const { value } = fireTimesAfter(spec, after).next();
  if (!value) throw new Error(`cron "${spec.cron}" has no fire time after ${after.toISOString()}`);
  return value;
}

/** Every fire time strictly after `after`, in order; endless. */
export function* fireTimesAfter(spec: CronSpec, after: Date): Generator<Date, void, undefined> {
  const expression = CronExpressionParser.parse(spec.cron.trim(), {
    currentDate: chainStart(spec.timezone, after),
    tz: spec.timezone,
  });
  const everyHour = expression.fields.hour.values.length === 24;
  for (;;) {
    const at = expression.next().toDate();
    if (at.getTime() <= after.getTime()) continue;
    if (!everyHour && inRepeatedHour(spec.timezone, at)) continue;
    yield at;
  }
}

/**
 * Where to start cron-parser's iteration so that the sequence after `after`
 * is the canonical one: cron-parser started inside a fall-back repeated hour
 * yields the second occurrence of a wall time it otherwise skips, and started
 * just after a spring-forward gap it skips the wall times the gap moved. So an
 * `after` less than one offset change past a change starts just before it.
 */
function chainStart(zone: string, after: Date): Date {
  const change = lastOffsetChange(zone, after);
  if (change && after.getTime() - change.at < Math.abs(change.deltaMs)) return new Date(change.at - 1);
  return after;
}

/** Whether `at` falls in the second pass of a fall-back repeated hour (its wall time already happened). */
function inRepeatedHour(zone: string, at: Date): boolean {
  const change = lastOffsetChange(zone, at);
  return change !== undefined && change.deltaMs < 0 && at.getTime() - change.at < -change.deltaMs;
}

/** The zone's offset change in (at − window, at], if any: the instant it took effect and by how much. */
function lastOffsetChange(zone: string, at: Date): { at: number; deltaMs: number } | undefined {
  let lo = Math.floor((at.getTime() - TRANSITION_WINDOW_MS) / 1000);
  let hi = Math.floor(at.getTime() / 1000);
  const before = offsetMs(zone, lo * 1000);
  const after = offsetMs(zone, hi * 1000);
  if (before === after) return undefined;
  // Offsets change on whole seconds: narrow to the first second with the new offset.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid * 1000) === before) lo = mid;
    else hi = mid;
  }
  return { at: hi * 1000, deltaMs: after - before };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset at an instant, in ms (Berlin in summer: +7_200_000). */
function offsetMs(zone: string, epochMs: number): number {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  const part: Record<string, number> = {};
  for (const p of format.formatToParts(epochMs)) if (p.type !== 'literal') part[p.type] = Number(p.value);
  const wall = Date.UTC(part.year, part.month - 1, part.day, part.hour, part.minute, part.second);
  return wall - Math.floor(epochMs / 1000) * 1000;
}
