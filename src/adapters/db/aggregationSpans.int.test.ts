// Spans (every period of a range in one statement equals the periods one by one; gaps; the fitted growth)
// and the upserts into the aggregation tables, over the fixture of test/support/sizeStatsFixture.ts.
import { describe, expect, it } from 'vitest';
import { A, B, useSizeStatsDatabase } from '../../../test/support/sizeStatsFixture.js';
import {
  nextPeriod,
  periodContaining,
  periodStarting,
  periodTypes,
  spanOf,
  type Period,
} from '../../domain/periods/periods.js';
import {
  computeDatabaseAggregations,
  computeInstanceAggregations,
  upsertDatabaseAggregations,
  upsertInstanceAggregations,
  withAggregationSettings,
  type DatabaseAggregation,
  type InstanceAggregation,
} from './aggregationSql.js';

const db = useSizeStatsDatabase();

describe('spans: every period of a range in one statement', () => {
  const periodsOf = (first: Period, last: Period): Period[] => {
    const out = [first];
    while (out.at(-1)!.start < last.start) out.push(nextPeriod(out.at(-1)!));
    return out;
  };

  it.each(periodTypes)('%s: the same rows as the periods computed one by one', async (type) => {
    const first = periodContaining(type, '2026-10-01');
    const last = periodContaining(type, '2026-11-30');
    const span = spanOf(first, last);
    const one = periodsOf(first, last);
    const byOne = async <R extends { instance_id: string; period_start: string }>(
      f: (p: Period) => Promise<R[]>,
      key: (r: R) => string,
    ) => (await Promise.all(one.map(f))).flat().sort((a, b) => key(a).localeCompare(key(b)));
    const dbKey = (r: DatabaseAggregation) => `${r.instance_id}/${r.database_name}/${r.period_start}`;
    const instKey = (r: InstanceAggregation) => `${r.instance_id}/${r.period_start}`;

    const dbSpan = await computeDatabaseAggregations(db.knex, span);
    expect(dbSpan.length).toBeGreaterThan(one.length);
    expect(dbSpan).toEqual(await byOne((p) => computeDatabaseAggregations(db.knex, p), dbKey));
    const instSpan = await computeInstanceAggregations(db.knex, span);
    expect(instSpan).toEqual(await byOne((p) => computeInstanceAggregations(db.knex, p), instKey));
    // Rows come ordered by key, then period.
    expect(dbSpan.map(dbKey)).toEqual(dbSpan.map(dbKey).sort());
  });

  it('a period after one without stats has no change figures; growth is the fitted slope', async () => {
    const G = '00000000-0000-4000-8000-000000000010';
    const stat = (d: string, size: number) => ({
      instance_id: G,
      database_name: 'g',
      size_mb: size,
      data_size_mb: null,
      log_size_mb: null,
      collected_date: d,
      collected_at: `${d}T03:00:00Z`,
    });
    // Week of 2027-01-04: 100, 100, 130 on Mon..Wed. No stats in the week of 01-11. Week of 01-18: 200.
    await db
      .knex('database_size_stats')
      .insert([
        stat('2027-01-04', 100),
        stat('2027-01-05', 100),
        stat('2027-01-06', 130),
        stat('2027-01-18', 200),
      ]);
    const rows = await computeDatabaseAggregations(
      db.knex,
      spanOf(periodStarting('weekly', '2027-01-04'), periodStarting('weekly', '2027-01-18')),
      { instanceIds: [G] },
    );
    expect(rows.map((r) => [r.period_start, r.period_end, r.avg_size_mb, r.size_change_mb])).toEqual([
      ['2027-01-04', '2027-01-10', 110, null],
      ['2027-01-18', '2027-01-24', 200, null],
    ]);
    // Least squares through (0, 100), (1, 100), (2, 130): slope 15/day, fitted first day 95.
    expect(rows[0]!.growth_rate).toBe(15.789);
    expect(rows[1]!.growth_rate).toBeNull();
  });
});

describe('withAggregationSettings', () => {
  it('applies the planner settings inside its transaction only', async () => {
    const show = async (k: typeof db.knex | Parameters<Parameters<typeof withAggregationSettings>[1]>[0]) =>
      (
        await k.raw<{ rows: { work_mem: string; jit: string; pwa: string }[] }>(
          `SELECT current_setting('work_mem') AS work_mem, current_setting('jit') AS jit,
                  current_setting('enable_partitionwise_aggregate') AS pwa`,
        )
      ).rows[0];
    expect(await withAggregationSettings(db.knex, show)).toEqual({ work_mem: '64MB', jit: 'off', pwa: 'on' });
    expect((await show(db.knex))?.work_mem).not.toBe('64MB');
  });
});

describe('upserts', () => {
  const nov = periodStarting('monthly', '2026-11-01');
  const first = new Date('2026-12-01T00:00:00Z');
  const second = new Date('2026-12-02T00:00:00Z');

  it('re-running a period replaces the rows, never duplicates them', async () => {
    const dbRows = await computeDatabaseAggregations(db.knex, nov);
    const instRows = await computeInstanceAggregations(db.knex, nov);
    await db.knex.transaction(async (trx) => {
      await upsertDatabaseAggregations(trx, 'database_size_aggregations', dbRows, {
        partial: true,
        calculatedAt: first,
      });
      await upsertInstanceAggregations(trx, 'instance_size_aggregations', instRows, {
        partial: true,
        calculatedAt: first,
      });
    });
    const changedDb = dbRows.map((r) => ({
      ...r,
      avg_size_mb: r.avg_size_mb + 1,
      size_change_percent: null,
    }));
    const changedInst = instRows.map((r) => ({
      ...r,
      trend_direction: null, // the column takes "no trend" (no previous period)
      growth_rate: 12.345,
    }));
    await db.knex.transaction(async (trx) => {
      expect(
        await upsertDatabaseAggregations(trx, 'database_size_aggregations', changedDb, {
          partial: false,
          calculatedAt: second,
        }),
      ).toBe(4);
      await upsertInstanceAggregations(trx, 'instance_size_aggregations', changedInst, {
        partial: false,
        calculatedAt: second,
      });
    });

    const stored = await db
      .knex('database_size_aggregations')
      .select('*')
      .where({ period_type: 'monthly' })
      .orderBy(['instance_id', 'database_name']);
    expect(stored).toHaveLength(4);
    const aApp = stored[0] as Record<string, unknown>;
    expect(Number(aApp.avg_size_mb)).toBe(146.5);
    expect(Number(aApp.size_change_mb)).toBe(30.5);
    expect(aApp.size_change_percent).toBeNull();
    expect(Number(aApp.growth_rate)).toBe(0.763);
    expect(aApp.is_partial).toBe(false);
    expect((aApp.calculated_at as Date).toISOString()).toBe(second.toISOString());

    const inst = (await db.knex('instance_size_aggregations').select('*').orderBy('instance_id')) as Record<
      string,
      unknown
    >[];
    expect(inst.map((r) => [r.instance_id, r.trend_direction, Number(r.growth_rate), r.is_partial])).toEqual([
      [A, null, 12.345, false],
      [B, null, 12.345, false],
    ]);
    expect(Number(inst[1]!.total_size_change_percent)).toBe(-35.882);
  });

  it('writes into the physical table it is given (a rebuild twin)', async () => {
    await db.knex.raw(
      'CREATE TABLE instance_size_aggregations__rebuild (LIKE instance_size_aggregations INCLUDING ALL)',
    );
    const rows = await computeInstanceAggregations(db.knex, periodStarting('weekly', '2026-11-02'));
    for (let run = 0; run < 2; run++) {
      await upsertInstanceAggregations(db.knex, 'instance_size_aggregations__rebuild', rows, {
        partial: false,
        calculatedAt: first,
      });
    }
    const [twin] = await db.knex('instance_size_aggregations__rebuild').count({ c: '*' });
    expect(Number(twin!.c)).toBe(2);
    const [live] = await db
      .knex('instance_size_aggregations')
      .where({ period_type: 'weekly' })
      .count({ c: '*' });
    expect(Number(live!.c)).toBe(0);
  });
});
