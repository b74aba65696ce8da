import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwin, dropTwin, twinName } from '../../projections/tableTwins.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.js';
import { addMonths, monthOf } from '../../domain/periods/months.js';
import {
  dropPartitionsBefore,
  ensurePartitions,
  listPartitions,
  partitionName,
  partitionStatus,
} from './partitions.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const TABLES = ['database_size_stats', 'instance_size_stats'] as const;
const INSTANCE = '00000000-0000-4000-8000-000000000001';

const dbStat = (day: string, database = 'app', instance = INSTANCE) => ({
  instance_id: instance,
  database_name: database,
  size_mb: '12.500',
  data_size_mb: '10.000',
  log_size_mb: null,
  collected_date: day,
  collected_at: `${day}T03:00:00Z`,
});

const instanceStat = (day: string) => ({
  instance_id: INSTANCE,
  total_size_mb: '100.000',
  database_count: 3,
  collected_date: day,
  collected_at: `${day}T03:00:00Z`,
});

const count = async (table: string) => {
  const [row] = await db.knex(table).count({ c: '*' });
  return Number(row!.c);
};

/** The partition each row physically sits in. */
const homes = async (table: string) =>
  (
    await db.knex.raw<{ rows: { home: string; day: string }[] }>(
      `SELECT tableoid::regclass::text AS home, to_char(collected_date, 'YYYY-MM-DD') AS day
       FROM ${table} ORDER BY collected_date, home`,
    )
  ).rows;

describe('size stats partitions', () => {
  it('the migration created the current UTC month, the next 3 and a default partition for both tables', async () => {
    const { rows } = await db.knex.raw<{ rows: { m: string }[] }>(
      `SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS m`,
    );
    const thisMonth = rows[0]!.m;
    for (const table of TABLES) {
      const parts = await listPartitions(db.knex, table);
      const months = [0, 1, 2, 3].map((i) => addMonths(thisMonth, i));
      expect(parts.map((p) => p.name)).toEqual([
        ...months.map((m) => partitionName(table, m)),
        `${table}_default`,
      ]);
      expect(parts.map((p) => [p.from, p.to, p.isDefault])).toEqual([
        ...months.map((m) => [m, addMonths(m, 1), false]),
        [null, null, true],
      ]);
      expect(parts.every((p) => p.rows === 0 && p.sizeBytes > 0)).toBe(true);
      const status = await partitionStatus(db.knex, [table], `${thisMonth.slice(0, 8)}15`, 3);
      expect(status).toMatchObject({ healthy: true, missing: [], defaultRows: 0 });
    }
  });

  it('a stat for a month without a partition lands in the default; ensurePartitions moves it into the new month', async () => {
    const may = ['2031-05-01', '2031-05-17', '2031-05-31'];
    await db.knex('database_size_stats').insert([
      ...may.map((d) => dbStat(d)),
      dbStat('2031-05-17', 'other'),
      dbStat('2031-06-01'), // a later month: stays in the default
    ]);
    await db.knex('instance_size_stats').insert(instanceStat('2031-05-02'));
    expect(await count('database_size_stats_default')).toBe(5);
    const before = await db.knex('database_size_stats').orderBy(['collected_date', 'database_name']);

    expect(await ensurePartitions(db.knex, 'database_size_stats', '2031-05-01', 0)).toEqual([
      'database_size_stats_2031_05',
    ]);

    expect(await count('database_size_stats_2031_05')).toBe(4);
    expect(await count('database_size_stats_default')).toBe(1);
    expect((await homes('database_size_stats')).map((h) => h.home)).toEqual([
      'database_size_stats_2031_05',
      'database_size_stats_2031_05',
      'database_size_stats_2031_05',
      'database_size_stats_2031_05',
      'database_size_stats_default',
    ]);
    // Same rows, same values, through the parent.
    expect(await db.knex('database_size_stats').orderBy(['collected_date', 'database_name'])).toEqual(before);
    // The default is attached again, with its primary key index: duplicates are still refused.
    const parts = await listPartitions(db.knex, 'database_size_stats');
    expect(parts.find((p) => p.isDefault)).toMatchObject({
      name: 'database_size_stats_default',
      rows: 1,
      rowsExact: true,
    });
    expect(parts.find((p) => p.name === 'database_size_stats_2031_05')).toMatchObject({
      from: '2031-05-01',
      to: '2031-06-01',
      rows: 4,
    });
    await expect(db.knex('database_size_stats').insert(dbStat('2031-06-01'))).rejects.toMatchObject({
      code: '23505',
    });
    await expect(db.knex('database_size_stats').insert(dbStat('2031-05-17'))).rejects.toMatchObject({
      code: '23505',
    });
    // New rows of the month go to the new partition; upserts through the parent still work.
    await db
      .knex('database_size_stats')
      .insert({ ...dbStat('2031-05-17'), size_mb: '13.000' })
      .onConflict(['instance_id', 'database_name', 'collected_date'])
      .merge();
    expect(
      await db
        .knex('database_size_stats_2031_05')
        .where({ database_name: 'app', collected_date: '2031-05-17' })
        .first(),
    ).toMatchObject({ size_mb: '13.000' });

    // The other table's stray row moves too, with nothing left behind.
    expect(await ensurePartitions(db.knex, 'instance_size_stats', '2031-05-01', 0)).toEqual([
      'instance_size_stats_2031_05',
    ]);
    expect(await count('instance_size_stats_2031_05')).toBe(1);
    expect(await count('instance_size_stats_default')).toBe(0);

    await db.knex('database_size_stats_default').delete();
  });

  it('ensurePartitions is idempotent: the second run creates nothing', async () => {
    const first = await ensurePartitions(db.knex, 'database_size_stats', '2032-11-01', 2);
    expect(first).toEqual([
      'database_size_stats_2032_11',
      'database_size_stats_2032_12',
      'database_size_stats_2033_01',
    ]);
    expect(await ensurePartitions(db.knex, 'database_size_stats', '2032-11-01', 2)).toEqual([]);
    // Overlapping ranges: only the month not yet there.
    expect(await ensurePartitions(db.knex, 'database_size_stats', '2032-12-01', 2)).toEqual([
      'database_size_stats_2033_02',
    ]);
    const parts = await listPartitions(db.knex, 'database_size_stats');
    expect(parts.filter((p) => p.from?.startsWith('2032') || p.from?.startsWith('2033'))).toHaveLength(4);
    // Sorted by month, default last.
    const froms = parts.filter((p) => !p.isDefault).map((p) => p.from!);
    expect(froms).toEqual([...froms].sort());
    expect(parts.at(-1)!.isDefault).toBe(true);
  });

  it('dropPartitionsBefore drops old months and their rows, never the default', async () => {
    const table = 'instance_size_stats';
    expect(await ensurePartitions(db.knex, table, '2019-01-01', 2)).toHaveLength(3);
    await db.knex(table).insert([
      instanceStat('2019-01-10'),
      instanceStat('2019-02-10'),
      instanceStat('2019-03-10'),
      instanceStat('2018-06-10'), // default
    ]);
    expect(await count('instance_size_stats_default')).toBe(1);

    expect(await dropPartitionsBefore(db.knex, table, '2019-03-01')).toEqual([
      'instance_size_stats_2019_01',
      'instance_size_stats_2019_02',
    ]);
    const names = (await listPartitions(db.knex, table)).map((p) => p.name);
    expect(names).toContain('instance_size_stats_2019_03');
    expect(names).toContain('instance_size_stats_default');
    expect(names).not.toContain('instance_size_stats_2019_01');
    expect((await homes(table)).filter((h) => h.day < '2020-01-01').map((h) => [h.day, h.home])).toEqual([
      ['2018-06-10', 'instance_size_stats_default'],
      ['2019-03-10', 'instance_size_stats_2019_03'],
    ]);
    expect(await dropPartitionsBefore(db.knex, table, '2019-03-01')).toEqual([]);
    // Far enough ahead to take the rest of the old months: still not the default.
    const dropped = await dropPartitionsBefore(db.knex, table, '2020-01-01');
    expect(dropped).toEqual(['instance_size_stats_2019_03']);
    expect(await count('instance_size_stats_default')).toBe(1);
    await expect(dropPartitionsBefore(db.knex, table, '2020-01-15')).rejects.toThrow(/first day of a month/);

    await db.knex('instance_size_stats_default').delete();
  });

  it('partitionStatus: a missing next month is unhealthy; healthy after ensurePartitions; default rows are unhealthy', async () => {
    const today = '2034-06-15';
    for (const table of TABLES) await ensurePartitions(db.knex, table, '2034-06-01', 0);

    const missingNext = await partitionStatus(db.knex, TABLES, today, 1);
    expect(missingNext).toEqual({
      healthy: false,
      missing: [
        { table: 'database_size_stats', month: '2034-07-01' },
        { table: 'instance_size_stats', month: '2034-07-01' },
      ],
      current: [
        { table: 'database_size_stats', month: '2034-06-01', partition: 'database_size_stats_2034_06' },
        { table: 'instance_size_stats', month: '2034-06-01', partition: 'instance_size_stats_2034_06' },
      ],
      defaultRows: 0,
      defaultRowsByTable: { database_size_stats: 0, instance_size_stats: 0 },
    });
    // With no partition at all for the current month.
    const none = await partitionStatus(db.knex, ['database_size_stats'], '2035-01-31', 0);
    expect(none).toMatchObject({
      healthy: false,
      missing: [{ table: 'database_size_stats', month: '2035-01-01' }],
      current: [{ table: 'database_size_stats', month: '2035-01-01', partition: null }],
    });

    for (const table of TABLES) {
      expect(await ensurePartitions(db.knex, table, monthOf(today), 1)).toEqual([
        partitionName(table, '2034-07-01'),
      ]);
    }
    expect(await partitionStatus(db.knex, TABLES, today, 1)).toMatchObject({
      healthy: true,
      missing: [],
      defaultRows: 0,
    });

    // A stat for a month without a partition: the insert works, the status says so.
    await db.knex('database_size_stats').insert([dbStat('2040-01-01'), dbStat('2040-02-01')]);
    expect(await partitionStatus(db.knex, TABLES, today, 1)).toMatchObject({
      healthy: false,
      missing: [],
      defaultRows: 2,
      defaultRowsByTable: { database_size_stats: 2, instance_size_stats: 0 },
    });
    await db.knex('database_size_stats_default').delete();
    expect(await partitionStatus(db.knex, TABLES, today, 1)).toMatchObject({ healthy: true });
    await expect(partitionStatus(db.knex, TABLES, '2034-02-30', 1)).rejects.toThrow(/not a date/);
  });

  it('a rebuild twin of database_size_stats clones every partition, the default included', async () => {
    await ensurePartitions(db.knex, 'database_size_stats', '2036-03-01', 0);
    const parts = await listPartitions(db.knex, 'database_size_stats');
    const twin = await createTwin(db.knex, 'database_size_stats');
    try {
      expect(twin).toBe('database_size_stats__rebuild');
      const twinParts = await listPartitions(db.knex, twin);
      expect(twinParts.map((p) => [p.name, p.from, p.to, p.isDefault])).toEqual(
        parts.map((p) => [twinName(p.name), p.from, p.to, p.isDefault]),
      );
      // The twin takes rows of a month without a partition too.
      await db.knex(twin).insert([dbStat('2036-03-05'), dbStat('2041-07-05')]);
      expect(await count(twinName('database_size_stats_2036_03'))).toBe(1);
      expect(await count(twinName('database_size_stats_default'))).toBe(1);
    } finally {
      await dropTwin(db.knex, 'database_size_stats');
    }
    expect(
      await db.knex('pg_tables').where('tablename', 'like', 'database_size_stats%rebuild').pluck('tablename'),
    ).toEqual([]);
    expect((await listPartitions(db.knex, 'database_size_stats')).map((p) => p.name)).toEqual(
      parts.map((p) => p.name),
    );
  });
});
