// Capacity aggregations per reporting period, computed set-based in PostgreSQL from the size stats
// (database_size_stats, instance_size_stats) and written into database_size_aggregations /
// instance_size_aggregations (or a twin of them, by physical table name).
//
// Each compute function is ONE statement: a single range scan over [previous period start, period end)
// (both periods are contiguous) grouped per instance (and database), with FILTER splitting the current
// period's figures from the previous period's average, which the size change is measured against.
// Nothing is looped over in JS; the rows come back ready to upsert.
//
// Definitions (all figures rounded to 3 decimals, like the numeric(…,3) columns they are stored in):
// - avg/max/min: over the daily rows in the period; data_count is the number of daily rows.
// - instance figures first take daily totals (instance_size_stats per instance per day), then
//   avg/max/min of those totals; database_count likewise per day.
// - size_change_mb = avg - previous period's avg; size_change_percent = that / previous avg * 100.
//   NULL when the previous period has no rows (or, for the percent, a previous average of 0).
// - database_count_change = avg database count - previous period's avg database count.
// - growth_rate, percent per day: (last observed day's size - first observed day's size)
//   / first day's size / (days between the first and last observed day) * 100. Measured over the
//   observed days, so a period with gaps at its edges (partial or still running) still gives the
//   daily rate. NULL with fewer than two observed days or a first-day size of 0.
// - trend_direction on total_size_change_percent: > 5 'growing', < -5 'shrinking', else 'stable'
//   (also 'stable' when there is no previous period to compare with).
// - percents are clamped to +-999999.999 so that a tiny previous figure cannot overflow numeric(9,3).
import type { Knex } from 'knex';
import { previousPeriod, type Period, type PeriodType } from '../../domain/periods/periods.js';

export type TrendDirection = 'growing' | 'shrinking' | 'stable';

export interface DatabaseAggregation {
  instance_id: string;
  database_name: string;
  period_type: PeriodType;
  period_start: string;
  period_end: string;
  avg_size_mb: number;
  max_size_mb: number;
  min_size_mb: number;
  avg_data_size_mb: number | null;
  max_data_size_mb: number | null;
  min_data_size_mb: number | null;
  avg_log_size_mb: number | null;
  max_log_size_mb: number | null;
  min_log_size_mb: number | null;
  data_count: number;
  size_change_mb: number | null;
  size_change_percent: number | null;
  growth_rate: number | null;
}

export interface InstanceAggregation {
  instance_id: string;
  period_type: PeriodType;
  period_start: string;
  period_end: string;
  avg_total_size_mb: number;
  max_total_size_mb: number;
  min_total_size_mb: number;
  data_count: number;
  avg_database_count: number;
  max_database_count: number;
  min_database_count: number;
  total_size_change_mb: number | null;
  total_size_change_percent: number | null;
  database_count_change: number | null;
  growth_rate: number | null;
  trend_direction: TrendDirection;
}

export interface AggregationOptions {
  /** Only these instances; all instances with stats when omitted. An empty list computes nothing. */
  instanceIds?: readonly string[];
}

export interface UpsertOptions {
  /** True when the period has not ended yet (or its stats are known to be incomplete). */
  partial: boolean;
  calculatedAt: Date;
}

/** Percent above which (and below minus which) a change counts as a trend. */
export const TREND_THRESHOLD_PERCENT = 5;

const PERCENT_LIMIT = '999999.999';
const UPSERT_CHUNK = 500;

type Db = Knex | Knex.Transaction;

/** Rounds a numeric expression to 3 decimals and returns it as float8 (a JS number through pg). */
const num = (expr: string): string => `round((${expr})::numeric, 3)::float8`;
/** Like num, clamped to the numeric(9,3) range. greatest/least skip NULLs, hence the CASE. */
const percent = (expr: string): string =>
  `(CASE WHEN (${expr}) IS NOT NULL
     THEN least(greatest(round((${expr})::numeric, 3), -${PERCENT_LIMIT}), ${PERCENT_LIMIT})
   END)::float8`;

const instanceFilter = (
  options: AggregationOptions,
  column: string,
): { sql: string; bindings: Knex.Value[] } =>
  options.instanceIds
    ? { sql: `AND ${column} = ANY(CAST(? AS uuid[]))`, bindings: [[...options.instanceIds]] }
    : { sql: '', bindings: [] };

/**
 * Per-database figures for `period`, for every (instance, database) with at least one
 * database_size_stats row in it, with the size change against the previous period's average.
 */
export async function computeDatabaseAggregations(
  knex: Db,
  period: Period,
  options: AggregationOptions = {},
): Promise<DatabaseAggregation[]> {
  if (options.instanceIds && options.instanceIds.length === 0) return [];
  const previous = previousPeriod(period);
  const filter = instanceFilter(options, 'st.instance_id');
  const cur = 's.in_period';
  const sql = `
    WITH grouped AS (
      SELECT s.instance_id,
             s.database_name,
             avg(s.size_mb)      FILTER (WHERE ${cur}) AS avg_size,
             max(s.size_mb)      FILTER (WHERE ${cur}) AS max_size,
             min(s.size_mb)      FILTER (WHERE ${cur}) AS min_size,
             avg(s.data_size_mb) FILTER (WHERE ${cur}) AS avg_data,
             max(s.data_size_mb) FILTER (WHERE ${cur}) AS max_data,
             min(s.data_size_mb) FILTER (WHERE ${cur}) AS min_data,
             avg(s.log_size_mb)  FILTER (WHERE ${cur}) AS avg_log,
             max(s.log_size_mb)  FILTER (WHERE ${cur}) AS max_log,
             min(s.log_size_mb)  FILTER (WHERE ${cur}) AS min_log,
             count(*)            FILTER (WHERE ${cur}) AS data_count,
             min(s.collected_date) FILTER (WHERE ${cur}) AS first_day,
             max(s.collected_date) FILTER (WHERE ${cur}) AS last_day,
             (array_agg(s.size_mb ORDER BY s.collected_date ASC)  FILTER (WHERE ${cur}))[1] AS first_size,
             (array_agg(s.size_mb ORDER BY s.collected_date DESC) FILTER (WHERE ${cur}))[1] AS last_size,
             avg(s.size_mb) FILTER (WHERE NOT ${cur}) AS prev_avg_size
      FROM (
        SELECT st.*, st.collected_date >= CAST(? AS date) AS in_period
        FROM database_size_stats st
        WHERE st.collected_date >= CAST(? AS date)
          AND st.collected_date < CAST(? AS date)
          ${filter.sql}
      ) s
      GROUP BY s.instance_id, s.database_name
    )
    SELECT g.instance_id::text AS instance_id,
           g.database_name,
           CAST(? AS text) AS period_type,
           CAST(? AS text) AS period_start,
           CAST(? AS text) AS period_end,
           ${num('g.avg_size')} AS avg_size_mb,
           ${num('g.max_size')} AS max_size_mb,
           ${num('g.min_size')} AS min_size_mb,
           ${num('g.avg_data')} AS avg_data_size_mb,
           ${num('g.max_data')} AS max_data_size_mb,
           ${num('g.min_data')} AS min_data_size_mb,
           ${num('g.avg_log')} AS avg_log_size_mb,
           ${num('g.max_log')} AS max_log_size_mb,
           ${num('g.min_log')} AS min_log_size_mb,
           g.data_count::int AS data_count,
           ${num('g.avg_size - g.prev_avg_size')} AS size_change_mb,
           ${percent('(g.avg_size - g.prev_avg_size) / nullif(g.prev_avg_size, 0) * 100')} AS size_change_percent,
           CASE WHEN g.last_day > g.first_day AND g.first_size > 0
                THEN ${percent('(g.last_size - g.first_size) / g.first_size / (g.last_day - g.first_day) * 100')}
           END AS growth_rate
    FROM grouped g
    WHERE g.data_count > 0
    ORDER BY g.instance_id, g.database_name`;
  const { rows } = await knex.raw<{ rows: DatabaseAggregation[] }>(sql, [
    period.start,
    previous.start,
    period.endExclusive,
    ...filter.bindings,
    period.type,
    period.start,
    period.end,
  ]);
  return rows;
}

/**
 * Per-instance figures for `period` from daily totals of instance_size_stats, for every instance
 * with at least one row in it, with the change against the previous period's averages and a trend.
 */
export async function computeInstanceAggregations(
  knex: Db,
  period: Period,
  options: AggregationOptions = {},
): Promise<InstanceAggregation[]> {
  if (options.instanceIds && options.instanceIds.length === 0) return [];
  const previous = previousPeriod(period);
  const filter = instanceFilter(options, 's.instance_id');
  const cur = 'd.in_period';
  const sql = `
    WITH daily AS (
      SELECT s.instance_id,
             s.collected_date,
             s.collected_date >= CAST(? AS date) AS in_period,
             sum(s.total_size_mb)  AS total_size_mb,
             sum(s.database_count) AS database_count
      FROM instance_size_stats s
      WHERE s.collected_date >= CAST(? AS date)
        AND s.collected_date < CAST(? AS date)
        ${filter.sql}
      GROUP BY s.instance_id, s.collected_date
    ),
    grouped AS (
      SELECT d.instance_id,
             avg(d.total_size_mb)  FILTER (WHERE ${cur}) AS avg_total,
             max(d.total_size_mb)  FILTER (WHERE ${cur}) AS max_total,
             min(d.total_size_mb)  FILTER (WHERE ${cur}) AS min_total,
             count(*)              FILTER (WHERE ${cur}) AS data_count,
             avg(d.database_count) FILTER (WHERE ${cur}) AS avg_count,
             max(d.database_count) FILTER (WHERE ${cur}) AS max_count,
             min(d.database_count) FILTER (WHERE ${cur}) AS min_count,
             min(d.collected_date) FILTER (WHERE ${cur}) AS first_day,
             max(d.collected_date) FILTER (WHERE ${cur}) AS last_day,
             (array_agg(d.total_size_mb ORDER BY d.collected_date ASC)  FILTER (WHERE ${cur}))[1] AS first_total,
             (array_agg(d.total_size_mb ORDER BY d.collected_date DESC) FILTER (WHERE ${cur}))[1] AS last_total,
             avg(d.total_size_mb)  FILTER (WHERE NOT ${cur}) AS prev_avg_total,
             avg(d.database_count) FILTER (WHERE NOT ${cur}) AS prev_avg_count
      FROM daily d
      GROUP BY d.instance_id
    ),
    figures AS (
      SELECT g.*,
             ${percent('(g.avg_total - g.prev_avg_total) / nullif(g.prev_avg_total, 0) * 100')} AS change_percent
      FROM grouped g
      WHERE g.data_count > 0
    )
    SELECT f.instance_id::text AS instance_id,
           CAST(? AS text) AS period_type,
           CAST(? AS text) AS period_start,
           CAST(? AS text) AS period_end,
           ${num('f.avg_total')} AS avg_total_size_mb,
           ${num('f.max_total')} AS max_total_size_mb,
           ${num('f.min_total')} AS min_total_size_mb,
           f.data_count::int AS data_count,
           ${num('f.avg_count')} AS avg_database_count,
           f.max_count::int AS max_database_count,
           f.min_count::int AS min_database_count,
           ${num('f.avg_total - f.prev_avg_total')} AS total_size_change_mb,
           f.change_percent AS total_size_change_percent,
           ${num('f.avg_count - f.prev_avg_count')} AS database_count_change,
           CASE WHEN f.last_day > f.first_day AND f.first_total > 0
                THEN ${percent('(f.last_total - f.first_total) / f.first_total / (f.last_day - f.first_day) * 100')}
           END AS growth_rate,
           CASE WHEN f.change_percent > ${TREND_THRESHOLD_PERCENT} THEN 'growing'
                WHEN f.change_percent < -${TREND_THRESHOLD_PERCENT} THEN 'shrinking'
                ELSE 'stable'
           END AS trend_direction
    FROM figures f
    ORDER BY f.instance_id`;
  const { rows } = await knex.raw<{ rows: InstanceAggregation[] }>(sql, [
    period.start,
    previous.start,
    period.endExclusive,
    ...filter.bindings,
    period.type,
    period.start,
    period.end,
  ]);
  return rows;
}

/**
 * Coverage: the ids from `allInstanceIds` (in their order, without duplicates) that have no
 * instance_size_stats row in `period`.
 */
export async function instancesWithoutStats(
  knex: Db,
  period: Period,
  allInstanceIds: readonly string[],
): Promise<string[]> {
  const ids = [...new Set(allInstanceIds)];
  if (ids.length === 0) return [];
  const { rows } = await knex.raw<{ rows: { instance_id: string }[] }>(
    `SELECT i.id::text AS instance_id
     FROM unnest(CAST(? AS uuid[])) WITH ORDINALITY AS i(id, position)
     WHERE NOT EXISTS (
       SELECT 1 FROM instance_size_stats s
       WHERE s.instance_id = i.id
         AND s.collected_date >= CAST(? AS date)
         AND s.collected_date < CAST(? AS date)
     )
     ORDER BY i.position`,
    [ids, period.start, period.endExclusive],
  );
  return rows.map((r) => r.instance_id);
}

async function upsert(
  trx: Db,
  table: string,
  key: readonly string[],
  rows: readonly object[],
  options: UpsertOptions,
): Promise<number> {
  for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
    const chunk = rows
      .slice(i, i + UPSERT_CHUNK)
      .map((row) => ({ ...row, is_partial: options.partial, calculated_at: options.calculatedAt }));
    await trx(table)
      .insert(chunk)
      .onConflict([...key])
      .merge();
  }
  return rows.length;
}

/**
 * Writes database aggregations into `table` (database_size_aggregations or a twin of it): a row for
 * the same (instance, database, period type, period start) is replaced, never duplicated.
 * Returns the number of rows written.
 */
export const upsertDatabaseAggregations = (
  trx: Db,
  table: string,
  rows: readonly DatabaseAggregation[],
  options: UpsertOptions,
): Promise<number> =>
  upsert(trx, table, ['instance_id', 'database_name', 'period_type', 'period_start'], rows, options);

/**
 * Writes instance aggregations into `table` (instance_size_aggregations or a twin of it): a row for
 * the same (instance, period type, period start) is replaced, never duplicated.
 * Returns the number of rows written.
 */
export const upsertInstanceAggregations = (
  trx: Db,
  table: string,
  rows: readonly InstanceAggregation[],
  options: UpsertOptions,
): Promise<number> => upsert(trx, table, ['instance_id', 'period_type', 'period_start'], rows, options);
