import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.js';
import {
  nextPeriod,
  periodContaining,
  periodStarting,
  periodTypes,
  type Period,
} from '../../domain/periods/periods.js';
import {
  computeDatabaseAggregations,
  computeInstanceAggregations,
  instancesWithoutStats,
  spanOf,
  upsertDatabaseAggregations,
  upsertInstanceAggregations,
  type DatabaseAggregation,
  type InstanceAggregation,
} from './aggregationSql.js';

// Fixture, day index i = days since 2026-10-01 (i = 0 .. 60, i.e. 2026-10-01 .. 2026-11-30;
// 2026-11-01 is i = 31, a Sunday):
//   A/app   size 100 + i, data 80 + i, log 20
//   A/logs  size 50,      data 40,     log 10
//   B/app   size 300 - i, data and log NULL
//   B/logs  November only: size 5, data 4, log 1
//   instance A: total 150 + i,      2 databases
//   instance B: total 1000 - 10 i,  2 databases in October, 3 in November
//   instance C: no stats at all
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';
const DAYS = 61;
const NOVEMBER = 31;

const day = (i: number): string => new Date(Date.UTC(2026, 9, 1 + i)).toISOString().slice(0, 10);

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  const dbRows = [];
  const instanceRows = [];
  for (let i = 0; i < DAYS; i++) {
    const d = day(i);
    const at = `${d}T03:00:00Z`;
    const stat = (instance: string, name: string, size: number, data: number | null, log: number | null) => ({
      instance_id: instance,
      database_name: name,
      size_mb: size,
      data_size_mb: data,
      log_size_mb: log,
      collected_date: d,
      collected_at: at,
    });
    dbRows.push(
      stat(A, 'app', 100 + i, 80 + i, 20),
      stat(A, 'logs', 50, 40, 10),
      stat(B, 'app', 300 - i, null, null),
    );
    if (i >= NOVEMBER) dbRows.push(stat(B, 'logs', 5, 4, 1));
    instanceRows.push(
      { instance_id: A, total_size_mb: 150 + i, database_count: 2, collected_date: d, collected_at: at },
      {
        instance_id: B,
        total_size_mb: 1000 - 10 * i,
        database_count: i >= NOVEMBER ? 3 : 2,
        collected_date: d,
        collected_at: at,
      },
    );
  }
  await db.knex('database_size_stats').insert(dbRows);
  await db.knex('instance_size_stats').insert(instanceRows);
});

afterAll(async () => {
  await db?.drop();
});

const byKey = (rows: DatabaseAggregation[]) =>
  Object.fromEntries(rows.map((r) => [`${r.instance_id === A ? 'A' : 'B'}/${r.database_name}`, r]));
const byInstance = (rows: InstanceAggregation[]) =>
  Object.fromEntries(rows.map((r) => [r.instance_id === A ? 'A' : 'B', r]));

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

  it('quarterly without a previous quarter is stable; daily compares with the day before', async () => {
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
      trend_direction: 'stable',
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
      trend_direction: 'stable',
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
      trend_direction: 'stable',
    });
  });
});

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
      trend_direction: 'stable' as const,
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
      [A, 'stable', 12.345, false],
      [B, 'stable', 12.345, false],
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
