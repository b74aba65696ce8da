// The trend's calendar: the periods between two days, and figures carried forward over days without rows.
import { describe, expect, it } from 'vitest';
import { caught } from '../../../test/support/caught.js';
import { carryForward, maxTrendPeriods, periodsBetween } from './trend.js';

describe('periodsBetween', () => {
  it.each([
    ['daily', '2026-02-27', '2026-03-02', ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']],
    ['weekly', '2026-03-04', '2026-03-16', ['2026-03-02', '2026-03-09', '2026-03-16']],
    ['monthly', '2025-12-15', '2026-02-01', ['2025-12-01', '2026-01-01', '2026-02-01']],
    ['quarterly', '2026-02-10', '2026-07-01', ['2026-01-01', '2026-04-01', '2026-07-01']],
  ] as const)('given %s from %s to %s, then the periods start %j', (type, start, end, starts) => {
    expect(periodsBetween(type, start, end).map((p) => p.start)).toEqual(starts);
  });

  it('refuses more than the maximum of periods', () => {
    const err = caught(() => periodsBetween('daily', '2020-01-01', '2026-01-01'));
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.message).toContain(`at most ${maxTrendPeriods} daily periods`);
  });
});

describe('carryForward', () => {
  const rows = [
    { stat_date: '2026-03-02', accounts: 2, assignments: 3 },
    { stat_date: '2026-03-05', accounts: 1, assignments: 1 },
  ];
  it('gives zero before the first row, the last row at or before each day after', () => {
    expect(
      carryForward(rows, ['2026-03-01', '2026-03-02', '2026-03-04', '2026-03-05', '2026-03-09']).map(
        (v) => v.accounts,
      ),
    ).toEqual([0, 2, 2, 1, 1]);
  });
});
