// Capacity aggregations per reporting period, computed set-based in PostgreSQL from the size stats
// (database_size_stats, instance_size_stats) and written into database_size_aggregations /
// instance_size_aggregations (or a twin of them, by physical table name).
//
// One statement per level computes every period of a span (one period, or a whole history): a single
// range scan over [the period before the span, end of the span), GROUP BY key and period start, then
// lag() over the periods of each key for the previous period's figures. It is the plan of a plain
// `GROUP BY key, date_trunc(unit, collected_date)` plus one window over its groups; nothing is looped
// over in JS, and the rows come back ready to upsert.
//
// Definitions (all figures rounded to 3 decimals, like the numeric(…,3) columns they are stored in):
// - avg/max/min: over the daily rows in the period; data_count is the number of daily rows. The stats
//   hold one row per database (instance) per day (their primary key), so a daily period's figures are
//   that row's, and an instance's daily total is its instance_size_stats row.
// - size_change_mb = avg - previous period's avg, both as stored (rounded), so the stored figures add up;
//   size_change_percent = that / previous avg * 100. NULL when the previous period has no rows (or, for
//   the percent, a previous average of 0).
// - database_count_change = avg database count - previous period's avg database count.
// - growth_rate, percent per day: the least-squares slope of the daily sizes over the observed days,
//   as a percent of the fitted line's value on the first observed day. On a straight line that is
//   (last - first) / first / days * 100; gaps, partial periods and noise do not skew it the way two
//   endpoints would. NULL with fewer than two observed days or a fitted first value <= 0.
// - trend_direction on total_size_change_percent: > 5 'growing', < -5 'shrinking', else 'stable';
//   NULL when that percent is NULL (no previous period, or a previous average of 0): no trend is known.
// - percents are clamped to +-999999.999 so that a tiny previous figure cannot overflow numeric(9,3).
import type { Knex } from 'knex';
import type { PeriodSpan, PeriodType } from '../../domain/periods/periods.js';
import {
  aggregationStatement,
  databaseLevel,
  instanceLevel,
  numericColumns,
  type AggregationOptions,
  type Level,
} from './aggregationStatement.js';

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
  /** NULL without a change percent to judge it by (no previous period). */
  trend_direction: TrendDirection | null;
}

/**
 * Planner settings for the aggregation statements, SET LOCAL in their own transaction (docs/decisions.md):
 * - work_mem: per-partition hash aggregation in memory instead of an external sort of every row;
 * - enable_partitionwise_aggregate: each monthly partition is grouped on its own (a partition holds
 *   one month of every database: tens of thousands of groups, not millions);
 * - jit off: compiling these wide expressions took longer than running them (18 s of a 53 s run).
 */
export const aggregationSettings = {
  work_mem: '64MB',
  enable_partitionwise_aggregate: 'on',
  jit: 'off',
} as const;

/** Runs `fn` in a transaction (a savepoint inside the caller's) with aggregationSettings applied. */
export async function withAggregationSettings<T>(
  knex: Db,
  fn: (trx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  return knex.transaction(async (trx) => {
    const settings = Object.entries(aggregationSettings);
    await trx.raw(`SELECT ${settings.map(() => 'set_config(?, ?, true)').join(', ')}`, settings.flat());
    return fn(trx);
  });
}

export interface UpsertOptions {
  /** True when the period has not ended yet (or its stats are known to be incomplete). */
  partial: boolean;
  calculatedAt: Date;
}

const UPSERT_CHUNK = 500;

type Db = Knex | Knex.Transaction;

async function compute<Row>(
  knex: Db,
  level: Level,
  span: PeriodSpan,
  options: AggregationOptions,
): Promise<Row[]> {
  if (options.instanceIds && options.instanceIds.length === 0) return [];
  const { sql, bindings } = aggregationStatement(level, span, options);
  const { rows } = await withAggregationSettings(knex, (trx) =>
    trx.raw<{ rows: Record<string, unknown>[] }>(sql, bindings),
  );
  const numeric = numericColumns(level);
  for (const row of rows)
    for (const column of numeric) if (row[column] !== null) row[column] = Number(row[column]);
  return rows as Row[];
}

/**
 * Per-database figures for every period of `span` (a Period is a span of one), for every (instance,
 * database) with at least one database_size_stats row in the period, with the size change against
 * the previous period's average. Ordered by instance, database, period.
 */
export const computeDatabaseAggregations = (
  knex: Db,
  span: PeriodSpan,
  options: AggregationOptions = {},
): Promise<DatabaseAggregation[]> => compute(knex, databaseLevel, span, options);

/**
 * Per-instance figures for every period of `span` from the daily totals (instance_size_stats), for
 * every instance with at least one row in the period, with the change against the previous period's
 * averages and a trend. Ordered by instance, period.
 */
export const computeInstanceAggregations = (
  knex: Db,
  span: PeriodSpan,
  options: AggregationOptions = {},
): Promise<InstanceAggregation[]> => compute(knex, instanceLevel, span, options);

/**
 * The statements behind computeDatabaseAggregations / computeInstanceAggregations, for callers that
 * run them inside other SQL (the aggregate benchmark keeps the figures on the server).
 */
export const aggregationStatements = (span: PeriodSpan, options: AggregationOptions = {}) => ({
  database: aggregationStatement(databaseLevel, span, options),
  instance: aggregationStatement(instanceLevel, span, options),
});

/**
 * Coverage: the ids from `allInstanceIds` (in their order, without duplicates) that have no
 * instance_size_stats row in `period`.
 */
export async function instancesWithoutStats(
  knex: Db,
  period: PeriodSpan,
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

/**
 * The first day any instance_size_stats row was collected (the coverage's table: every StatsSaved writes
 * its instance row), or null when none was. A read table, so it may lag the log: callers that need it
 * current let the projections catch up first.
 */
export async function earliestStatDate(knex: Db): Promise<string | null> {
  const { rows } = await knex.raw<{ rows: { earliest: string | null }[] }>(
    'SELECT min(collected_date)::text AS earliest FROM instance_size_stats',
  );
  return rows[0]?.earliest ?? null;
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
