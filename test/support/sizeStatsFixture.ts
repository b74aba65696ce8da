// The size stats both aggregation SQL test files compute from (src/adapters/db/aggregation*.int.test.ts).
// Fixture, day index i = days since 2026-10-01 (i = 0 .. 60, i.e. 2026-10-01 .. 2026-11-30;
// 2026-11-01 is i = 31, a Sunday):
//   A/app   size 100 + i, data 80 + i, log 20
//   A/logs  size 50,      data 40,     log 10
//   B/app   size 300 - i, data and log NULL
//   B/logs  November only: size 5, data 4, log 1
//   instance A: total 150 + i,      2 databases
//   instance B: total 1000 - 10 i,  2 databases in October, 3 in November
//   instance C: no stats at all
import type { Knex } from 'knex';
import { afterAll, beforeAll } from 'vitest';
import type { DatabaseAggregation, InstanceAggregation } from '../../src/adapters/db/aggregationSql.js';
import { createTestDatabase, type TestDatabase } from './testDatabase.js';

export const A = '00000000-0000-4000-8000-00000000000a';
export const B = '00000000-0000-4000-8000-00000000000b';
export const C = '00000000-0000-4000-8000-00000000000c';
const DAYS = 61;
const NOVEMBER = 31;

const day = (i: number): string => new Date(Date.UTC(2026, 9, 1 + i)).toISOString().slice(0, 10);

/**
 * A database of its own holding the fixture, for the test file that calls this at its top level: made
 * before its tests, dropped after them. `knex` is set once the tests run.
 */
export function useSizeStatsDatabase(): { knex: Knex } {
  const own = { knex: undefined as unknown as Knex };
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    await loadSizeStats(db.knex);
    own.knex = db.knex;
  });
  afterAll(async () => {
    await db?.drop();
  });
  return own;
}

/** Writes the fixture's database_size_stats and instance_size_stats rows. */
export async function loadSizeStats(knex: Knex): Promise<void> {
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
  await knex('database_size_stats').insert(dbRows);
  await knex('instance_size_stats').insert(instanceRows);
}

/** Rows keyed 'A/app', 'B/logs', ... */
export const byKey = (rows: DatabaseAggregation[]) =>
  Object.fromEntries(rows.map((r) => [`${r.instance_id === A ? 'A' : 'B'}/${r.database_name}`, r]));
/** Rows keyed 'A', 'B'. */
export const byInstance = (rows: InstanceAggregation[]) =>
  Object.fromEntries(rows.map((r) => [r.instance_id === A ? 'A' : 'B', r]));
