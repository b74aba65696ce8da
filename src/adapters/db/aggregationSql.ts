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
import {
  periodStarting,
  previousPeriod,
  type Period,
  type PeriodType,
} from '../../domain/periods/periods.js';

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
 * Whole periods of one type: `start` begins a period and `endExclusive` ends one. A Period is a span
 * of one period; spanOf(first, last) covers first..last.
 */
export type PeriodSpan = Pick<Period, 'type' | 'start' | 'endExclusive'>;

export const spanOf = (first: Period, last: Period): PeriodSpan => {
  if (first.type !== last.type || last.start < first.start)
    throw new RangeError(`not a span: ${first.type} ${first.start} .. ${last.type} ${last.start}`);
  return { type: first.type, start: first.start, endExclusive: last.endExclusive };
};

export interface AggregationOptions {
  /** Only these instances; all instances with stats when omitted. An empty list computes nothing. */
  instanceIds?: readonly string[];
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

/** Percent above which (and below minus which) a change counts as a trend. */
export const TREND_THRESHOLD_PERCENT = 5;

const PERCENT_LIMIT = '999999.999';
const UPSERT_CHUNK = 500;

type Db = Knex | Knex.Transaction;

/**
 * A percent rounded to 3 decimals and clamped to the numeric(9,3) range of the percent columns; NULL
 * stays NULL (greatest/least would skip it, hence the CASE). `expr` is evaluated up to three times: pass
 * a column. A float8 percent stays float8 (float8 -> numeric conversions are slow; pg reads it as a
 * number).
 */
const percent = (expr: string, type: 'numeric' | 'float8' = 'numeric'): string => {
  const [max, min] = [`${PERCENT_LIMIT}::${type}`, `-${PERCENT_LIMIT}::${type}`];
  const clamped = `(CASE WHEN ${expr} > ${max} THEN ${max} WHEN ${expr} < ${min} THEN ${min} ELSE ${expr} END)`;
  return type === 'numeric' ? `round(${clamped}, 3)` : `round(${clamped} * 1000) / 1000`;
};

// ---- the statement ----------------------------------------------------------------------------------

/** A measured column of a stats table: avg/max/min per period, and optionally its change. */
interface Measure {
  column: string;
  /** max/min returned as integers (counts). */
  integer?: boolean;
  /** Name of the avg-vs-previous-avg column, if the level reports one. */
  change?: string;
}

/** One level of aggregation: which stats table, grouped by which key, reporting what. */
interface Level {
  table: 'database_size_stats' | 'instance_size_stats';
  keys: readonly string[];
  /** The size the change (MB and percent), growth rate and trend are measured on. */
  size: { column: string; changeMb: string; changePercent: string };
  others: readonly Measure[];
  trend: boolean;
}

const databaseLevel: Level = {
  table: 'database_size_stats',
  keys: ['instance_id', 'database_name'],
  size: { column: 'size_mb', changeMb: 'size_change_mb', changePercent: 'size_change_percent' },
  others: [{ column: 'data_size_mb' }, { column: 'log_size_mb' }],
  trend: false,
};

const instanceLevel: Level = {
  table: 'instance_size_stats',
  keys: ['instance_id'],
  size: {
    column: 'total_size_mb',
    changeMb: 'total_size_change_mb',
    changePercent: 'total_size_change_percent',
  },
  others: [{ column: 'database_count', integer: true, change: 'database_count_change' }],
  trend: true,
};

const periodStartOf: Record<PeriodType, (column: string) => string> = {
  daily: (c) => c,
  weekly: (c) => `date_trunc('week', ${c}::timestamp)::date`, // ISO weeks: Monday
  monthly: (c) => `date_trunc('month', ${c}::timestamp)::date`,
  quarterly: (c) => `date_trunc('quarter', ${c}::timestamp)::date`, // Jan, Apr, Jul, Oct
};

/** `start` moved by whole periods of `type` (date arithmetic, no time zone involved). */
const shift = (type: PeriodType, start: string, periods: 1 | -1): string => {
  const sign = periods > 0 ? '+' : '-';
  switch (type) {
    case 'daily':
      return `(${start} ${sign} 1)`;
    case 'weekly':
      return `(${start} ${sign} 7)`;
    case 'monthly':
      return `(${start} ${sign} interval '1 month')::date`;
    case 'quarterly':
      return `(${start} ${sign} interval '3 months')::date`;
  }
};

const measures = (level: Level): Measure[] => [{ column: level.size.column }, ...level.others];

/** Per key and period: avg/max/min of each measure, the row count and the regression of the size. */
function perPeriodSql(level: Level, type: PeriodType, where: string): string {
  const keys = level.keys.join(', ');
  const size = level.size.column;
  if (type === 'daily') {
    // One row per key and day (primary key): the day's figures are the row's.
    const figures = measures(level).map(
      ({ column: c }) => `${c} AS avg_${c}, ${c} AS max_${c}, ${c} AS min_${c}`,
    );
    return `SELECT ${keys}, collected_date AS period_start, ${figures.join(', ')},
                   1 AS data_count, NULL::float8 AS growth
            FROM ${level.table} WHERE ${where}`;
  }
  const x = `(collected_date - DATE '2000-01-01')::float8`;
  // Percent per day: the slope over the fitted line's value on the first observed day.
  const [slope, avgx, avgy] = ['regr_slope', 'regr_avgx', 'regr_avgy'].map(
    (f) => `${f}(${size}::float8, ${x})`,
  );
  const fittedFirst = `(${avgy} + ${slope} * (min(${x}) - ${avgx}))`;
  const growth = `CASE WHEN ${fittedFirst} > 0 THEN ${slope} / ${fittedFirst} * 100 END`;
  const periodStart = periodStartOf[type]('collected_date');
  const figures = measures(level).map(
    ({ column: c }) => `round(avg(${c}), 3) AS avg_${c}, max(${c}) AS max_${c}, min(${c}) AS min_${c}`,
  );
  return `SELECT ${keys}, ${periodStart} AS period_start, ${figures.join(', ')},
                 count(*) AS data_count,
                 ${growth} AS growth
          FROM ${level.table} WHERE ${where}
          GROUP BY ${keys}, ${periodStart}`;
}

/**
 * The output columns of `level` from `f`, a row of per-period figures with `has_previous` (the period
 * before it has stats) and `prev_avg_*`. Figures stay numeric (rounded as stored); compute() turns
 * them into numbers. Every expression reads columns computed once below it.
 */
function figureColumns(level: Level): string[] {
  const { column: size, changeMb, changePercent } = level.size;
  const change = (c: string) => `CASE WHEN f.has_previous THEN f.avg_${c} - f.prev_avg_${c} END`;
  const rounded = percent('f.change_percent');
  const out: string[] = [];
  for (const m of measures(level)) {
    out.push(
      `f.avg_${m.column} AS avg_${m.column}`,
      `f.max_${m.column} AS max_${m.column}`,
      `f.min_${m.column} AS min_${m.column}`,
    );
    if (m.column === size) out.push('f.data_count::int AS data_count');
  }
  out.push(`${change(size)} AS ${changeMb}`, `${rounded} AS ${changePercent}`);
  for (const m of level.others) if (m.change) out.push(`${change(m.column)} AS ${m.change}`);
  out.push(`${percent('f.growth', 'float8')} AS growth_rate`);
  if (level.trend)
    out.push(`CASE WHEN ${rounded} > ${TREND_THRESHOLD_PERCENT} THEN 'growing'
                   WHEN ${rounded} < -${TREND_THRESHOLD_PERCENT} THEN 'shrinking'
                   WHEN ${rounded} IS NOT NULL THEN 'stable' END AS trend_direction`);
  return out;
}

/**
 * The statement for every period of `span` at `level`, and its bindings: one scan of the span and the
 * period before it, the per-period figures, lag() for the previous period (used only when it is the
 * adjacent one), rows ordered by key and period.
 */
function aggregationStatement(
  level: Level,
  span: PeriodSpan,
  options: AggregationOptions,
): { sql: string; bindings: Knex.Value[] } {
  const scanStart = previousPeriod(periodStarting(span.type, span.start)).start;
  const bindings: Knex.Value[] = [scanStart, span.endExclusive];
  let where = 'collected_date >= CAST(? AS date) AND collected_date < CAST(? AS date)';
  if (options.instanceIds) {
    where += ' AND instance_id = ANY(CAST(? AS uuid[]))';
    bindings.push([...options.instanceIds]);
  }
  bindings.push(span.type, span.start);
  const size = level.size.column;
  const lags = [size, ...level.others.filter((m) => m.change).map((m) => m.column)].map(
    (c) => `lag(p.avg_${c}) OVER w AS prev_avg_${c}`,
  );
  const previousStart = shift(span.type, 'p.period_start', -1);
  const sql = `
    WITH per_period AS (${perPeriodSql(level, span.type, where)}),
    figures AS (
      SELECT p.*, ${lags.join(', ')},
             lag(p.period_start) OVER w = ${previousStart} AS has_previous,
             CASE WHEN lag(p.period_start) OVER w = ${previousStart}
                  THEN (p.avg_${size} - lag(p.avg_${size}) OVER w) / nullif(lag(p.avg_${size}) OVER w, 0) * 100
             END AS change_percent
      FROM per_period p
      WINDOW w AS (PARTITION BY ${level.keys.map((k) => `p.${k}`).join(', ')} ORDER BY p.period_start)
    )
    SELECT ${level.keys.map((k) => (k === 'instance_id' ? 'f.instance_id::text AS instance_id' : `f.${k}`)).join(', ')},
           CAST(? AS text) AS period_type,
           f.period_start::text AS period_start,
           (${shift(span.type, 'f.period_start', 1)} - 1)::text AS period_end,
           ${figureColumns(level).join(',\n           ')}
    FROM figures f
    WHERE f.period_start >= CAST(? AS date)
    ORDER BY ${level.keys.map((k) => `f.${k}`).join(', ')}, f.period_start`;
  return { sql, bindings };
}

/** The output columns that are numeric in SQL (strings through pg): every figure but the counts. */
const numericColumns = (level: Level): string[] => [
  ...measures(level).flatMap((m) =>
    m.integer ? [`avg_${m.column}`] : ['avg', 'max', 'min'].map((e) => `${e}_${m.column}`),
  ),
  level.size.changeMb,
  level.size.changePercent,
  ...level.others.flatMap((m) => (m.change ? [m.change] : [])),
];

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
