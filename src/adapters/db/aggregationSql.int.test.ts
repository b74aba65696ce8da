// computeDatabaseAggregations / computeInstanceAggregations for one period against hand-computed figures
// (the fixture of test/support/sizeStatsFixture.ts); edge cases and the coverage queries are in
// aggregationCoverage.int.test.ts.
import { describe, expect, it } from 'vitest';
import { A, B, C, byInstance, byKey, useSizeStatsDatabase } from '../../../test/support/sizeStatsFixture.js';
import { periodContaining, periodStarting } from '../../domain/periods/periods.js';
import { computeDatabaseAggregations, computeInstanceAggregations } from './aggregationSql.js';

const db = useSizeStatsDatabase();

describe('computeDatabaseAggregations', () => {
  it('monthly: November against October', async () => {
    const rows = await computeDatabaseAggregations(db.knex, periodStarting('monthly', '2026-11-01'));
    expect(rows.map((r) => `${r.instance_id}/${r.database_name}`)).toEqual([
      `${A}/app`,
      `${A}/logs`,
      `${B}/app`,
      `${B}/logs`,
    ]);
    const m = byKey(rows);
    // A/app: Nov i = 31..60 -> sizes 131..160, avg 145.5; Oct avg 115; change 30.5 = 26.522 %;
    // growth (160 - 131) / 131 / 29 days * 100 = 100 / 131 = 0.763 %/day.
    expect(m['A/app']).toEqual({
      instance_id: A,
      database_name: 'app',
      period_type: 'monthly',
      period_start: '2026-11-01',
      period_end: '2026-11-30',
      avg_size_mb: 145.5,
      max_size_mb: 160,
      min_size_mb: 131,
      avg_data_size_mb: 125.5,
      max_data_size_mb: 140,
      min_data_size_mb: 111,
      avg_log_size_mb: 20,
      max_log_size_mb: 20,
      min_log_size_mb: 20,
      data_count: 30,
      size_change_mb: 30.5,
      size_change_percent: 26.522,
      growth_rate: 0.763,
    });
    expect(m['A/logs']).toMatchObject({
      avg_size_mb: 50,
      data_count: 30,
      size_change_mb: 0,
      size_change_percent: 0,
      growth_rate: 0,
    });
    // B/app: sizes 269..240, avg 254.5; Oct avg 285; -30.5 = -10.702 %; growth -29/269/29*100 = -0.372.
    expect(m['B/app']).toMatchObject({
      avg_size_mb: 254.5,
      max_size_mb: 269,
      min_size_mb: 240,
      avg_data_size_mb: null,
      max_data_size_mb: null,
      min_log_size_mb: null,
      data_count: 30,
      size_change_mb: -30.5,
      size_change_percent: -10.702,
      growth_rate: -0.372,
    });
    // B/logs did not exist in October: no change figures.
    expect(m['B/logs']).toMatchObject({
      avg_size_mb: 5,
      avg_data_size_mb: 4,
      avg_log_size_mb: 1,
      data_count: 30,
      size_change_mb: null,
      size_change_percent: null,
      growth_rate: 0,
    });
  });

  it('weekly: Mon 2026-11-02 .. Sun 11-08 against 10-26 .. 11-01', async () => {
    const m = byKey(await computeDatabaseAggregations(db.knex, periodStarting('weekly', '2026-11-02')));
    // A/app i = 32..38 -> 132..138 avg 135; previous i = 25..31 avg 128; 7 = 5.469 %; 6/132/6*100 = 0.758.
    expect(m['A/app']).toMatchObject({
      period_start: '2026-11-02',
      period_end: '2026-11-08',
      avg_size_mb: 135,
      max_size_mb: 138,
      min_size_mb: 132,
      avg_data_size_mb: 115,
      data_count: 7,
      size_change_mb: 7,
      size_change_percent: 5.469,
      growth_rate: 0.758,
    });
    // B/app 268..262 avg 265; previous avg 272; -7 = -2.574 %; -6/268/6*100 = -0.373.
    expect(m['B/app']).toMatchObject({
      avg_size_mb: 265,
      size_change_mb: -7,
      size_change_percent: -2.574,
      growth_rate: -0.373,
    });
    // B/logs: the previous week holds one day (11-01) of 5 MB.
    expect(m['B/logs']).toMatchObject({ data_count: 7, size_change_mb: 0, size_change_percent: 0 });
  });

  it('quarterly: Q4 2026 has no previous quarter; daily: one row, no growth', async () => {
    const q = byKey(await computeDatabaseAggregations(db.knex, periodStarting('quarterly', '2026-10-01')));
    expect(q['A/app']).toMatchObject({
      period_start: '2026-10-01',
      period_end: '2026-12-31',
      avg_size_mb: 130,
      max_size_mb: 160,
      min_size_mb: 100,
      data_count: 61,
      size_change_mb: null,
      size_change_percent: null,
      growth_rate: 1, // 60 / 100 / 60 days * 100
    });
    expect(q['B/logs']).toMatchObject({ data_count: 30 });

    const d = byKey(await computeDatabaseAggregations(db.knex, periodContaining('daily', '2026-11-15')));
    // i = 45: 145 against 144 the day before: 1 MB = 0.694 %.
    expect(d['A/app']).toMatchObject({
      period_start: '2026-11-15',
      period_end: '2026-11-15',
      avg_size_mb: 145,
      max_size_mb: 145,
      min_size_mb: 145,
      data_count: 1,
      size_change_mb: 1,
      size_change_percent: 0.694,
      growth_rate: null,
    });
  });

  it('filters by instance and returns nothing for a period without stats', async () => {
    const nov = periodStarting('monthly', '2026-11-01');
    const onlyA = await computeDatabaseAggregations(db.knex, nov, { instanceIds: [A] });
    expect(onlyA.map((r) => r.database_name)).toEqual(['app', 'logs']);
    expect(onlyA.every((r) => r.instance_id === A)).toBe(true);
    // the previous period is filtered the same way, so the figures do not change
    expect(onlyA[0]).toEqual((await computeDatabaseAggregations(db.knex, nov))[0]);
    expect(await computeDatabaseAggregations(db.knex, nov, { instanceIds: [] })).toEqual([]);
    expect(await computeDatabaseAggregations(db.knex, periodStarting('monthly', '2026-12-01'))).toEqual([]);
  });
});

describe('computeInstanceAggregations', () => {
  it('monthly: growing A, shrinking B with one more database', async () => {
    const rows = await computeInstanceAggregations(db.knex, periodStarting('monthly', '2026-11-01'));
    expect(rows.map((r) => r.instance_id)).toEqual([A, B]);
    const m = byInstance(rows);
    // A: 181..210 avg 195.5; Oct 150..180 avg 165; 30.5 = 18.485 % -> growing; 29/181/29*100 = 0.552.
    expect(m.A).toEqual({
      instance_id: A,
      period_type: 'monthly',
      period_start: '2026-11-01',
      period_end: '2026-11-30',
      avg_total_size_mb: 195.5,
      max_total_size_mb: 210,
      min_total_size_mb: 181,
      data_count: 30,
      avg_database_count: 2,
      max_database_count: 2,
      min_database_count: 2,
      total_size_change_mb: 30.5,
      total_size_change_percent: 18.485,
      database_count_change: 0,
      growth_rate: 0.552,
      trend_direction: 'growing',
    });
    // B: 690..400 avg 545; Oct avg 850; -305 = -35.882 % -> shrinking; -290/690/29*100 = -1.449.
    expect(m.B).toMatchObject({
      avg_total_size_mb: 545,
      max_total_size_mb: 690,
      min_total_size_mb: 400,
      data_count: 30,
      avg_database_count: 3,
      max_database_count: 3,
      min_database_count: 3,
      total_size_change_mb: -305,
      total_size_change_percent: -35.882,
      database_count_change: 1,
      growth_rate: -1.449,
      trend_direction: 'shrinking',
    });
  });

  it('weekly: a change under 5 % is stable', async () => {
    const m = byInstance(await computeInstanceAggregations(db.knex, periodStarting('weekly', '2026-11-02')));
    // A: 182..188 avg 185; previous week avg 178; 7 = 3.933 % -> stable; 6/182/6*100 = 0.549.
    expect(m.A).toMatchObject({
      avg_total_size_mb: 185,
      max_total_size_mb: 188,
      min_total_size_mb: 182,
      data_count: 7,
      total_size_change_mb: 7,
      total_size_change_percent: 3.933,
      growth_rate: 0.549,
      trend_direction: 'stable',
    });
    // B: 680..620 avg 650; previous 720; -70 = -9.722 % -> shrinking; -60/680/6*100 = -1.471.
    // Databases: previous week 6 days of 2 and one (11-01) of 3 -> avg 15/7 = 2.143; change 0.857.
    expect(m.B).toMatchObject({
      avg_total_size_mb: 650,
      total_size_change_mb: -70,
      total_size_change_percent: -9.722,
      growth_rate: -1.471,
      trend_direction: 'shrinking',
      avg_database_count: 3,
      database_count_change: 0.857,
    });
  });

  it('quarterly without a previous quarter has no trend; daily compares with the day before', async () => {
    const q = byInstance(
      await computeInstanceAggregations(db.knex, periodStarting('quarterly', '2026-10-01')),
    );
    expect(q.A).toMatchObject({
      avg_total_size_mb: 180,
      max_total_size_mb: 210,
      min_total_size_mb: 150,
      data_count: 61,
      total_size_change_mb: null,
      total_size_change_percent: null,
      database_count_change: null,
      growth_rate: 0.667, // 60 / 150 / 60 days * 100
      trend_direction: null,
    });
    // B: 31 days of 2 databases and 30 of 3 -> 152 / 61 = 2.492.
    expect(q.B).toMatchObject({
      avg_total_size_mb: 700,
      max_total_size_mb: 1000,
      min_total_size_mb: 400,
      avg_database_count: 2.492,
      max_database_count: 3,
      min_database_count: 2,
      growth_rate: -1, // -600 / 1000 / 60 days * 100
      trend_direction: null,
    });

    const d = byInstance(await computeInstanceAggregations(db.knex, periodContaining('daily', '2026-11-01')));
    // B on 11-01 (i = 31): 690 against 700, 3 databases against 2.
    expect(d.B).toMatchObject({
      period_start: '2026-11-01',
      period_end: '2026-11-01',
      avg_total_size_mb: 690,
      data_count: 1,
      total_size_change_mb: -10,
      total_size_change_percent: -1.429,
      database_count_change: 1,
      growth_rate: null,
      trend_direction: 'stable',
    });
    const onlyB = await computeInstanceAggregations(db.knex, periodContaining('daily', '2026-11-01'), {
      instanceIds: [B, C],
    });
    expect(onlyB).toEqual([d.B]);
  });
});
