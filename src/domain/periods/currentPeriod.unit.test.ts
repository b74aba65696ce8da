// The periods of an instant in a time zone: today's date, the current and last completed periods, and
// whether a period has begun or ended (calendar arithmetic: periods.unit.test.ts).
import { describe, expect, it } from 'vitest';
import { caught } from '../../../test/support/caught.js';
import {
  currentPeriod,
  hasBegun,
  isComplete,
  lastCompletedPeriod,
  localDate,
  periodStarting,
  type Period,
  type PeriodType,
} from './periods.js';

const at = (iso: string): Date => new Date(iso);
const range = (p: Period): string => `${p.start}..${p.end}`;

describe('localDate', () => {
  it.each<[string, string, string]>([
    ['2026-03-01T00:30:00+08:00', 'Asia/Shanghai', '2026-03-01'],
    ['2026-03-01T00:30:00+08:00', 'UTC', '2026-02-28'],
    ['2026-02-28T15:59:59Z', 'Asia/Shanghai', '2026-02-28'],
    ['2026-02-28T16:00:00Z', 'Asia/Shanghai', '2026-03-01'],
    ['2026-03-08T01:30:00-08:00', 'America/Los_Angeles', '2026-03-08'],
    ['2026-03-08T03:30:00-07:00', 'America/Los_Angeles', '2026-03-08'],
    ['2026-03-07T23:30:00-08:00', 'America/Los_Angeles', '2026-03-07'],
    ['2026-11-01T01:30:00-07:00', 'America/Los_Angeles', '2026-11-01'],
    ['2026-11-01T01:30:00-08:00', 'America/Los_Angeles', '2026-11-01'],
    ['2026-10-31T23:30:00-07:00', 'America/Los_Angeles', '2026-10-31'],
    ['2026-11-01T23:59:59-08:00', 'America/Los_Angeles', '2026-11-01'],
    ['2025-12-31T23:59:59.999Z', 'UTC', '2025-12-31'],
    ['2026-01-01T00:00:00Z', 'UTC', '2026-01-01'],
    ['2025-12-31T20:00:00Z', 'Pacific/Kiritimati', '2026-01-01'],
  ])('given %s in %s, when reading the local date, then it is %s', (instant, tz, expected) => {
    expect(localDate(at(instant), tz)).toBe(expected);
  });

  it('given no time zone, when reading the local date, then it defaults to UTC', () => {
    expect(localDate(at('2026-03-01T00:30:00+08:00'))).toBe('2026-02-28');
  });

  it.each(['Mars/Base', 'Not a zone', ''])(
    'given the unknown time zone %j, when reading the local date, then it is refused clearly',
    (tz) => {
      const err = caught(() => localDate(at('2026-01-01T00:00:00Z'), tz));
      expect(err.code).toBe('VALIDATION_ERROR');
      expect(err.message).toBe(
        `unknown time zone '${tz}': expected an IANA time zone such as UTC or Asia/Shanghai`,
      );
    },
  );

  it('given an invalid Date, when reading the local date, then it is refused', () => {
    expect(caught(() => localDate(new Date(Number.NaN), 'UTC')).message).toMatch(/invalid instant/);
  });
});

describe('currentPeriod and lastCompletedPeriod', () => {
  it.each<[PeriodType, string, string, string, string]>([
    ['daily', '2026-01-01T12:00:00Z', 'UTC', '2026-01-01..2026-01-01', '2025-12-31..2025-12-31'],
    ['weekly', '2026-01-01T12:00:00Z', 'UTC', '2025-12-29..2026-01-04', '2025-12-22..2025-12-28'],
    ['monthly', '2026-01-01T12:00:00Z', 'UTC', '2026-01-01..2026-01-31', '2025-12-01..2025-12-31'],
    ['quarterly', '2026-02-10T12:00:00Z', 'UTC', '2026-01-01..2026-03-31', '2025-10-01..2025-12-31'],
    ['quarterly', '2026-05-20T12:00:00Z', 'UTC', '2026-04-01..2026-06-30', '2026-01-01..2026-03-31'],
    ['quarterly', '2026-12-31T23:59:59Z', 'UTC', '2026-10-01..2026-12-31', '2026-07-01..2026-09-30'],
    ['monthly', '2024-03-15T00:00:00Z', 'UTC', '2024-03-01..2024-03-31', '2024-02-01..2024-02-29'],
    ['weekly', '2026-03-02T00:00:00Z', 'UTC', '2026-03-02..2026-03-08', '2026-02-23..2026-03-01'],
    ['weekly', '2026-03-08T23:59:59Z', 'UTC', '2026-03-02..2026-03-08', '2026-02-23..2026-03-01'],
  ])('given %s at %s in %s, then current is %s and last completed is %s', (type, instant, tz, cur, last) => {
    expect(range(currentPeriod(type, at(instant), tz))).toBe(cur);
    expect(range(lastCompletedPeriod(type, at(instant), tz))).toBe(last);
  });

  describe('given a run just after midnight in Asia/Shanghai (2026-03-01T00:30+08:00, UTC still 02-28)', () => {
    const now = at('2026-03-01T00:30:00+08:00');
    const tz = 'Asia/Shanghai';

    it('then today is 2026-03-01', () => {
      expect(localDate(now, tz)).toBe('2026-03-01');
      expect(range(currentPeriod('daily', now, tz))).toBe('2026-03-01..2026-03-01');
    });

    it('then the last completed day is 2026-02-28', () => {
      expect(range(lastCompletedPeriod('daily', now, tz))).toBe('2026-02-28..2026-02-28');
    });

    it('then the current month is March and the last completed month is February', () => {
      expect(range(currentPeriod('monthly', now, tz))).toBe('2026-03-01..2026-03-31');
      expect(range(lastCompletedPeriod('monthly', now, tz))).toBe('2026-02-01..2026-02-28');
    });

    it('then the Sunday 2026-03-01 is in the week 02-23..03-01, so the last completed week is 02-16..02-22', () => {
      expect(range(currentPeriod('weekly', now, tz))).toBe('2026-02-23..2026-03-01');
      expect(range(lastCompletedPeriod('weekly', now, tz))).toBe('2026-02-16..2026-02-22');
    });

    it('then in UTC the same instant is still February', () => {
      expect(range(currentPeriod('monthly', now, 'UTC'))).toBe('2026-02-01..2026-02-28');
      expect(range(lastCompletedPeriod('daily', now, 'UTC'))).toBe('2026-02-27..2026-02-27');
    });
  });

  describe('given America/Los_Angeles around the DST changes', () => {
    const tz = 'America/Los_Angeles';

    it.each([
      '2026-03-08T01:30:00-08:00', // just before the spring-forward gap
      '2026-03-08T03:30:00-07:00', // just after it
      '2026-03-08T23:30:00-07:00', // late the same (23-hour) day; UTC is already 03-09
    ])('when it is %s (spring forward, a Sunday), then today is 2026-03-08', (instant) => {
      const now = at(instant);
      expect(range(currentPeriod('daily', now, tz))).toBe('2026-03-08..2026-03-08');
      expect(range(lastCompletedPeriod('daily', now, tz))).toBe('2026-03-07..2026-03-07');
      expect(range(currentPeriod('weekly', now, tz))).toBe('2026-03-02..2026-03-08');
      expect(range(lastCompletedPeriod('weekly', now, tz))).toBe('2026-02-23..2026-03-01');
      expect(range(currentPeriod('monthly', now, tz))).toBe('2026-03-01..2026-03-31');
    });

    it.each([
      '2026-11-01T01:30:00-07:00', // the first 01:30 (PDT)
      '2026-11-01T01:30:00-08:00', // the repeated 01:30 (PST)
      '2026-11-01T23:30:00-08:00', // late the same (25-hour) day; UTC is already 11-02
    ])('when it is %s (fall back, a Sunday), then today is 2026-11-01', (instant) => {
      const now = at(instant);
      expect(range(currentPeriod('daily', now, tz))).toBe('2026-11-01..2026-11-01');
      expect(range(lastCompletedPeriod('daily', now, tz))).toBe('2026-10-31..2026-10-31');
      expect(range(currentPeriod('weekly', now, tz))).toBe('2026-10-26..2026-11-01');
      expect(range(currentPeriod('monthly', now, tz))).toBe('2026-11-01..2026-11-30');
      expect(range(lastCompletedPeriod('monthly', now, tz))).toBe('2026-10-01..2026-10-31');
      expect(range(lastCompletedPeriod('quarterly', now, tz))).toBe('2026-07-01..2026-09-30');
    });

    it('when it is 2026-10-31T23:30-07:00 (UTC already 11-01), then the current month is still October', () => {
      const now = at('2026-10-31T23:30:00-07:00');
      expect(range(currentPeriod('monthly', now, tz))).toBe('2026-10-01..2026-10-31');
      expect(range(lastCompletedPeriod('daily', now, tz))).toBe('2026-10-30..2026-10-30');
    });
  });

  it('given no time zone, then UTC is used', () => {
    expect(range(currentPeriod('daily', at('2026-03-01T00:30:00+08:00')))).toBe('2026-02-28..2026-02-28');
  });

  it('given an unknown time zone, then it is refused', () => {
    expect(caught(() => currentPeriod('daily', at('2026-01-01T00:00:00Z'), 'Mars/Base')).message).toContain(
      "unknown time zone 'Mars/Base'",
    );
  });
});

describe('hasBegun', () => {
  it.each<[string, string, string, boolean]>([
    ['daily', '2026-03-01', '2026-03-01T00:30:00+08:00', true],
    ['daily', '2026-03-02', '2026-03-01T23:59:59+08:00', false],
    ['weekly', '2026-03-02', '2026-03-01T16:30:00Z', true], // Monday 00:30 in Shanghai
    ['monthly', '2026-03-01', '2026-02-28T23:30:00Z', true], // already March 1st in Shanghai
    ['quarterly', '2026-04-01', '2026-03-31T12:00:00+08:00', false],
    ['daily', '9999-12-27', '2026-03-01T00:00:00Z', false],
  ])(
    'given the %s period starting %s and now %s in Shanghai, then begun is %s',
    (type, start, instant, begun) => {
      expect(hasBegun(periodStarting(type as PeriodType, start), at(instant), 'Asia/Shanghai')).toBe(begun);
    },
  );
});

describe('isComplete', () => {
  const feb = periodStarting('monthly', '2026-02-01');

  it.each<[string, string, boolean]>([
    ['2026-02-28T23:59:59Z', 'UTC', false],
    ['2026-03-01T00:00:00Z', 'UTC', true],
    ['2026-02-15T00:00:00Z', 'UTC', false],
    ['2026-01-31T00:00:00Z', 'UTC', false],
    ['2026-03-01T00:30:00+08:00', 'Asia/Shanghai', true],
    ['2026-03-01T00:30:00+08:00', 'UTC', false],
    ['2026-02-28T23:30:00-08:00', 'America/Los_Angeles', false],
  ])('given February 2026 and now %s in %s, then complete is %s', (instant, tz, expected) => {
    expect(isComplete(feb, at(instant), tz)).toBe(expected);
  });

  it.each<PeriodType>(['daily', 'weekly', 'monthly', 'quarterly'])(
    'given any %s time, then the current period is not complete and the last completed one is',
    (type) => {
      const now = at('2026-03-01T00:30:00+08:00');
      expect(isComplete(currentPeriod(type, now, 'Asia/Shanghai'), now, 'Asia/Shanghai')).toBe(false);
      expect(isComplete(lastCompletedPeriod(type, now, 'Asia/Shanghai'), now, 'Asia/Shanghai')).toBe(true);
    },
  );

  it('given yesterday, then it is complete; today is not', () => {
    const now = at('2026-01-01T00:00:00Z');
    expect(isComplete(periodStarting('daily', '2025-12-31'), now, 'UTC')).toBe(true);
    expect(isComplete(periodStarting('daily', '2026-01-01'), now, 'UTC')).toBe(false);
  });
});
