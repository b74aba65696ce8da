import { describe, expect, it } from 'vitest';
import type { AppError } from '../errors.js';
import {
  currentPeriod,
  daysIn,
  hasBegun,
  isComplete,
  lastCompletedPeriod,
  localDate,
  nextPeriod,
  periodContaining,
  periodStarting,
  previousPeriod,
  type Period,
  type PeriodType,
} from './periods.js';

const at = (iso: string): Date => new Date(iso);
const range = (p: Period): string => `${p.start}..${p.end}`;
const caught = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected an error');
};

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

describe('periodContaining', () => {
  describe('weekly: weeks run Monday..Sunday', () => {
    it.each<[string, string, string]>([
      ['Monday starts its own week', '2026-03-02', '2026-03-02..2026-03-08'],
      ['Tuesday', '2026-03-03', '2026-03-02..2026-03-08'],
      ['Saturday', '2026-03-07', '2026-03-02..2026-03-08'],
      ['Sunday belongs to the week that started 6 days before', '2026-03-08', '2026-03-02..2026-03-08'],
      ['Sunday 2026-03-01', '2026-03-01', '2026-02-23..2026-03-01'],
      ['a week spanning the new year', '2026-01-01', '2025-12-29..2026-01-04'],
      ['a week spanning a leap day', '2024-02-29', '2024-02-26..2024-03-03'],
      ['Sunday at the end of a year', '2023-12-31', '2023-12-25..2023-12-31'],
    ])('given %s (%s), then the week is %s', (_what, date, expected) => {
      const p = periodContaining('weekly', date);
      expect(range(p)).toBe(expected);
      expect(daysIn(p)).toBe(7);
    });
  });

  describe('monthly: month ends', () => {
    it.each<[string, string, number]>([
      ['2026-01-15', '2026-01-31', 31],
      ['2026-02-10', '2026-02-28', 28],
      ['2024-02-01', '2024-02-29', 29],
      ['2100-02-14', '2100-02-28', 28],
      ['2000-02-29', '2000-02-29', 29],
      ['1900-02-01', '1900-02-28', 28],
      ['2026-04-30', '2026-04-30', 30],
      ['2026-06-01', '2026-06-30', 30],
      ['2026-09-30', '2026-09-30', 30],
      ['2026-11-11', '2026-11-30', 30],
      ['2026-12-31', '2026-12-31', 31],
    ])('given %s, then the month ends %s with %i days', (date, end, days) => {
      const p = periodContaining('monthly', date);
      expect(p.start).toBe(`${date.slice(0, 7)}-01`);
      expect(p.end).toBe(end);
      expect(daysIn(p)).toBe(days);
    });

    it('given December, then endExclusive is January 1st of the next year', () => {
      expect(periodContaining('monthly', '2026-12-31')).toEqual({
        type: 'monthly',
        start: '2026-12-01',
        end: '2026-12-31',
        endExclusive: '2027-01-01',
      });
    });
  });

  describe('quarterly', () => {
    it.each<[string, string, number]>([
      ['2026-01-01', '2026-01-01..2026-03-31', 90],
      ['2026-02-10', '2026-01-01..2026-03-31', 90],
      ['2024-03-31', '2024-01-01..2024-03-31', 91],
      ['2026-04-01', '2026-04-01..2026-06-30', 91],
      ['2026-06-30', '2026-04-01..2026-06-30', 91],
      ['2026-07-15', '2026-07-01..2026-09-30', 92],
      ['2026-10-01', '2026-10-01..2026-12-31', 92],
      ['2026-12-31', '2026-10-01..2026-12-31', 92],
    ])('given %s, then the quarter is %s (%i days)', (date, expected, days) => {
      const p = periodContaining('quarterly', date);
      expect(range(p)).toBe(expected);
      expect(daysIn(p)).toBe(days);
    });
  });

  it('given a date, then the daily period is that one day', () => {
    expect(periodContaining('daily', '2024-02-29')).toEqual({
      type: 'daily',
      start: '2024-02-29',
      end: '2024-02-29',
      endExclusive: '2024-03-01',
    });
  });

  it.each(['2026-02-30', '2025-02-29', '2100-02-29', '2026-13-01', '2026-00-10', '2026-1-5', '20260105', ''])(
    'given the invalid date %j, then it is refused',
    (date) => {
      const err = caught(() => periodContaining('daily', date));
      expect(err.code).toBe('VALIDATION_ERROR');
      expect(err.message).toContain('expected a calendar date as YYYY-MM-DD');
    },
  );

  it('given an unknown period type, then it is refused', () => {
    const err = caught(() => periodContaining('yearly' as PeriodType, '2026-01-01'));
    expect(err.message).toBe(
      "unknown period type 'yearly': expected one of daily, weekly, monthly, quarterly",
    );
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

describe('previousPeriod', () => {
  it.each<[PeriodType, string, string]>([
    ['daily', '2026-01-01', '2025-12-31..2025-12-31'],
    ['daily', '2024-03-01', '2024-02-29..2024-02-29'],
    ['daily', '2100-03-01', '2100-02-28..2100-02-28'],
    ['weekly', '2026-01-05', '2025-12-29..2026-01-04'],
    ['weekly', '2025-12-29', '2025-12-22..2025-12-28'],
    ['monthly', '2026-01-01', '2025-12-01..2025-12-31'],
    ['monthly', '2024-03-01', '2024-02-01..2024-02-29'],
    ['monthly', '2000-03-01', '2000-02-01..2000-02-29'],
    ['quarterly', '2026-01-01', '2025-10-01..2025-12-31'],
    ['quarterly', '2026-04-01', '2026-01-01..2026-03-31'],
    ['quarterly', '2026-10-01', '2026-07-01..2026-09-30'],
  ])('given the %s period starting %s, then the one before is %s', (type, start, expected) => {
    const before = previousPeriod(periodStarting(type, start));
    expect(before.type).toBe(type);
    expect(range(before)).toBe(expected);
    expect(before.endExclusive).toBe(start);
  });

  it.each<PeriodType>(['daily', 'weekly', 'monthly', 'quarterly'])(
    'given a %s period, then nextPeriod undoes previousPeriod',
    (type) => {
      const p = periodContaining(type, '2026-01-01');
      expect(nextPeriod(previousPeriod(p))).toEqual(p);
      expect(previousPeriod(nextPeriod(p))).toEqual(p);
    },
  );

  it('given a malformed period whose start is not a period start, then it is refused', () => {
    const bogus: Period = {
      type: 'monthly',
      start: '2026-01-15',
      end: '2026-02-14',
      endExclusive: '2026-02-15',
    };
    expect(caught(() => previousPeriod(bogus)).code).toBe('VALIDATION_ERROR');
  });
});

describe('periodStarting', () => {
  it.each<[PeriodType, string, string]>([
    ['daily', '2026-02-17', '2026-02-17..2026-02-17'],
    ['weekly', '2026-02-16', '2026-02-16..2026-02-22'],
    ['monthly', '2024-02-01', '2024-02-01..2024-02-29'],
    ['quarterly', '2026-07-01', '2026-07-01..2026-09-30'],
  ])('given a valid %s start %s, then the period is %s', (type, start, expected) => {
    expect(range(periodStarting(type, start))).toBe(expected);
  });

  it.each<[PeriodType, string, RegExp]>([
    ['weekly', '2026-02-17', /not the start of a weekly period: expected a Monday .*starts 2026-02-16/],
    ['weekly', '2026-03-08', /expected a Monday .*starts 2026-03-02/],
    ['monthly', '2026-02-02', /not the start of a monthly period: expected the 1st of a month/],
    ['monthly', '2026-01-31', /starts 2026-01-01/],
    ['quarterly', '2026-02-01', /expected January, April, July or October 1st .*starts 2026-01-01/],
    ['quarterly', '2026-10-02', /starts 2026-10-01/],
    ['quarterly', '2026-12-01', /starts 2026-10-01/],
  ])('given the %s start %s, then it is refused', (type, start, message) => {
    const err = caught(() => periodStarting(type, start));
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.message).toMatch(message);
  });

  it('given an impossible date, then it is refused as a date', () => {
    expect(caught(() => periodStarting('monthly', '2026-02-30')).message).toContain(
      "invalid date '2026-02-30'",
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

describe('daysIn', () => {
  it.each<[PeriodType, string, number]>([
    ['daily', '2026-03-08', 1],
    ['daily', '2026-11-01', 1],
    ['weekly', '2026-03-02', 7],
    ['weekly', '2026-10-26', 7],
    ['monthly', '2026-02-01', 28],
    ['monthly', '2024-02-01', 29],
    ['monthly', '2100-02-01', 28],
    ['monthly', '2000-02-01', 29],
    ['monthly', '2026-04-01', 30],
    ['monthly', '2026-03-01', 31],
    ['quarterly', '2025-01-01', 90],
    ['quarterly', '2024-01-01', 91],
    ['quarterly', '2026-10-01', 92],
  ])('given the %s period starting %s, then it has %i days', (type, start, days) => {
    expect(daysIn(periodStarting(type, start))).toBe(days);
  });
});
