// Partitions of any table range-partitioned by a date: names, refusals, quoting, identity columns and
// DateStyle (the size stats tables' own partitions: partitions.int.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.js';
import { ensurePartitions, listPartitions, partitionName } from './partitions.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const count = async (table: string) => {
  const [row] = await db.knex(table).count({ c: '*' });
  return Number(row!.c);
};

describe('partition names', () => {
  it('names partitions <table>_YYYY_MM and checks months and lengths', () => {
    expect(partitionName('database_size_stats', '2026-11-01')).toBe('database_size_stats_2026_11');
    expect(partitionName('instance_size_stats', '2027-01-01')).toBe('instance_size_stats_2027_01');
    expect(() => partitionName('database_size_stats', '2026-11-02')).toThrow(/first day of a month/);
    expect(() => partitionName('database_size_stats', '2026-13-01')).toThrow(/first day of a month/);
    expect(() => partitionName('database_size_stats', '2026-1-01')).toThrow(/first day of a month/);
    // 46 characters + _YYYY_MM + __rebuild = 63: the longest a rebuild can clone.
    expect(partitionName('t'.repeat(46), '2026-01-01')).toHaveLength(54);
    expect(() => partitionName('t'.repeat(47), '2026-01-01')).toThrow(/too long/);
  });

  it('refuses tables that are not range-partitioned by a date', async () => {
    await expect(listPartitions(db.knex, 'instances')).rejects.toThrow(/not partitioned by range/);
    await expect(listPartitions(db.knex, 'no_such_table')).rejects.toThrow(/does not exist/);
  });
});

describe('any table range-partitioned by a date', () => {
  it('quotes names, keeps identity values when moving rows, reads bounds under any DateStyle', async () => {
    await db.knex.raw(`
      CREATE TABLE "Odd Stats" (
        id bigint GENERATED ALWAYS AS IDENTITY,
        "Day" date NOT NULL,
        n int NOT NULL,
        PRIMARY KEY (id, "Day")
      ) PARTITION BY RANGE ("Day");
      CREATE TABLE "Odd Stats_default" PARTITION OF "Odd Stats" DEFAULT;
    `);
    await db.knex('Odd Stats').insert([
      { Day: '2030-01-03', n: 1 },
      { Day: '2030-01-04', n: 2 },
      { Day: '2030-02-04', n: 3 },
    ]);
    const before = await db.knex('Odd Stats').orderBy('id');
    expect(await ensurePartitions(db.knex, 'Odd Stats', '2030-01-01', 1)).toEqual([
      'Odd Stats_2030_01',
      'Odd Stats_2030_02',
    ]);
    expect(await db.knex('Odd Stats').orderBy('id')).toEqual(before);
    expect(await count('Odd Stats_default')).toBe(0);
    expect(await count('Odd Stats_2030_01')).toBe(2);
    await db.knex.transaction(async (trx) => {
      await trx.raw(`SET LOCAL datestyle = 'SQL, DMY'`);
      const parts = await listPartitions(trx, 'Odd Stats', { exactCounts: true });
      expect(parts.map((p) => [p.name, p.from, p.to, p.rows])).toEqual([
        ['Odd Stats_2030_01', '2030-01-01', '2030-02-01', 2],
        ['Odd Stats_2030_02', '2030-02-01', '2030-03-01', 1],
        ['Odd Stats_default', null, null, 0],
      ]);
    });
    await db.knex.raw('DROP TABLE "Odd Stats"');
  });
});
