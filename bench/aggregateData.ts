// The aggregate benchmark's data: 10,000,000 database_size_stats rows (1,000 instances x 20 databases x
// 500 days, 2025-01-01 .. 2026-05-15) and their instance_size_stats totals, generated in SQL.
// BENCH_SCALE scales the number of instances (0.1 -> 100 instances).
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { ensurePartitions } from '../src/adapters/db/partitions.js';

const scale = Number(process.env.BENCH_SCALE ?? '1');
export const INSTANCES = Math.max(1, Math.round(1000 * scale));
export const DATABASES = 20;
export const DAYS = 500;
export const FIRST_DAY = '2025-01-01';
export const LAST_DAY = '2026-05-15'; // FIRST_DAY + DAYS - 1
export const TOTAL_ROWS = INSTANCES * DATABASES * DAYS;
const INSTANCES_PER_INSERT = 100;

/** The id of generated instance i (0 .. INSTANCES - 1), as SQL. */
const instanceIdSql = (i: string) => `md5('instance-' || ${i})::uuid`;

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const say = (line: string) => process.stderr.write(`${line}\n`);

/** Writes the stats, analyzes them and checks that every row landed in a monthly partition. */
export async function loadStats(knex: Knex): Promise<void> {
  say(
    `creating monthly partitions ${FIRST_DAY.slice(0, 7)} .. ${LAST_DAY.slice(0, 7)} and writing ` +
      `${fmt(TOTAL_ROWS)} database_size_stats rows (${fmt(INSTANCES)} instances x ${DATABASES} databases x ${DAYS} days)...`,
  );
  for (const table of ['database_size_stats', 'instance_size_stats'])
    await ensurePartitions(knex, table, FIRST_DAY, 16); // 2025-01 .. 2026-05: 17 months
  const started = performance.now();
  for (let from = 0; from < INSTANCES; from += INSTANCES_PER_INSERT) {
    const to = Math.min(from + INSTANCES_PER_INSERT, INSTANCES) - 1;
    // Sizes: per-database base size, a per-instance daily growth and some deterministic noise.
    await knex.raw(
      `INSERT INTO database_size_stats
         (instance_id, database_name, size_mb, data_size_mb, log_size_mb, collected_date, collected_at)
       SELECT ${instanceIdSql('i')}, 'db_' || lpad(d::text, 2, '0'), s.size, round(s.size * 0.8, 3),
              round(s.size * 0.2, 3), CAST(? AS date) + day, (CAST(? AS date) + day) + time '02:00'
       FROM generate_series(?::int, ?::int) AS i,
            generate_series(1, ?::int) AS d,
            generate_series(0, ?::int) AS day,
            LATERAL (SELECT round((100 + (i * 7 + d * 13) % 900 + day * ((i + d) % 5) * 0.25
                                   + ((i * 31 + d * 17 + day * 7) % 11) * 0.1)::numeric, 3) AS size) s`,
      [FIRST_DAY, FIRST_DAY, from, to, DATABASES, DAYS - 1],
    );
  }
  // In the order a collection writes them: day by day (the database rows above are, per batch).
  await knex.raw(
    `INSERT INTO instance_size_stats (instance_id, total_size_mb, database_count, collected_date, collected_at)
     SELECT instance_id, sum(size_mb), count(*), collected_date, min(collected_at)
     FROM database_size_stats GROUP BY instance_id, collected_date ORDER BY collected_date, instance_id`,
  );
  await knex.raw('VACUUM ANALYZE database_size_stats');
  await knex.raw('VACUUM ANALYZE instance_size_stats');
  const { rows } = await knex.raw<{ rows: { total: string; in_default: string }[] }>(
    `SELECT (SELECT count(*) FROM database_size_stats)::text AS total,
            (SELECT count(*) FROM database_size_stats_default)::text AS in_default`,
  );
  if (Number(rows[0]!.total) !== TOTAL_ROWS)
    throw new Error(`database_size_stats has ${rows[0]!.total} rows, expected ${TOTAL_ROWS}`);
  if (Number(rows[0]!.in_default) !== 0)
    throw new Error(`${rows[0]!.in_default} rows landed in database_size_stats_default`);
  say(`  loaded in ${((performance.now() - started) / 1000).toFixed(1)} s (not measured)`);
}

/** The generated instances' ids, as the scheduler's job passes the active instances. */
export async function instanceIds(knex: Knex): Promise<string[]> {
  const { rows } = await knex.raw<{ rows: { id: string }[] }>(
    `SELECT ${instanceIdSql('i')}::text AS id FROM generate_series(0, ?::int) AS i ORDER BY i`,
    [INSTANCES - 1],
  );
  return rows.map((r) => r.id);
}
