// aggregate: capacity aggregations (computeDatabaseAggregations) over 10,000,000 database_size_stats
// rows (1,000 instances x 20 databases x 500 days, 2025-01-01 .. 2026-05-15), for all four period types.
// Baseline, same run: one `GROUP BY instance_id, database_name, date_trunc(<unit>, collected_date)`
// scan over the same rows per period type. Target: the aggregation takes at most 2x the baseline's time
// (in rows/s: at least 50 % of the baseline's rate).
//
// What is measured for the aggregation: one computeDatabaseAggregations call per period, as the
// application runs it (each call scans its period and the previous one, and returns its rows to Node).
// Weekly, monthly and quarterly: every period that overlaps the data. Daily: 500 calls would take too
// long, so every BENCH_DAILY_EVERY-th day (default 10, i.e. 50 days spread evenly over the range);
// its rows/s is the sampled days' rows over the sampled calls' time, which is what the full sweep would
// give if each day costs the same (the days are alike: same partition sizes, same row counts per day).
// BENCH_SCALE scales the number of instances (0.1 -> 100 instances). Data generation is not measured.
import { performance } from 'node:perf_hooks';
import { computeDatabaseAggregations } from '../src/adapters/db/aggregationSql.js';
import { ensurePartitions } from '../src/adapters/db/partitions.js';
import {
  nextPeriod,
  periodContaining,
  periodTypes,
  type Period,
  type PeriodType,
} from '../src/domain/periods/periods.js';
import { openBenchDatabase, report, type BenchContext, type ReportRow } from './support.js';

export const about =
  '10,000,000 size stats aggregated per period (4 period types) vs. one GROUP BY date_trunc scan';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const INSTANCES = Math.max(1, Math.round(1000 * scale));
const DATABASES = 20;
const DAYS = 500;
const FIRST_DAY = '2025-01-01';
const LAST_DAY = '2026-05-15'; // FIRST_DAY + DAYS - 1
const INSTANCES_PER_INSERT = 100;
const DAILY_EVERY = Math.max(1, Number(process.env.BENCH_DAILY_EVERY ?? '10'));
/** Aggregation time at most 200 % of the baseline's = at least 50 % of its rows/s. */
const MAX_TIME_PERCENT = 200;

const truncUnit: Record<PeriodType, string> = {
  daily: 'day',
  weekly: 'week',
  monthly: 'month',
  quarterly: 'quarter',
};

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Every period of `type` that overlaps [FIRST_DAY, LAST_DAY]. */
function periodsOverlapping(type: PeriodType): Period[] {
  const out: Period[] = [];
  for (let p = periodContaining(type, FIRST_DAY); p.start <= LAST_DAY; p = nextPeriod(p)) out.push(p);
  return out;
}

export async function run(_ctx: BenchContext): Promise<void> {
  const db = await openBenchDatabase();
  try {
    const knex = db.knex;
    const totalRows = INSTANCES * DATABASES * DAYS;
    process.stderr.write(
      `creating monthly partitions ${FIRST_DAY.slice(0, 7)} .. ${LAST_DAY.slice(0, 7)} and writing ` +
        `${fmt(totalRows)} database_size_stats rows (${fmt(INSTANCES)} instances x ${DATABASES} databases x ${DAYS} days)...\n`,
    );
    const months = 16; // 2025-01 .. 2026-05: 17 months
    for (const table of ['database_size_stats', 'instance_size_stats'])
      await ensurePartitions(knex, table, '2025-01-01', months);

    const loadStarted = performance.now();
    for (let from = 0; from < INSTANCES; from += INSTANCES_PER_INSERT) {
      const to = Math.min(from + INSTANCES_PER_INSERT, INSTANCES) - 1;
      // Sizes: per-database base size, a per-instance daily growth and some deterministic noise.
      await knex.raw(
        `INSERT INTO database_size_stats
           (instance_id, database_name, size_mb, data_size_mb, log_size_mb, collected_date, collected_at)
         SELECT md5('instance-' || i)::uuid, 'db_' || lpad(d::text, 2, '0'), s.size, round(s.size * 0.8, 3),
                round(s.size * 0.2, 3), CAST(? AS date) + day, (CAST(? AS date) + day) + time '02:00'
         FROM generate_series(?::int, ?::int) AS i,
              generate_series(1, ?::int) AS d,
              generate_series(0, ?::int) AS day,
              LATERAL (SELECT round((100 + (i * 7 + d * 13) % 900 + day * ((i + d) % 5) * 0.25
                                     + ((i * 31 + d * 17 + day * 7) % 11) * 0.1)::numeric, 3) AS size) s`,
        [FIRST_DAY, FIRST_DAY, from, to, DATABASES, DAYS - 1],
      );
    }
    await knex.raw(
      `INSERT INTO instance_size_stats (instance_id, total_size_mb, database_count, collected_date, collected_at)
       SELECT instance_id, sum(size_mb), count(*), collected_date, min(collected_at)
       FROM database_size_stats GROUP BY instance_id, collected_date`,
    );
    await knex.raw('VACUUM ANALYZE database_size_stats');
    await knex.raw('VACUUM ANALYZE instance_size_stats');
    const { rows: check } = await knex.raw<{ rows: { total: string; in_default: string }[] }>(
      `SELECT (SELECT count(*) FROM database_size_stats)::text AS total,
              (SELECT count(*) FROM database_size_stats_default)::text AS in_default`,
    );
    if (Number(check[0]!.total) !== totalRows)
      throw new Error(`database_size_stats has ${check[0]!.total} rows, expected ${totalRows}`);
    if (Number(check[0]!.in_default) !== 0)
      throw new Error(`${check[0]!.in_default} rows landed in database_size_stats_default`);
    process.stderr.write(
      `  loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s (not measured)\n`,
    );

    // Rows per day, to count the rows a sampled set of periods covers.
    const { rows: perDay } = await knex.raw<{ rows: { day: string; n: string }[] }>(
      `SELECT to_char(collected_date, 'YYYY-MM-DD') AS day, count(*)::text AS n
       FROM database_size_stats GROUP BY 1`,
    );
    const rowsOnDay = new Map(perDay.map((r) => [r.day, Number(r.n)]));
    const rowsIn = (p: Period): number => {
      let n = 0;
      for (const [day, count] of rowsOnDay) if (day >= p.start && day < p.endExclusive) n += count;
      return n;
    };

    // Warm-up: one full scan so that neither side pays for a cold cache alone.
    await knex.raw('SELECT count(*), sum(size_mb) FROM database_size_stats');

    const rows: ReportRow[] = [];
    const notes: string[] = [];
    let allMet = true;
    for (const type of periodTypes) {
      const all = periodsOverlapping(type);
      const measured = type === 'daily' ? all.filter((_, i) => i % DAILY_EVERY === 0) : all;

      // Baseline: one GROUP BY over all rows. The outer aggregate keeps the result on the server (10M
      // groups for daily) while still making PostgreSQL compute every aggregate column.
      const baseStarted = performance.now();
      const { rows: base } = await knex.raw<{ rows: { groups: string; n: string }[] }>(
        `SELECT count(*)::text AS groups, sum(c)::text AS n, sum(a) AS a, sum(mx) AS mx, sum(mn) AS mn
         FROM (
           SELECT instance_id, database_name, date_trunc(?, collected_date) AS bucket,
                  avg(size_mb) AS a, max(size_mb) AS mx, min(size_mb) AS mn, count(*) AS c
           FROM database_size_stats
           GROUP BY 1, 2, 3
         ) g`,
        [truncUnit[type]],
      );
      const baselineSec = (performance.now() - baseStarted) / 1000;
      if (Number(base[0]!.n) !== totalRows)
        throw new Error(`baseline ${type} counted ${base[0]!.n} rows, expected ${totalRows}`);

      // The real aggregation, one call per period.
      let aggRows = 0;
      let covered = 0;
      let out = 0;
      const aggStarted = performance.now();
      for (const period of measured) {
        const result = await computeDatabaseAggregations(knex, period);
        out += result.length;
        for (const r of result) aggRows += r.data_count;
      }
      const aggSec = (performance.now() - aggStarted) / 1000;
      for (const period of measured) covered += rowsIn(period);
      if (aggRows !== covered)
        throw new Error(`${type}: aggregations counted ${aggRows} rows, the periods hold ${covered}`);

      const aggRate = covered / aggSec;
      const baseRate = totalRows / baselineSec;
      // Time the aggregation needs for all rows at its measured rate, relative to the baseline's time.
      const timePercent = (100 * baseRate) / aggRate;
      const met = timePercent <= MAX_TIME_PERCENT;
      allMet &&= met;
      const sampled = measured.length < all.length;
      rows.push({
        case: `${type}: ${measured.length}${sampled ? ` of ${all.length}` : ''} periods, ${fmt(covered)} rows`,
        rowsPerSec: aggRate,
        baselineRowsPerSec: baseRate,
        targetPercent: 100 / (MAX_TIME_PERCENT / 100),
      });
      notes.push(
        `${type.padEnd(9)}: aggregation ${aggSec.toFixed(2)} s for ${measured.length} calls ` +
          `(${fmt(out)} result rows)${sampled ? `, ~${((aggSec * all.length) / measured.length).toFixed(1)} s for all ${all.length} by extrapolation` : ''}; ` +
          `baseline ${baselineSec.toFixed(2)} s (${fmt(Number(base[0]!.groups))} groups); ` +
          `time ${timePercent.toFixed(0)} % of baseline, target <= ${MAX_TIME_PERCENT} %  ${met ? 'PASS' : 'BELOW'}`,
      );
      process.stderr.write(`  ${notes[notes.length - 1]}\n`);
    }

    report(
      `aggregate: computeDatabaseAggregations per period vs. one GROUP BY date_trunc scan, ${fmt(totalRows)} rows`,
      rows,
      {
        server: db.server,
        notes: [
          `data: ${fmt(INSTANCES)} instances x ${DATABASES} databases x ${DAYS} days (${FIRST_DAY} .. ${LAST_DAY}), ` +
            `17 monthly partitions, none in the default`,
          'aggregation rows/s: rows in the measured periods / time of their calls (each call also reads the',
          `  previous period); daily: every ${DAILY_EVERY}th day only. baseline rows/s: all rows / one GROUP BY scan.`,
          `target column ">= 50 %" of the baseline's rows/s = aggregation time <= ${MAX_TIME_PERCENT} % of the baseline's`,
          ...notes,
        ],
      },
    );
    process.stdout.write(
      `target: aggregation time <= ${MAX_TIME_PERCENT} % of the baseline for every period type: ${allMet ? 'PASS' : 'BELOW'}\n`,
    );
  } finally {
    await db.close();
  }
}
