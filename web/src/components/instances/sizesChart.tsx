// An instance's sizes over time: the instance's total and each database's average size per period
// (/capacity/instances and /capacity/databases for the instance), with a period picker. Without
// aggregated periods it says what to do: collect capacity, then aggregate (a button when allowed).
import { useMemo, useState } from 'preact/hooks';
import { client, unwrap, unwrapPage } from '../../api/client';
import { useAuth } from '../../auth';
import { useApi } from '../../hooks';
import { TimeChart, type Series } from '../chart';
import { Empty, ErrorBox, Loading, Select, formatBytes } from '../common';

export const periodTypes = ['daily', 'weekly', 'monthly', 'quarterly'] as const;
export type PeriodType = (typeof periodTypes)[number];
export const isPeriod = (v: string | undefined): v is PeriodType => periodTypes.includes(v as PeriodType);

const MB = 1024 * 1024;
const seconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;
const formatMb = (v: number) => formatBytes(v * MB);

export function SizesChart({
  instanceId,
  period,
  onPeriod,
}: {
  instanceId: string;
  period: PeriodType;
  onPeriod: (p: PeriodType) => void;
}) {
  const { can } = useAuth();
  const [aggregating, setAggregating] = useState(false);
  const [aggregateError, setAggregateError] = useState<unknown>(undefined);
  const sizes = useApi(async () => {
    const query = { instance_id: instanceId, period_type: period, limit: 100 };
    const [total, databases] = await Promise.all([
      unwrapPage(client.GET('/capacity/instances', { params: { query } })),
      unwrapPage(client.GET('/capacity/databases', { params: { query } })),
    ]);
    return { total: total.data, databases: databases.data };
  }, [instanceId, period]);

  const series = useMemo((): Series[] => {
    if (!sizes.data) return [];
    const byStart = <T extends { period_start: string }>(rows: readonly T[]) =>
      [...rows].sort((a, b) => a.period_start.localeCompare(b.period_start));
    const total: Series = {
      name: 'instance total',
      points: byStart(sizes.data.total).map((r) => [seconds(r.period_start), r.avg_total_size_mb] as const),
    };
    const perDatabase = new Map<string, [number, number][]>();
    for (const r of byStart(sizes.data.databases)) {
      const points = perDatabase.get(r.database_name) ?? [];
      points.push([seconds(r.period_start), r.avg_size_mb]);
      perDatabase.set(r.database_name, points);
    }
    const databases = [...perDatabase].map(([name, points]) => ({ name, points }));
    return total.points.length > 0 ? [total, ...databases] : databases;
  }, [sizes.data]);

  const aggregate = async () => {
    setAggregating(true);
    setAggregateError(undefined);
    try {
      await unwrap(client.POST('/capacity/aggregations/current', { body: { period_types: [period] } }));
      sizes.reload();
    } catch (err) {
      setAggregateError(err);
    } finally {
      setAggregating(false);
    }
  };

  return (
    <section aria-labelledby="sizes-title">
      <h2 id="sizes-title">Sizes</h2>
      <div class="filters">
        <Select
          label="Period"
          value={period}
          options={periodTypes}
          onChange={(e) => onPeriod(e.currentTarget.value as PeriodType)}
        />
      </div>
      <ErrorBox error={sizes.error} />
      {sizes.loading && !sizes.data && <Loading />}
      {sizes.data && series.length === 0 && (
        <Empty>
          <p>
            No {period} sizes for this instance yet — run "Collect capacity" above, then aggregate the
            periods.
          </p>
          {can('update') && (
            <button type="button" onClick={aggregate} disabled={aggregating}>
              {aggregating ? 'Aggregating…' : `Aggregate the current ${period} period`}
            </button>
          )}
          <ErrorBox error={aggregateError} />
        </Empty>
      )}
      {series.length > 0 && (
        <TimeChart title={`Average size per ${period} period`} series={series} format={formatMb} />
      )}
    </section>
  );
}
