// One account: who it is (instance, engine, state), its permission facts and classifications now or as
// of a chosen moment (the as-of picker; the moment is in the URL as as_of), and its change history.
import { useRoute } from 'preact-iso';
import { client, unwrap, unwrapPage } from '../api/client';
import { Badge, ErrorBox, Loading, PageHeader, Time } from '../components/common';
import { Pager } from '../components/pager';
import { pageOf, useApiFor, useUrlQuery } from '../components/urlQuery';
import { AsOfBanner, AsOfPicker } from '../components/accounts/asOf';
import { ClassificationsView, FactsView } from '../components/accounts/facts';
import { ChangeHistory } from '../components/accounts/history';
import { useApi } from '../hooks';

const HISTORY_PAGE = 20;

/** The account's ledger row: the list filtered to its instance and name (there is no read by id). */
async function loadAccount(id: string) {
  const held = await unwrap(
    client.GET('/accounts/ledgers/{id}/classifications', { params: { path: { id } } }),
  );
  const { data } = await unwrapPage(
    client.GET('/accounts/ledgers', {
      params: {
        query: { instance_id: held.instance_id, search: held.username, include_deleted: 'true', limit: 100 },
      },
    }),
  );
  return data.find((a) => a.id === id) ?? null;
}

function Summary({ id }: { id: string }) {
  const account = useApi(() => loadAccount(id), [id]);
  const a = account.data;
  if (account.error) return <ErrorBox error={account.error} />;
  if (!a) return account.loading ? <Loading /> : null;
  return (
    <div class="cards">
      <div class="card">
        <h2>Instance</h2>
        <a href={`/instances/${a.instance_id}`}>{a.instance_name ?? a.instance_id}</a>{' '}
        <span class="muted">({a.db_type})</span>
      </div>
      <div class="card">
        <h2>State</h2>
        <span class="badges">
          {a.deleted_at ? <Badge value="deleted" /> : <Badge value={a.is_active ? 'active' : 'inactive'} />}
          {a.is_locked && <Badge value="locked" />}
          {a.is_superuser && <Badge value="superuser" />}
          {a.is_system && <Badge value="system" />}
        </span>
      </div>
      <div class="card">
        <h2>Seen</h2>
        <dl>
          <dt>first</dt>
          <dd>
            <Time value={a.first_seen_at} />
          </dd>
          <dt>last</dt>
          <dd>
            <Time value={a.last_seen_at} />
          </dd>
        </dl>
      </div>
    </div>
  );
}

export default function AccountDetailPage() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const { path, query, set } = useUrlQuery(['history_page']);
  const asOf = query.as_of || undefined;
  const historyPage = pageOf(query.history_page);
  const at = { params: { path: { id }, query: asOf ? { as_of: asOf } : {} } };
  // The facts of another moment never show under this moment's banner.
  const moment = `${id} ${asOf ?? 'now'}`;
  const permissions = useApiFor(moment, () => unwrap(client.GET('/accounts/ledgers/{id}/permissions', at)));
  const held = useApiFor(moment, () => unwrap(client.GET('/accounts/ledgers/{id}/classifications', at)));
  const history = useApi(
    () =>
      unwrapPage(
        client.GET('/accounts/ledgers/{id}/change-history', {
          params: { path: { id }, query: { page: historyPage, limit: HISTORY_PAGE } },
        }),
      ),
    [id, historyPage],
  );
  const nowHref = historyPage > 1 ? `${path}?history_page=${historyPage}` : path;
  const name = permissions.data?.username ?? held.data?.username;
  return (
    <section>
      <p>
        <a href="/accounts">← Accounts</a>
      </p>
      <PageHeader title={name ? `Account ${name}` : 'Account'} />
      <Summary id={id} />

      <h2>What this account can do</h2>
      <AsOfPicker
        asOf={asOf}
        onPick={(instant) => set({ as_of: instant, history_page: query.history_page })}
      />
      <AsOfBanner asOf={asOf} nowHref={nowHref} />
      <ErrorBox error={permissions.error} />
      {permissions.data === undefined && permissions.loading && <Loading />}
      {permissions.data && (
        <div data-as-of={permissions.data.as_of}>
          <FactsView permissions={permissions.data} />
        </div>
      )}

      <h2>Classifications{asOf ? ' at that moment' : ''}</h2>
      <ErrorBox error={held.error} />
      {held.data && <ClassificationsView held={held.data} />}

      <h2>Change history</h2>
      <ErrorBox error={history.error} />
      {history.data === undefined && history.loading && <Loading />}
      {history.data && <ChangeHistory items={history.data.data} />}
      <Pager meta={history.data?.meta} onPage={(p) => set({ history_page: String(p) })} />
    </section>
  );
}
