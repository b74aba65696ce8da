import { describe, expect, it } from 'vitest';
import { endOfLocalDay, startOfLocalDay } from './zonedTime.js';

describe('where a calendar day begins and ends in a time zone', () => {
  it.each([
    ['2026-03-10', 'UTC', '2026-03-10T00:00:00.000Z', '2026-03-10T23:59:59.999Z'],
    ['2026-03-10', 'Asia/Shanghai', '2026-03-09T16:00:00.000Z', '2026-03-10T15:59:59.999Z'],
    ['2026-03-10', 'Asia/Kolkata', '2026-03-09T18:30:00.000Z', '2026-03-10T18:29:59.999Z'],
    // New York springs forward on 2026-03-08 (a 23-hour day) and falls back on 2026-11-01 (25 hours).
    ['2026-03-08', 'America/New_York', '2026-03-08T05:00:00.000Z', '2026-03-09T03:59:59.999Z'],
    ['2026-11-01', 'America/New_York', '2026-11-01T04:00:00.000Z', '2026-11-02T04:59:59.999Z'],
    // Santiago skips midnight on 2024-09-08: the day begins at 01:00 local (UTC-3 from then on).
    ['2024-09-08', 'America/Santiago', '2024-09-08T04:00:00.000Z', '2024-09-09T02:59:59.999Z'],
    ['2026-12-31', 'Pacific/Kiritimati', '2026-12-30T10:00:00.000Z', '2026-12-31T09:59:59.999Z'],
  ])('%s in %s: %s .. %s', (date, zone, start, end) => {
    expect(startOfLocalDay(date, zone).toISOString()).toBe(start);
    expect(endOfLocalDay(date, zone).toISOString()).toBe(end);
  });

  it('refuses an impossible date and an unknown zone', () => {
    expect(() => startOfLocalDay('2026-02-30', 'UTC')).toThrow(/invalid date/);
    expect(() => startOfLocalDay('2026-02-03', 'Mars/Olympus')).toThrow(/unknown time zone/);
  });
});
