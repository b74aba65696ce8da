import { describe, expect, it } from 'vitest';
import { caught } from '../../../test/support/caught.js';
import {
  daysIn,
  nextPeriod,
  periodContaining,
  periodStarting,
  previousPeriod,
  spanOf,
  type Period,
  type PeriodType,
} from './periods.js';

const range = (p: Period): string => `${p.start}..${p.end}`;

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

describe('spanOf', () => {
  it('covers first..last of one period type', () => {
    expect(spanOf(periodStarting('monthly', '2026-10-01'), periodStarting('monthly', '2026-12-01'))).toEqual({
      type: 'monthly',
      start: '2026-10-01',
      endExclusive: '2027-01-01',
    });
    const day = periodStarting('daily', '2026-10-01');
    expect(spanOf(day, day)).toEqual({ type: 'daily', start: '2026-10-01', endExclusive: '2026-10-02' });
  });

  it('refuses two period types, or a last period before the first', () => {
    const october = periodStarting('monthly', '2026-10-01');
    expect(() => spanOf(october, periodStarting('weekly', '2026-10-05'))).toThrow(/not a span/);
    expect(() => spanOf(october, periodStarting('monthly', '2026-09-01'))).toThrow(/not a span/);
  });
});
