// The capacity page's reads: the aggregation rows of the instance or database level for the picked
// period type (and instance, database), one shape for both levels, the chart's series and the summary.
import { client, unwrap, unwrapPage, type paths } from '../../api/client';
import type { Series } from '../chart';
import { formatBytes } from '../common';

export const periodTypes = ['daily', 'weekly', 'monthly', 'quarterly'] as const;
export type PeriodType = (typeof periodTypes)[number];
export type Level = 'instances' | 'databases';

export interface CapacityFilters {
  level: Level;
  period_type: PeriodType;
  instance_id?: string | undefined;
  database?: string | undefined;
}

type InstanceRow =
  paths['/capacity/instances']['get']['responses'][200]['content']['application/json']['data'][number];
type DatabaseRow =
  paths['/capacity/databases']['get']['responses'][200]['content']['application/json']['data'][number];
export type Summary =
  paths['/capacity/instances/summary']['get']['responses'][200]['content']['application/json']['data'];

/** One aggregation row of either level. */
export interface SizeRow {
  /** The series it belongs to: the instance, or the instance and database. */
  key: string;
  label: string;
  instance_id: string;
  period_start: string;
  period_end: string;
  size_mb: number;
  change_mb: number | null;
  change_percent: number | null;
  /** Percent per day inside the period. */
  growth_rate: number | null;
  is_partial: boolean;
  data_count: number;
}

const fromInstance = (r: InstanceRow): SizeRow => ({
  key: r.instance_id,
  label: r.instance_name,
  instance_id: r.instance_id,
  period_start: r.period_start,
  period_end: r.period_end,
  size_mb: r.avg_total_size_mb,
  change_mb: r.total_size_change_mb,
  change_percent: r.total_size_change_percent,
  growth_rate: r.growth_rate,
  is_partial: r.is_partial,
  data_count: r.data_count,
});

const fromDatabase = (r: DatabaseRow): SizeRow => ({
  key: `${r.instance_id}/${r.database_name}`,
  label: `${r.database_name} on ${r.instance_name}`,
  instance_id: r.instance_id,
  period_start: r.period_start,
  period_end: r.period_end,
  size_mb: r.avg_size_mb,
  change_mb: r.size_change_mb,
  change_percent: r.size_change_percent,
  growth_rate: r.growth_rate,
  is_partial: r.is_partial,
  data_count: r.data_count,
});

/** Rows of the filters (newest period first), at most 100; `onlyStart` narrows them to one period. */
export async function loadRows(f: CapacityFilters, onlyStart?: string): Promise<SizeRow[]> {
  const query = {
    period_type: f.period_type,
    instance_id: f.instance_id,
    limit: 100,
    ...(onlyStart ? { start_date: onlyStart, end_date: onlyStart } : {}),
  };
  if (f.level === 'instances') {
    const { data } = await unwrapPage(client.GET('/capacity/instances', { params: { query } }));
    return data.map(fromInstance);
  }
  const { data } = await unwrapPage(
    client.GET('/capacity/databases', { params: { query: { ...query, database: f.database } } }),
  );
  return data.map(fromDatabase);
}

export function loadSummary(f: CapacityFilters): Promise<Summary> {
  const query = { period_type: f.period_type, instance_id: f.instance_id };
  return f.level === 'instances'
    ? unwrap(client.GET('/capacity/instances/summary', { params: { query } }))
    : unwrap(
        client.GET('/capacity/databases/summary', { params: { query: { ...query, database: f.database } } }),
      );
}

/** A period's first day at local midnight, as unix seconds (the chart's x). */
const dayToSeconds = (day: string) => new Date(`${day}T00:00:00`).getTime() / 1000;

/** One series per instance (or database), the largest first, at most `max`; points oldest first. */
export function seriesOf(rows: readonly SizeRow[], max = 8): Series[] {
  const groups = new Map<string, SizeRow[]>();
  for (const r of rows) groups.set(r.key, [...(groups.get(r.key) ?? []), r]);
  return [...groups.values()]
    .map((g) => {
      const sorted = [...g].sort((a, b) => a.period_start.localeCompare(b.period_start));
      return {
        name: sorted[0]?.label ?? '',
        latest: sorted[sorted.length - 1]?.size_mb ?? 0,
        points: sorted.map((r) => [dayToSeconds(r.period_start), r.size_mb] as const),
      };
    })
    .sort((a, b) => b.latest - a.latest)
    .slice(0, max)
    .map(({ name, points }) => ({ name, points }));
}

/** The rows that grew most (by size change, then growth rate), at most `max`. */
export function topGrowers(rows: readonly SizeRow[], max = 10): SizeRow[] {
  const score = (r: SizeRow) => r.change_mb ?? Number.NEGATIVE_INFINITY;
  return [...rows]
    .sort((a, b) => score(b) - score(a) || (b.growth_rate ?? -Infinity) - (a.growth_rate ?? -Infinity))
    .slice(0, max);
}

/** Megabytes as the page shows them (KB to TB). */
export const formatMb = (mb: number | null | undefined): string =>
  mb === null || mb === undefined ? '—' : formatBytes(mb * 1024 * 1024);

export const formatPercent = (p: number | null | undefined, digits = 1): string =>
  p === null || p === undefined ? '—' : `${p > 0 ? '+' : ''}${p.toFixed(digits)} %`;
