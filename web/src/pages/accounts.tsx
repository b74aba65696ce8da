// The account ledger: every account the syncs found, with its state, capabilities and classifications,
// filtered by the URL query (capability, classification, risk level, engine, instance, tags, locked,
// username), paged, with the CSV export of the same filters. Each account links to its detail page.
import { client, unwrapPage } from '../api/client';
import { Badge, Empty, ErrorBox, Loading, PageHeader, Time } from '../components/common';
import { Pager } from '../components/pager';
import { useUrlQuery, pageOf } from '../components/urlQuery';
import {
  LedgerFilterForm,
  hasFilters,
  ledgerFiltersOf,
  type LedgerFilters,
} from '../components/accounts/ledgerFilters';
import { queryOf, useApi } from '../hooks';
import type { paths } from '../api/client';

type Ledger =
  paths['/accounts/ledgers']['get']['responses'][200]['content']['application/json']['data'][number];

const PAGE_SIZE = 25;

/** The export is a GET with the session cookie: a plain link downloads it. */
const exportHref = (filters: LedgerFilters) => `/api/v1/accounts/ledgers/actions/export${queryOf(filters)}`;

function States({ account }: { account: Ledger }) {
  return (
    <span class="badges">
      {account.deleted_at ? (
        <Badge value="deleted" />
      ) : (
        <Badge value={account.is_active ? 'active' : 'inactive'} />
      )}
      {account.is_locked && <Badge value="locked" />}
      {account.is_system && <Badge value="system" />}
    </span>
  );
}

function Capabilities({ account }: { account: Ledger }) {
  const caps = account.permissions?.facts?.capabilities ?? [];
  if (!account.permissions) return <span class="muted">not synced</span>;
  if (caps.length === 0) return <span class="muted">none</span>;
  return (
    <span class="badges">
      {caps.map((c) => (
        <span key={c} class="badge warn">
          {c}
        </span>
      ))}
    </span>
  );
}

function LedgerTable({ items }: { items: readonly Ledger[] }) {
  return (
    <table>
      <caption class="sr-only">Accounts</caption>
      <thead>
        <tr>
          <th scope="col">Account</th>
          <th scope="col">Instance</th>
          <th scope="col">Engine</th>
          <th scope="col">State</th>
          <th scope="col">Capabilities</th>
          <th scope="col">Classifications</th>
          <th scope="col">Permissions synced</th>
        </tr>
      </thead>
      <tbody>
        {items.map((a) => (
          <tr key={a.id}>
            <td>
              <a href={`/accounts/${a.id}`}>{a.username}</a>
            </td>
            <td>
              <a href={`/instances/${a.instance_id}`}>{a.instance_name ?? a.instance_id}</a>
            </td>
            <td>{a.db_type}</td>
            <td>
              <States account={a} />
            </td>
            <td>
              <Capabilities account={a} />
            </td>
            <td>
              {a.classifications.length === 0 ? (
                <span class="muted">none</span>
              ) : (
                a.classifications.map((c) => (
                  <span key={c.id} class="badge neutral" title={`risk: ${c.risk_level}`}>
                    {c.name} ({c.risk_level})
                  </span>
                ))
              )}
            </td>
            <td>
              <Time value={a.permissions?.last_sync_time} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function AccountsPage() {
  const { query, set } = useUrlQuery();
  const filters = ledgerFiltersOf(query);
  const page = pageOf(query.page);
  const key = JSON.stringify(filters);
  const list = useApi(
    () =>
      unwrapPage(
        client.GET('/accounts/ledgers', { params: { query: { ...filters, page, limit: PAGE_SIZE } } }),
      ),
    [key, page],
  );
  const filtered = hasFilters(filters);
  const items = list.data?.data ?? [];
  return (
    <section>
      <PageHeader title="Accounts">
        <a class="button" href={exportHref(filters)} download>
          Export CSV{filtered ? ' (these filters)' : ''}
        </a>
      </PageHeader>
      <LedgerFilterForm filters={filters} set={set} />
      <ErrorBox error={list.error} />
      {list.data === undefined && list.loading && <Loading />}
      {list.data !== undefined && items.length === 0 && !filtered && (
        <Empty>
          No accounts yet. <a href="/instances">Register an instance</a> and sync its accounts (the instance's
          page, or the <a href="/scheduler">scheduler</a>); the accounts appear here when the sync completes
          (see <a href="/sessions">sessions</a>).
        </Empty>
      )}
      {list.data !== undefined && items.length === 0 && filtered && (
        <Empty>
          No account matches these filters. <a href="/accounts">Clear the filters</a>.
        </Empty>
      )}
      {items.length > 0 && <LedgerTable items={items} />}
      <Pager meta={list.data?.meta} onPage={(p) => set({ page: String(p) })} />
    </section>
  );
}
