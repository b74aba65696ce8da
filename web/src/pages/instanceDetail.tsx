// /instances/:id: an instance's facts and connection status, its tags, accounts, databases, sizes over
// time (the period in the URL query) and last sessions; for users who may, test the connection, start an
// account sync or a capacity collection (linking to the session), edit, delete (soft: the recycle bin)
// and restore.
import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { client, unwrap } from '../api/client';
import { useAuth } from '../auth';
import { ConfirmButton } from '../components/confirm';
import { Badge, ErrorBox, Loading, PageHeader, Time } from '../components/common';
import { ConnectionResult, type ProbeResult } from '../components/instances/connectionResult';
import { AccountsSection, DatabasesSection, SessionsSection } from '../components/instances/detailSections';
import { EditForm } from '../components/instances/editForm';
import { InstanceTags } from '../components/instances/instanceTags';
import { engineNames, statusOf, type SavedInstance } from '../components/instances/model';
import { SizesChart, isPeriod } from '../components/instances/sizesChart';
import { queryOf, useApi } from '../hooks';

interface Started {
  what: string;
  sessionId: string;
}

export default function InstanceDetailPage() {
  const { params } = useRoute();
  const { query, route, path } = useLocation();
  const id = params.id ?? '';
  const { can } = useAuth();
  const [refresh, setRefresh] = useState(0);
  const reload = () => setRefresh((n) => n + 1);
  const loaded = useApi(async () => {
    const [instance, connection] = await Promise.all([
      unwrap(client.GET('/instances/{id}', { params: { path: { id } } })),
      unwrap(client.GET('/instances/{id}/connection-status', { params: { path: { id } } })),
    ]);
    const credential = instance.credential_id
      ? await unwrap(
          client.GET('/credentials/{id}', { params: { path: { id: instance.credential_id } } }),
        ).catch(() => undefined)
      : undefined;
    return { instance, connection, credential };
  }, [id, refresh]);
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [tested, setTested] = useState<ProbeResult | undefined>(undefined);
  const [started, setStarted] = useState<Started | undefined>(undefined);
  const [notice, setNotice] = useState('');
  const period = isPeriod(query.period) ? query.period : 'daily';

  if (!loaded.data) return loaded.error ? <ErrorBox error={loaded.error} /> : <Loading />;
  const { instance, connection, credential } = loaded.data;
  const deleted = Boolean(instance.deleted_at);

  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await what();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };
  const testConnection = () =>
    act(async () => {
      const outcome = await unwrap(
        client.POST('/instances/actions/test-connection', { body: { instance_id: id } }),
      );
      setTested({ kind: 'tested', ...outcome });
      reload();
    });
  const start = (what: string, kind: 'sync-accounts' | 'sync-capacity') =>
    act(async () => {
      const opts = { params: { path: { id } } };
      const answer =
        kind === 'sync-accounts'
          ? await unwrap(client.POST('/instances/{id}/actions/sync-accounts', opts))
          : await unwrap(client.POST('/instances/{id}/actions/sync-capacity', opts));
      setStarted({ what, sessionId: answer.session_id });
      reload();
    });
  const restore = () =>
    act(async () => {
      await unwrap(client.POST('/instances/{id}/actions/restore', { params: { path: { id } } }));
      setNotice(`${instance.name} restored.`);
      reload();
    });
  const saved = (i: SavedInstance) => {
    setEditing(false);
    setNotice(`${i.name} saved.`);
    reload();
  };

  return (
    <section>
      <p>
        <a href="/instances">← Instances</a>
      </p>
      <PageHeader title={instance.name}>
        {!deleted && can('update') && (
          <>
            <button type="button" disabled={busy} onClick={testConnection}>
              Test connection
            </button>
            <button type="button" disabled={busy} onClick={() => start('Account sync', 'sync-accounts')}>
              Sync accounts
            </button>
            <button
              type="button"
              disabled={busy}
              onClick={() => start('Capacity collection', 'sync-capacity')}
            >
              Collect capacity
            </button>
            <button type="button" disabled={busy || editing} onClick={() => setEditing(true)}>
              Edit
            </button>
          </>
        )}
        {!deleted && can('delete') && (
          <ConfirmButton
            label="Delete"
            danger
            title={`Delete ${instance.name}?`}
            confirmLabel="Delete instance"
            onConfirm={() => unwrap(client.DELETE('/instances/{id}', { params: { path: { id } } }))}
            onDone={() => {
              setNotice(`${instance.name} moved to the recycle bin.`);
              reload();
            }}
          >
            <p>
              This soft-deletes the instance: it appends <code>InstanceDeleted</code> and moves it to the
              recycle bin. Syncs and collections skip it; its accounts, sizes, sessions and tags are kept.
            </p>
            <p>Restore brings it back as it was.</p>
          </ConfirmButton>
        )}
        {deleted && can('update') && (
          <button type="button" class="primary" disabled={busy} onClick={restore}>
            Restore
          </button>
        )}
      </PageHeader>
      <div role="status" aria-live="polite">
        {notice && <p class="ok-text">{notice}</p>}
        {started && (
          <p class="ok-text">
            {started.what} started. <a href={`/sessions/${started.sessionId}`}>Follow the session</a>
          </p>
        )}
      </div>
      <ConnectionResult result={tested} />
      <ErrorBox error={actionError} />
      {deleted && (
        <p class="error">
          In the recycle bin since <Time value={instance.deleted_at} />.
          {can('update') ? ' Restore brings it back.' : ''}
        </p>
      )}
      {editing && <EditForm instance={instance} onSaved={saved} onCancel={() => setEditing(false)} />}

      <div class="cards facts">
        <div class="card">
          <h2>Instance</h2>
          <dl>
            <dt>Engine</dt>
            <dd>{engineNames[instance.db_type]}</dd>
            <dt>Address</dt>
            <dd>
              <code>
                {instance.host}:{instance.port}
              </code>
            </dd>
            <dt>Database</dt>
            <dd>{instance.database_name ?? '—'}</dd>
            <dt>Version</dt>
            <dd>{instance.main_version ?? '—'}</dd>
            <dt>Status</dt>
            <dd>
              <Badge value={statusOf(instance)} />
            </dd>
            <dt>Credential</dt>
            <dd>
              {credential
                ? `${credential.name} (${credential.username})`
                : instance.credential_id
                  ? 'set'
                  : 'none'}
            </dd>
            <dt>Registered</dt>
            <dd>
              <Time value={instance.created_at} />
            </dd>
            <dt>Last sync</dt>
            <dd>
              <Time value={instance.last_synced_at} />
            </dd>
          </dl>
        </div>
        <div class="card">
          <h2>Connection</h2>
          <dl>
            <dt>Status</dt>
            <dd>
              <Badge value={connection.status} />
            </dd>
            <dt>Last checked</dt>
            <dd>
              <Time value={connection.last_checked_at} />
            </dd>
            <dt>Last connected</dt>
            <dd>
              <Time value={connection.last_connected} />
            </dd>
            <dt>Latency</dt>
            <dd>{connection.latency_ms !== null ? `${connection.latency_ms} ms` : '—'}</dd>
          </dl>
          {connection.error_code && (
            <p class="error">
              <code class="code">{connection.error_code}</code> {connection.error}
            </p>
          )}
        </div>
      </div>
      {instance.description && (
        <p class="description">
          <span class="muted">Description:</span> {instance.description}
        </p>
      )}
      <InstanceTags instanceId={id} tags={instance.tags} deleted={deleted} onChanged={reload} />
      <AccountsSection instanceId={id} refresh={refresh} />
      <DatabasesSection instanceId={id} refresh={refresh} />
      <SizesChart
        instanceId={id}
        period={period}
        onPeriod={(p) =>
          route(`${path}${queryOf({ ...query, period: p === 'daily' ? undefined : p })}`, true)
        }
      />
      <SessionsSection instanceId={id} refresh={refresh} onSettled={reload} />
    </section>
  );
}
