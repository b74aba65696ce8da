// The lists on an instance's page: its accounts (a short table, and a link to the full ledger filtered
// by the instance), its databases with their latest size, and its last sessions (polled while one runs).
import { useEffect, useState } from 'preact/hooks';
import { client, unwrapPage } from '../../api/client';
import { useApi } from '../../hooks';
import { Badge, Empty, ErrorBox, Loading, Time, formatBytes } from '../common';
import { Pager } from '../pager';

const MB = 1024 * 1024;

export function AccountsSection({ instanceId, refresh }: { instanceId: string; refresh: number }) {
  const accounts = useApi(
    () =>
      unwrapPage(
        client.GET('/accounts/ledgers', { params: { query: { instance_id: instanceId, limit: 10 } } }),
      ),
    [instanceId, refresh],
  );
  const rows = accounts.data?.data ?? [];
  const total = accounts.data?.meta?.total ?? rows.length;
  return (
    <section aria-labelledby="accounts-title">
      <h2 id="accounts-title">Accounts</h2>
      <ErrorBox error={accounts.error} />
      {accounts.loading && !accounts.data && <Loading />}
      {accounts.data && rows.length === 0 && (
        <Empty>No accounts known yet — run "Sync accounts" above to read them from the instance.</Empty>
      )}
      {rows.length > 0 && (
        <table>
          <caption class="sr-only">Accounts of this instance (first {rows.length})</caption>
          <thead>
            <tr>
              <th>Username</th>
              <th>Superuser</th>
              <th>Locked</th>
              <th>Classifications</th>
              <th>Last change</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr key={a.id}>
                <td>
                  <a href={`/accounts/${a.id}`}>{a.username}</a>
                  {a.deleted_at && (
                    <>
                      {' '}
                      <Badge value="deleted" />
                    </>
                  )}
                </td>
                <td>{a.is_superuser ? 'yes' : 'no'}</td>
                <td>{a.is_locked ? 'yes' : 'no'}</td>
                <td>{a.classifications.map((c) => c.name).join(', ') || <span class="muted">—</span>}</td>
                <td>
                  <Time value={a.permissions?.last_change_time} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <a href={`/accounts?instance_id=${instanceId}`}>
          All {total} accounts of this instance in the ledger
        </a>
      </p>
    </section>
  );
}

export function DatabasesSection({ instanceId, refresh }: { instanceId: string; refresh: number }) {
  const [page, setPage] = useState(1);
  const databases = useApi(
    () =>
      unwrapPage(
        client.GET('/databases/ledgers', { params: { query: { instance_id: instanceId, page, limit: 20 } } }),
      ),
    [instanceId, page, refresh],
  );
  const rows = databases.data?.data ?? [];
  return (
    <section aria-labelledby="databases-title">
      <h2 id="databases-title">Databases</h2>
      <ErrorBox error={databases.error} />
      {databases.loading && !databases.data && <Loading />}
      {databases.data && rows.length === 0 && (
        <Empty>No databases known yet — run "Collect capacity" above to take the inventory and sizes.</Empty>
      )}
      {rows.length > 0 && (
        <table>
          <caption class="sr-only">Databases of this instance</caption>
          <thead>
            <tr>
              <th>Database</th>
              <th>State</th>
              <th class="num">Latest size</th>
              <th>Collected</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <td>{d.database_name}</td>
                <td>
                  <Badge value={d.deleted_at ? 'deleted' : d.is_active ? 'active' : 'inactive'} />
                </td>
                <td class="num">{d.latest_size ? formatBytes(d.latest_size.size_mb * MB) : '—'}</td>
                <td>
                  <Time value={d.latest_size?.collected_at ?? d.latest_size?.collected_date} />
                </td>
                <td>{d.last_seen_date}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager meta={databases.data?.meta} onPage={setPage} />
    </section>
  );
}

/**
 * The instance's last sessions, newest first; every 2 s while one of them runs, and `onSettled` when the
 * last running one has ended (the page then reloads what the session changed).
 */
export function SessionsSection({
  instanceId,
  refresh,
  onSettled,
}: {
  instanceId: string;
  refresh: number;
  onSettled: () => void;
}) {
  const [running, setRunning] = useState(false);
  const sessions = useApi(
    () =>
      unwrapPage(client.GET('/sync-sessions', { params: { query: { instance_id: instanceId, limit: 10 } } })),
    [instanceId, refresh],
    running ? 2000 : undefined,
  );
  const rows = sessions.data?.data ?? [];
  useEffect(() => {
    if (!sessions.data) return;
    const now = sessions.data.data.some((s) => s.status === 'running');
    if (running && !now) onSettled();
    setRunning(now);
  }, [sessions.data]);
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Last sessions</h2>
      <ErrorBox error={sessions.error} />
      {sessions.loading && !sessions.data && <Loading />}
      {sessions.data && rows.length === 0 && (
        <Empty>No session has included this instance yet — sync its accounts or collect its capacity.</Empty>
      )}
      {rows.length > 0 && (
        <table>
          <caption class="sr-only">Sessions that included this instance, newest first</caption>
          <thead>
            <tr>
              <th>Started</th>
              <th>Category</th>
              <th>Type</th>
              <th>Status</th>
              <th>Ended</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.session_id}>
                <td>
                  <a href={`/sessions/${s.session_id}`}>
                    <Time value={s.started_at} />
                  </a>
                </td>
                <td>{s.sync_category}</td>
                <td>{s.sync_type.replace('_', ' ')}</td>
                <td>
                  <Badge value={s.status} />
                </td>
                <td>
                  <Time value={s.completed_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <a href="/sessions">All sessions</a>
      </p>
    </section>
  );
}
