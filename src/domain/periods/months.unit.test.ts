import { describe, expect, it } from 'vitest';
import { addMonths, monthOf, monthsFrom, parseMonth } from './months.js';

describe('months', () => {
  it('adds whole months across years, in both directions', () => {
    expect(addMonths('2026-11-01', 3)).toBe('2027-02-01');
    expect(addMonths('2026-01-01', -1)).toBe('2025-12-01');
    expect(addMonths('2026-12-01', 0)).toBe('2026-12-01');
    expect(addMonths('2026-03-01', -27)).toBe('2023-12-01');
    expect(() => addMonths('2026-03-01', 1.5)).toThrow(/whole number of months/);
  });

  it('takes only the first day of a month', () => {
    expect(parseMonth('2026-11-01')).toEqual({ year: 2026, month: 11 });
    for (const bad of ['2026-11-02', '2026-13-01', '2026-00-01', '2026-1-01'])
      expect(() => parseMonth(bad)).toThrow(/first day of a month/);
  });

  it('gives the month of a real calendar day', () => {
    expect(monthOf('2028-02-29')).toBe('2028-02-01');
    expect(monthOf('2026-12-31')).toBe('2026-12-01');
    expect(() => monthOf('2027-02-29')).toThrow(/not a date/);
    expect(() => monthOf('2026-11')).toThrow(/not a date/);
  });

  it('lists a month and the months after it', () => {
    expect(monthsFrom('2026-11-01', 2)).toEqual(['2026-11-01', '2026-12-01', '2027-01-01']);
    expect(monthsFrom('2026-11-01', 0)).toEqual(['2026-11-01']);
    expect(() => monthsFrom('2026-11-01', -1)).toThrow(/monthsAhead/);
    expect(() => monthsFrom('2026-11-15', 1)).toThrow(/first day of a month/);
  });
});
