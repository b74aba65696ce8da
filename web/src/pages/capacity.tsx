// Capacity: instance or database size over time for a period type (daily, weekly, monthly, quarterly),
// for every instance or a picked one (and a database), from the aggregations; the latest period's total,
// change and growth; and its top growers. The pickers are in the URL query.
import { TimeChart } from '../components/chart';
import { Empty, ErrorBox, Loading, PageHeader, Select } from '../components/common';
import { DatabasePicker, InstancePicker } from '../components/pickers';
import { idOf, oneOf, useApiFor, useUrlQuery } from '../components/urlQuery';
import {
  formatMb,
  loadRows,
  loadSummary,
  periodTypes,
  seriesOf,
  topGrowers,
  type CapacityFilters,
} from '../components/capacity/capacityData';
import { CapacityActions, Growers, SummaryCards } from '../components/capacity/capacityParts';
import { queryOf } from '../hooks';
import { useAuth } from '../auth';
import { useMemo } from 'preact/hooks';

const levels = [
  { value: 'instances', label: 'Instances' },
  { value: 'databases', label: 'Databases' },
] as const;

function NoSizes({ filtered }: { filtered: boolean }) {
  const { can } = useAuth();
  const here = (button: string) => (can('update') ? `"${button}" above, ` : '');
  return (
    <Empty>
      {filtered ? 'No sizes for this choice yet. ' : 'No sizes yet. '}
      Sizes come from a capacity collection ({here('Collect sizes now')}an instance's page, or the{' '}
      <a href="/scheduler">scheduler</a>; follow it on <a href="/sessions">sessions</a>), then an aggregation
      of the periods ({here('Aggregate running periods')}or the scheduled aggregation).{' '}
      {!filtered && (
        <>
          No instance yet? <a href="/instances">Register one</a>.
        </>
      )}
    </Empty>
  );
}

export default function CapacityPage() {
  const { path, query, set } = useUrlQuery();
  const filters: CapacityFilters = {
    level: query.level === 'databases' ? 'databases' : 'instances',
    period_type: oneOf(query.period_type, periodTypes) ?? 'daily',
    instance_id: idOf(query.instance_id),
    database: query.level === 'databases' ? query.database || undefined : undefined,
  };
  const key = JSON.stringify(filters);
  const rows = useApiFor(key, () => loadRows(filters));
  const summary = useApiFor(key, () => loadSummary(filters));
  const latest = summary.data?.period_start ?? undefined;
  const growers = useApiFor(`${key} ${latest}`, () =>
    latest ? loadRows({ ...filters, database: undefined }, latest) : Promise.resolve([]),
  );
  const series = useMemo(() => (rows.data ? seriesOf(rows.data) : []), [rows.data]);
  const what = filters.level === 'instances' ? 'instances' : 'databases';
  const filtered = Boolean(filters.instance_id || filters.database);
  const tab = (level: string) =>
    `${path}${queryOf({ ...query, level: level === 'instances' ? undefined : level, database: undefined })}`;
  const reload = () => {
    rows.reload();
    summary.reload();
    growers.reload();
  };

  return (
    <section>
      <PageHeader title="Capacity">
        <CapacityActions instanceId={filters.instance_id} onDone={reload} />
      </PageHeader>
      <nav class="tabs" aria-label="Size of">
        {levels.map((l) => (
          <a key={l.value} href={tab(l.value)} aria-current={filters.level === l.value ? 'page' : undefined}>
            {l.label}
          </a>
        ))}
      </nav>
      <form class="filters" aria-label="Capacity filters" onSubmit={(e) => e.preventDefault()}>
        <Select
          label="Period"
          value={filters.period_type}
          onChange={(e) => set({ period_type: e.currentTarget.value })}
          options={periodTypes.map((p) => ({ value: p, label: p }))}
        />
        <InstancePicker
          value={filters.instance_id}
          onChange={(v) => set({ instance_id: v, database: undefined })}
        />
        {filters.level === 'databases' && (
          <DatabasePicker
            instanceId={filters.instance_id}
            value={filters.database}
            onChange={(v) => set({ database: v })}
          />
        )}
      </form>

      <ErrorBox error={summary.error} />
      {summary.data && summary.data.count > 0 && <SummaryCards summary={summary.data} what={what} />}

      <ErrorBox error={rows.error} />
      {rows.data === undefined && rows.loading && <Loading />}
      {rows.data && rows.data.length === 0 && <NoSizes filtered={filtered} />}
      {series.length > 0 && (
        <TimeChart
          title={`${filters.level === 'instances' ? 'Instance' : 'Database'} size, ${filters.period_type} average`}
          series={series}
          format={formatMb}
        />
      )}
      {rows.data && rows.data.length >= 100 && (
        <p class="muted">Showing the latest 100 periods: pick an instance to see one over a longer time.</p>
      )}

      <h2>Top growers{latest ? ` (${filters.period_type} period of ${latest})` : ''}</h2>
      <ErrorBox error={growers.error} />
      {growers.data && <Growers rows={topGrowers(growers.data)} level={filters.level} />}
    </section>
  );
}
