// /partitions: the monthly partitions of the size-stats tables: their health (months covered ahead, rows
// in the default partitions), counts, rows and sizes per table, every partition (filtered by table in the
// URL, paged), and, for administrators, creating the months ahead and dropping those past retention.
import { useState } from 'preact/hooks';
import { client, unwrap, unwrapPage } from '../api/client';
import { useAuth } from '../auth';
import { Badge, Empty, ErrorBox, Loading, PageHeader, Select, formatBytes } from '../components/common';
import { Pager } from '../components/pager';
import { Status, pageOf, useQuery } from '../components/admin/shared';
import { PartitionActions } from '../components/partitions/partitionActions';
import { useApi } from '../hooks';

const tables = ['', 'database_size_stats', 'instance_size_stats'] as const;
type Table = Exclude<(typeof tables)[number], ''>;

export default function PartitionsPage() {
  const { can } = useAuth();
  const [query, setQuery] = useQuery();
  const [status, setStatus] = useState<string | undefined>(undefined);
  const page = pageOf(query.page);
  const table = (query.table || undefined) as Table | undefined;
  const health = useApi(() => unwrap(client.GET('/partitions/status')), []);
  const stats = useApi(() => unwrap(client.GET('/partitions/statistics')), []);
  const info = useApi(() => unwrap(client.GET('/partitions/info')), []);
  const list = useApi(
    () => unwrapPage(client.GET('/partitions', { params: { query: { table, page, limit: 20 } } })),
    [table, page],
  );
  const done = (message: string) => {
    setStatus(message);
    for (const l of [health, stats, info, list]) l.reload();
  };
  const h = health.data;

  return (
    <section>
      <PageHeader title="Partitions" />
      <ErrorBox error={health.error ?? stats.error} />
      {(!h || !stats.data) && (health.loading || stats.loading) && <Loading />}
      {h && stats.data && (
        <div class="cards">
          <section class="card" aria-labelledby="health-title">
            <h2 id="health-title">Health</h2>
            <p class="figure">
              <Badge value={h.healthy ? 'healthy' : 'unhealthy'} />
            </p>
            <dl>
              <dt>Today</dt>
              <dd>{h.today}</dd>
              <dt>Months missing (next {h.months_ahead})</dt>
              <dd>{h.missing.length}</dd>
              <dt>Rows in default partitions</dt>
              <dd>{h.default_rows}</dd>
            </dl>
          </section>
          <section class="card" aria-labelledby="total-title">
            <h2 id="total-title">All tables</h2>
            <p class="figure">{stats.data.partitions} partitions</p>
            <dl>
              <dt>Rows</dt>
              <dd>{stats.data.rows}</dd>
              <dt>Size</dt>
              <dd>{formatBytes(stats.data.size_bytes)}</dd>
            </dl>
          </section>
          {stats.data.by_table.map((t) => (
            <section class="card" key={t.table} aria-labelledby={`table-${t.table}`}>
              <h2 id={`table-${t.table}`}>{t.table}</h2>
              <p class="figure">{t.partitions} partitions</p>
              <dl>
                <dt>Rows</dt>
                <dd>{t.rows}</dd>
                <dt>Size</dt>
                <dd>{formatBytes(t.size_bytes)}</dd>
              </dl>
            </section>
          ))}
        </div>
      )}
      {h && h.missing.length > 0 && (
        <p class="notice">
          No partition covers {h.missing.map((m) => `${m.table} ${m.month.slice(0, 7)}`).join(', ')}: rows of
          those months go to the default partition.{' '}
          {can('admin') ? 'Create them below.' : 'Ask an administrator to create them.'}
        </p>
      )}
      {can('admin') && h && info.data && <PartitionActions info={info.data} health={h} onDone={done} />}
      <Status message={status} />
      <h2>Every partition</h2>
      <div class="filters" role="search" aria-label="Filter partitions">
        <Select
          label="Table"
          value={table ?? ''}
          options={tables}
          onChange={(e) => setQuery({ table: e.currentTarget.value, page: undefined })}
        />
      </div>
      <ErrorBox error={list.error} />
      {list.data && list.data.data.length === 0 && (
        <Empty>
          No partition{table ? ` of ${table}` : ''} yet: the migrations create them, and{' '}
          {can('admin')
            ? '"Create next partitions" adds the months ahead.'
            : 'an administrator can add the months ahead.'}
        </Empty>
      )}
      {list.data && list.data.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col">Partition</th>
              <th scope="col">From</th>
              <th scope="col">To (exclusive)</th>
              <th scope="col" class="num">
                Rows
              </th>
              <th scope="col" class="num">
                Size
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((p) => (
              <tr key={`${p.table}.${p.name}`}>
                <td>{p.table}</td>
                <td>
                  <code>{p.name}</code> {p.is_default && <span class="muted">(default)</span>}
                </td>
                <td>{p.from ?? '—'}</td>
                <td>{p.to ?? '—'}</td>
                <td class="num">
                  {p.rows_exact ? '' : '≈ '}
                  {p.rows}
                </td>
                <td class="num">{formatBytes(p.size_bytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager meta={list.data?.meta} onPage={(p) => setQuery({ page: String(p) })} />
    </section>
  );
}
