// aggregate: capacity aggregations over 10,000,000 database_size_stats rows (1,000 instances x 20
// databases x 500 days, 2025-01-01 .. 2026-05-15, generated in aggregateData.ts): first the default
// daily run (the scheduler's nightly job, the last day only) against a GROUP BY of that day's rows
// (aggregateDaily.ts, target: at most 2x), then all four period types over the whole range.
//
// Measured, per period type: the application's aggregation statements (aggregationStatements, the SQL
// behind computeDatabaseAggregations / computeInstanceAggregations) over every period overlapping the
// data, database level and instance level, run with the application's settings (withAggregationSettings).
// Baseline, same run: one `GROUP BY instance_id, database_name, date_trunc(<unit>, collected_date)` scan
// over the same rows with avg/max/min/count, run twice: under the same settings (the target's
// comparison) and under the server's defaults (for information).
//
// Both sides keep their result on the server: each is wrapped in `SELECT count(column), ...` over every
// output column, which makes PostgreSQL compute every column of every row without shipping 10M rows to
// Node. What shipping costs is printed apart: computeDatabaseAggregations over the whole range, rows
// into Node (weekly, monthly, quarterly; daily's 10M rows are left out).
//
// Target: the aggregation takes at most 2x the baseline's time (in rows/s: at least 50 %).
// BENCH_SCALE scales the number of instances (0.1 -> 100 instances). Data generation is not measured.
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import {
  aggregationStatements,
  computeDatabaseAggregations,
  withAggregationSettings,
  type DatabaseAggregation,
  type InstanceAggregation,
} from '../src/adapters/db/aggregationSql.js';
import {
  periodContaining,
  periodTypes,
  spanOf,
  type PeriodSpan,
  type PeriodType,
} from '../src/domain/periods/periods.js';
import {
  DATABASES,
  DAYS,
  FIRST_DAY,
  fmt,
  INSTANCES,
  LAST_DAY,
  loadStats,
  say,
  TOTAL_ROWS,
} from './aggregateData.js';
import { measureDailyRun } from './aggregateDaily.js';
import { openBenchDatabase, report, type BenchContext, type ReportRow } from './support.js';

export const about =
  '10,000,000 size stats: the default daily run vs. a GROUP BY of its day, then 4 period types vs. one GROUP BY date_trunc scan (about 10 min)';

/** BENCH_PERIOD_TYPES=weekly,monthly measures only those (all four by default; `none`: the daily run alone). */
const measuredTypes = periodTypes.filter(
  (t) => !process.env.BENCH_PERIOD_TYPES || process.env.BENCH_PERIOD_TYPES.split(',').includes(t),
);
/** Aggregation time at most 200 % of the baseline's = at least 50 % of its rows/s. */
const MAX_TIME_PERCENT = 200;

const truncUnit: Record<PeriodType, string> = {
  daily: 'day',
  weekly: 'week',
  monthly: 'month',
  quarterly: 'quarter',
};

// Every output column, so the wrapper makes PostgreSQL compute all of them (checked by the compiler).
const databaseColumns = Object.keys({
  instance_id: 1,
  database_name: 1,
  period_type: 1,
  period_start: 1,
  period_end: 1,
  avg_size_mb: 1,
  max_size_mb: 1,
  min_size_mb: 1,
  avg_data_size_mb: 1,
  max_data_size_mb: 1,
  min_data_size_mb: 1,
  avg_log_size_mb: 1,
  max_log_size_mb: 1,
  min_log_size_mb: 1,
  data_count: 1,
  size_change_mb: 1,
  size_change_percent: 1,
  growth_rate: 1,
} satisfies Record<keyof DatabaseAggregation, 1>);
const instanceColumns = Object.keys({
  instance_id: 1,
  period_type: 1,
  period_start: 1,
  period_end: 1,
  avg_total_size_mb: 1,
  max_total_size_mb: 1,
  min_total_size_mb: 1,
  data_count: 1,
  avg_database_count: 1,
  max_database_count: 1,
  min_database_count: 1,
  total_size_change_mb: 1,
  total_size_change_percent: 1,
  database_count_change: 1,
  growth_rate: 1,
  trend_direction: 1,
} satisfies Record<keyof InstanceAggregation, 1>);

interface Counted {
  groups: number;
  rows: number;
  seconds: number;
}

/** Runs `sql` wrapped in count(column) over `columns`; returns its groups, the rows they cover, the time. */
async function countedRun(
  trx: Knex | Knex.Transaction,
  sql: string,
  bindings: readonly Knex.Value[],
  columns: readonly string[],
  rowsColumn: string,
): Promise<Counted> {
  const started = performance.now();
  const { rows } = await trx.raw<{ rows: { groups: string; rows: string }[] }>(
    `SELECT count(*)::text AS groups, sum(x.${rowsColumn})::text AS rows,
            ${columns.map((c) => `count(x.${c})`).join(', ')}
     FROM (${sql}) x`,
    [...bindings],
  );
  return {
    groups: Number(rows[0]!.groups),
    rows: Number(rows[0]!.rows),
    seconds: (performance.now() - started) / 1000,
  };
}

const baselineSql = (type: PeriodType) => ({
  sql: `SELECT instance_id, database_name, date_trunc(?, collected_date) AS bucket,
               avg(size_mb) AS a, max(size_mb) AS mx, min(size_mb) AS mn, count(*) AS c
        FROM database_size_stats
        GROUP BY 1, 2, 3`,
  bindings: [truncUnit[type]],
  columns: ['instance_id', 'database_name', 'bucket', 'a', 'mx', 'mn', 'c'],
});

export async function run(_ctx: BenchContext): Promise<void> {
  const db = await openBenchDatabase();
  try {
    const knex = db.knex;
    const totalRows = TOTAL_ROWS;
    await loadStats(knex);
    // Warm-up: one full scan so that neither side pays for a cold cache alone.
    await knex.raw('SELECT count(*), sum(size_mb) FROM database_size_stats');

    const daily = await measureDailyRun(knex);
    const rows: ReportRow[] = [daily.row];
    const notes: string[] = [...daily.notes];
    let allMet = daily.met;
    for (const type of measuredTypes) {
      const span: PeriodSpan = spanOf(periodContaining(type, FIRST_DAY), periodContaining(type, LAST_DAY));
      const base = baselineSql(type);
      const baselineDefault = await countedRun(knex, base.sql, base.bindings, base.columns, 'c');
      const baseline = await withAggregationSettings(knex, (trx) =>
        countedRun(trx, base.sql, base.bindings, base.columns, 'c'),
      );
      const statements = aggregationStatements(span);
      const [databases, instances] = await withAggregationSettings(knex, async (trx) => [
        await countedRun(
          trx,
          statements.database.sql,
          statements.database.bindings,
          databaseColumns,
          'data_count',
        ),
        await countedRun(
          trx,
          statements.instance.sql,
          statements.instance.bindings,
          instanceColumns,
          'data_count',
        ),
      ]);
      for (const [side, counted] of [
        ['baseline', baseline],
        ['aggregation', databases],
      ] as const)
        if (counted.rows !== totalRows)
          throw new Error(`${type} ${side}: covered ${counted.rows} rows, expected ${totalRows}`);
      if (databases.groups !== baseline.groups)
        throw new Error(
          `${type}: ${databases.groups} database figures, the baseline has ${baseline.groups} groups`,
        );

      const aggSec = databases.seconds + instances.seconds;
      const timePercent = (100 * aggSec) / baseline.seconds;
      const met = timePercent <= MAX_TIME_PERCENT;
      allMet &&= met;
      rows.push({
        case: `${type}: ${fmt(databases.groups)} database + ${fmt(instances.groups)} instance figures`,
        rowsPerSec: totalRows / aggSec,
        baselineRowsPerSec: totalRows / baseline.seconds,
        targetPercent: 100 / (MAX_TIME_PERCENT / 100),
      });
      let shipped = '';
      if (type !== 'daily') {
        const started = performance.now();
        const out = await computeDatabaseAggregations(knex, span);
        shipped = `; into Node: ${((performance.now() - started) / 1000).toFixed(2)} s for ${fmt(out.length)} rows`;
      }
      notes.push(
        `${type.padEnd(9)}: aggregation ${aggSec.toFixed(2)} s (databases ${databases.seconds.toFixed(2)} s + ` +
          `instances ${instances.seconds.toFixed(2)} s); baseline ${baseline.seconds.toFixed(2)} s same settings, ` +
          `${baselineDefault.seconds.toFixed(2)} s server defaults; time ${timePercent.toFixed(0)} % of the baseline, ` +
          `target <= ${MAX_TIME_PERCENT} %  ${met ? 'PASS' : 'MISS'}${shipped}`,
      );
      say(`  ${notes[notes.length - 1]}`);
    }

    report(
      `aggregate: the daily run, then every period of ${FIRST_DAY} .. ${LAST_DAY}, ${fmt(totalRows)} rows`,
      rows,
      {
        server: db.server,
        notes: [
          `data: ${fmt(INSTANCES)} instances x ${DATABASES} databases x ${DAYS} days, 17 monthly partitions, none in the default`,
          `settings of both measured sides: ${JSON.stringify(await settingsIn(knex))}`,
          `rows/s: the daily run's row: the day's stats rows / the time (rows into Node); the period types' rows: ` +
            `the ${fmt(totalRows)} stats rows / the time to compute every figure (result kept on the server)`,
          `target ">= 50 %" of the baseline's rows/s = aggregation time <= ${MAX_TIME_PERCENT} % of the baseline's`,
          ...notes,
        ],
      },
    );
    process.stdout.write(
      `target: aggregation time <= ${MAX_TIME_PERCENT} % of the baseline for the daily run and every period type: ${allMet ? 'PASS' : 'MISS'}\n`,
    );
  } finally {
    await db.close();
  }
}

/** The settings withAggregationSettings applies, as the server reports them inside it. */
const settingsIn = (knex: Knex) =>
  withAggregationSettings(knex, async (trx) => {
    const { rows } = await trx.raw<{ rows: { name: string; setting: string; unit: string | null }[] }>(
      `SELECT name, setting, unit FROM pg_settings
       WHERE name IN ('work_mem', 'enable_partitionwise_aggregate', 'jit', 'max_parallel_workers_per_gather')`,
    );
    return Object.fromEntries(rows.map((r) => [r.name, `${r.setting}${r.unit ?? ''}`]));
  });
