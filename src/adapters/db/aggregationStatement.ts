// The aggregation statement of one level (databases, instances) for a span of periods: one range scan,
// GROUP BY key and period start, lag() over the periods of each key (the definitions of the figures are
// in aggregationSql.ts).
import type { Knex } from 'knex';
import {
  periodStarting,
  previousPeriod,
  type PeriodSpan,
  type PeriodType,
} from '../../domain/periods/periods.js';

export interface AggregationOptions {
  /** Only these instances; all instances with stats when omitted. An empty list computes nothing. */
  instanceIds?: readonly string[];
}

/** Percent above which (and below minus which) a change counts as a trend. */
const TREND_THRESHOLD_PERCENT = 5;

const PERCENT_LIMIT = '999999.999';

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

/** A measured column of a stats table: avg/max/min per period, and optionally its change. */
interface Measure {
  column: string;
  /** max/min returned as integers (counts). */
  integer?: boolean;
  /** Name of the avg-vs-previous-avg column, if the level reports one. */
  change?: string;
}

/** One level of aggregation: which stats table, grouped by which key, reporting what. */
export interface Level {
  table: 'database_size_stats' | 'instance_size_stats';
  keys: readonly string[];
  /** The size the change (MB and percent), growth rate and trend are measured on. */
  size: { column: string; changeMb: string; changePercent: string };
  others: readonly Measure[];
  trend: boolean;
}

export const databaseLevel: Level = {
  table: 'database_size_stats',
  keys: ['instance_id', 'database_name'],
  size: { column: 'size_mb', changeMb: 'size_change_mb', changePercent: 'size_change_percent' },
  others: [{ column: 'data_size_mb' }, { column: 'log_size_mb' }],
  trend: false,
};

export const instanceLevel: Level = {
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
export function aggregationStatement(
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
export const numericColumns = (level: Level): string[] => [
  ...measures(level).flatMap((m) =>
    m.integer ? [`avg_${m.column}`] : ['avg', 'max', 'min'].map((e) => `${e}_${m.column}`),
  ),
  level.size.changeMb,
  level.size.changePercent,
  ...level.others.flatMap((m) => (m.change ? [m.change] : [])),
];
