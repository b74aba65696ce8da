// From a calendar date in an IANA time zone back to an instant: where a day begins and ends there.
// Pure like periods.ts (which goes the other way, instant -> date): no clock, no host time zone.
import { assertTimeZone, periodContaining } from './periods.js';

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time `at` shows in `timeZone`, read as if it were UTC (ms). */
function wallClockMs(at: number, timeZone: string): number {
  let formatter = wallClocks.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallClocks.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const d = new Date(0);
  d.setUTCFullYear(part('year'), part('month') - 1, part('day'));
  d.setUTCHours(part('hour'), part('minute'), part('second'), new Date(at).getUTCMilliseconds());
  return d.getTime();
}

/**
 * The first instant of the calendar date `date` (`YYYY-MM-DD`) in `timeZone`. Where the clocks jump
 * over midnight (a DST change at 00:00), the day begins at the first wall-clock time it has.
 */
export function startOfLocalDay(date: string, timeZone: string): Date {
  assertTimeZone(timeZone);
  const day = periodContaining('daily', date); // validates the date
  const [y, m, d] = day.start.split('-').map(Number) as [number, number, number];
  const midnight = new Date(0);
  midnight.setUTCFullYear(y, m - 1, d);
  const wall = midnight.getTime();
  // Two rounds: the zone's offset at the first guess, then at the corrected instant.
  let at = wall - (wallClockMs(wall, timeZone) - wall);
  at = wall - (wallClockMs(at, timeZone) - at);
  // A midnight that does not exist lands before the day: step forward to its first hour.
  while (wallClockMs(at, timeZone) < wall) at += 3_600_000;
  return new Date(at);
}

/** The last millisecond of the calendar date `date` in `timeZone`. */
export const endOfLocalDay = (date: string, timeZone: string): Date =>
  new Date(startOfLocalDay(periodContaining('daily', date).endExclusive, timeZone).getTime() - 1);
