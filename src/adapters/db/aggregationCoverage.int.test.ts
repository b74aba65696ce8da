// Aggregation edge cases (clamped and undefined percents) and the coverage queries, over the fixture of
// test/support/sizeStatsFixture.ts.
import { describe, expect, it } from 'vitest';
import { A, B, C, useSizeStatsDatabase } from '../../../test/support/sizeStatsFixture.js';
import { periodStarting } from '../../domain/periods/periods.js';
import { computeInstanceAggregations, earliestStatDate, instancesWithoutStats } from './aggregationSql.js';

const db = useSizeStatsDatabase();

describe('edge cases', () => {
  it('clamps huge percents to numeric(9,3) and leaves them NULL against a zero average', async () => {
    const D = '00000000-0000-4000-8000-00000000000d';
    const E = '00000000-0000-4000-8000-00000000000e';
    const row = (instance: string, d: string, total: number) => ({
      instance_id: instance,
      total_size_mb: total,
      database_count: 1,
      collected_date: d,
      collected_at: `${d}T03:00:00Z`,
    });
    await db
      .knex('instance_size_stats')
      .insert([
        row(D, '2027-03-31', 0.001),
        row(D, '2027-04-01', 100000),
        row(D, '2027-04-02', 100000),
        row(E, '2027-03-31', 0),
        row(E, '2027-04-01', 0),
        row(E, '2027-04-03', 10),
      ]);
    const m = Object.fromEntries(
      (
        await computeInstanceAggregations(db.knex, periodStarting('monthly', '2027-04-01'), {
          instanceIds: [D, E],
        })
      ).map((r) => [r.instance_id, r]),
    );
    expect(m[D]).toMatchObject({
      total_size_change_mb: 99999.999,
      total_size_change_percent: 999999.999,
      growth_rate: 0,
      trend_direction: 'growing',
    });
    // previous average 0: no percent, so no trend; first day 0: no growth rate
    expect(m[E]).toMatchObject({
      avg_total_size_mb: 5,
      total_size_change_mb: 5,
      total_size_change_percent: null,
      growth_rate: null,
      trend_direction: null,
    });
  });
});

describe('instancesWithoutStats', () => {
  it('lists the instances with no instance_size_stats row in the period, in the given order', async () => {
    expect(await instancesWithoutStats(db.knex, periodStarting('monthly', '2026-11-01'), [C, A, B])).toEqual([
      C,
    ]);
    expect(
      await instancesWithoutStats(db.knex, periodStarting('monthly', '2026-09-01'), [B, C, A, B]),
    ).toEqual([B, C, A]);
    expect(await instancesWithoutStats(db.knex, periodStarting('weekly', '2026-09-28'), [A, C])).toEqual([C]);
    expect(await instancesWithoutStats(db.knex, periodStarting('monthly', '2026-11-01'), [])).toEqual([]);
  });
});

describe('earliestStatDate', () => {
  it('is the first collected_date of instance_size_stats, and null when there is none', async () => {
    expect(await earliestStatDate(db.knex)).toBe('2026-10-01');
    const trx = await db.knex.transaction();
    try {
      await trx('instance_size_stats').delete();
      expect(await earliestStatDate(trx)).toBeNull();
    } finally {
      await trx.rollback();
    }
    expect(await earliestStatDate(db.knex)).toBe('2026-10-01');
  });
});
