// Reads of the capacity aggregation tables and raw size stats for the API.
import type { Knex } from 'knex';
import type { Paging } from '../../domain/paging.js';
import { paged, type PageTotals } from '../paging.js';
import type { PeriodType } from '../../domain/periods/periods.js';
import { tagNames, whereTagged } from '../tags/queries.js';

export interface AggregationSummary {
  period_type: PeriodType;
  period_start: string | null;
  period_end: string | null;
  count: number;
  total_avg_size_mb: number;
  average_avg_size_mb: number | null;
  total_size_change_mb: number | null;
  growth_percent: number | null;
  partial: boolean;
}

export interface AggregationFilters extends Paging {
  instance_id?: string | undefined;
  db_type?: string | undefined;
  period_type?: string | undefined;
  start_date?: string | undefined;
  end_date?: string | undefined;
  database?: string | undefined;
  /** Tag names, comma-separated, case-insensitive: the rows of instances holding every one of them. */
  tag?: string | undefined;
}

export const num = (v: string | number | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v);

/** The aggregation rows (instance or database) matching the filters, with the instance's name and type. */
export function filteredAggregations(knex: Knex, table: string, f: AggregationFilters) {
  const q = knex({ a: table }).join({ i: 'instances' }, 'i.id', 'a.instance_id');
  if (f.instance_id) q.where('a.instance_id', f.instance_id);
  if (f.db_type) q.where('i.db_type', f.db_type);
  if (f.period_type) q.where('a.period_type', f.period_type);
  if (f.start_date) q.where('a.period_start', '>=', f.start_date);
  if (f.end_date) q.where('a.period_start', '<=', f.end_date);
  if (f.database) q.where('a.database_name', f.database);
  whereTagged(q, knex, { names: tagNames(f.tag) }, 'a.instance_id');
  return q;
}

export const numericColumns = new Set([
  'avg_size_mb',
  'max_size_mb',
  'min_size_mb',
  'avg_data_size_mb',
  'max_data_size_mb',
  'min_data_size_mb',
  'avg_log_size_mb',
  'max_log_size_mb',
  'min_log_size_mb',
  'size_change_mb',
  'size_change_percent',
  'growth_rate',
  'avg_total_size_mb',
  'max_total_size_mb',
  'min_total_size_mb',
  'avg_database_count',
  'total_size_change_mb',
  'total_size_change_percent',
  'database_count_change',
]);

/** pg numeric comes back as text: numbers; dates as text; timestamps as ISO strings. */
export const rowToApi = (row: Record<string, unknown>) => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (numericColumns.has(k)) out[k] = num(v as string | null);
    else if (v instanceof Date) out[k] = v.toISOString();
    else out[k] = v;
  }
  return out;
};

export async function listAggregations(
  knex: Knex,
  table: string,
  f: AggregationFilters,
  totals?: PageTotals,
) {
  const base = filteredAggregations(knex, table, f);
  const { total, rows } = await paged<Record<string, unknown>>(base, f, {
    totals,
    order: [
      { column: 'a.period_start', order: 'desc' },
      { column: 'a.period_type', order: 'asc' },
      { column: 'a.instance_id', order: 'asc' },
      ...(table === 'database_size_aggregations'
        ? [{ column: 'a.database_name', order: 'asc' as const }]
        : []),
    ],
    columns: [
      'a.*',
      knex.raw('a.period_start::text AS period_start'),
      knex.raw('a.period_end::text AS period_end'),
      'i.name AS instance_name',
      'i.db_type',
    ],
  });
  return { total, items: rows.map(rowToApi) };
}

/** Totals over the latest period of the type that has rows (after the filters). */
export async function aggregationSummary(
  knex: Knex,
  table: string,
  sizeColumn: string,
  changeColumn: string,
  f: AggregationFilters & { period_type: PeriodType },
): Promise<AggregationSummary> {
  const latest = (await filteredAggregations(knex, table, f)
    .max({ start: knex.raw('a.period_start::text') })
    .first()) as { start: string | null } | undefined;
  const empty = {
    period_type: f.period_type,
    period_start: null,
    period_end: null,
    count: 0,
    total_avg_size_mb: 0,
    average_avg_size_mb: null,
    total_size_change_mb: null,
    growth_percent: null,
    partial: false,
  };
  if (!latest?.start) return empty;
  const row: {
    count: number;
    period_end: string | null;
    total: string;
    average: string | null;
    change: string | null;
    partial: boolean | null;
  } = await filteredAggregations(knex, table, f)
    .where('a.period_start', latest.start)
    .first(
      knex.raw('count(*)::int AS count'),
      knex.raw('max(a.period_end)::text AS period_end'),
      knex.raw(`coalesce(sum(a.${sizeColumn}), 0)::text AS total`),
      knex.raw(`avg(a.${sizeColumn})::text AS average`),
      knex.raw(`sum(a.${changeColumn})::text AS change`),
      knex.raw('bool_or(a.is_partial) AS partial'),
    );
  const total = Number(row.total);
  const change = num(row.change);
  const previous = change === null ? null : total - change;
  return {
    ...empty,
    period_start: latest.start,
    period_end: row.period_end,
    count: row.count,
    total_avg_size_mb: Math.round(total * 1000) / 1000,
    average_avg_size_mb: row.average === null ? null : Math.round(Number(row.average) * 1000) / 1000,
    total_size_change_mb: change,
    growth_percent: change === null || !previous ? null : Math.round((change / previous) * 100_000) / 1000,
    partial: row.partial ?? false,
  };
}
