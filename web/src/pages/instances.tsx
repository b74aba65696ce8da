// /instances: the monitored instances, filtered by engine, tag, status and a search (all in the URL
// query, so a filtered view can be shared), a page at a time; each row links to its detail. Users who
// may create see "Register instance" (the form in components/instances/registerForm.tsx); users who may
// update can test the connections of the selected rows at once.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { client, unwrap, unwrapPage } from '../api/client';
import { useAuth } from '../auth';
import { Badge, Empty, ErrorBox, Loading, PageHeader, Time } from '../components/common';
import { Pager } from '../components/pager';
import { InstanceFilters, type ListQuery } from '../components/instances/filters';
import { RegisterForm } from '../components/instances/registerForm';
import { TagChips } from '../components/instances/tagChips';
import { engineNames, instanceListQuery, statusOf, type SavedInstance } from '../components/instances/model';
import { queryOf, useApi } from '../hooks';

type BatchResult = { connected: number; failed: number; failures: { name: string; code: string }[] };

export default function InstancesPage() {
  const { query, route } = useLocation();
  const { can } = useAuth();
  const filters: ListQuery = {
    db_type: query.db_type,
    tag: query.tag,
    status: query.status,
    search: query.search,
  };
  const page = Math.max(1, Number(query.page) || 1);
  const go = (next: ListQuery & { page?: string }) => route(`/instances${queryOf({ ...next })}`);

  const [registering, setRegistering] = useState(false);
  const [registered, setRegistered] = useState<SavedInstance | undefined>(undefined);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [batch, setBatch] = useState<BatchResult | undefined>(undefined);
  const [batchError, setBatchError] = useState<unknown>(undefined);
  const [testing, setTesting] = useState(false);

  const list = useApi(
    () =>
      unwrapPage(
        client.GET('/instances', {
          params: {
            query: instanceListQuery(filters, filters.status, page),
          },
        }),
      ),
    [page, filters.db_type, filters.tag, filters.search, filters.status],
  );
  const filtered = Object.values(filters).some(Boolean);
  const rows = list.data?.data ?? [];

  const toggle = (id: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  const testSelected = async () => {
    setTesting(true);
    setBatchError(undefined);
    try {
      const answer = await unwrap(
        client.POST('/instances/actions/batch-test-connections', {
          body: { instance_ids: [...selected] },
        }),
      );
      const names = new Map(rows.map((r) => [r.id, r.name]));
      setBatch({
        connected: answer.connected,
        failed: answer.failed,
        failures: answer.results
          .filter((r) => !r.ok)
          .map((r) => ({ name: names.get(r.instance_id) ?? r.instance_id, code: r.error_code ?? 'FAILED' })),
      });
      list.reload();
    } catch (err) {
      setBatchError(err);
    } finally {
      setTesting(false);
    }
  };

  const registerButton = can('create') && !registering && (
    <button type="button" class="primary" onClick={() => setRegistering(true)}>
      Register instance
    </button>
  );

  return (
    <section>
      <PageHeader title="Instances">{registerButton}</PageHeader>
      {registering && (
        <RegisterForm
          onCancel={() => setRegistering(false)}
          onRegistered={(instance) => {
            setRegistering(false);
            setRegistered(instance);
            list.reload();
          }}
        />
      )}
      <div role="status" aria-live="polite">
        {registered && (
          <p class="ok-text">
            Registered <a href={`/instances/${registered.id}`}>{registered.name}</a>. Test its connection and
            sync its accounts from its page.
          </p>
        )}
      </div>
      <InstanceFilters value={filters} onChange={(next) => go(next)} />
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && rows.length === 0 && !filtered && (
        <Empty>
          <p>No instances yet — register one to sync its accounts and collect its sizes.</p>
          {registerButton || (!can('create') && <p>Ask an administrator or user to register one.</p>)}
        </Empty>
      )}
      {list.data && rows.length === 0 && filtered && (
        <Empty>
          <p>
            No instance matches these filters. <a href="/instances">Clear the filters</a>.
          </p>
        </Empty>
      )}
      {rows.length > 0 && (
        <>
          {can('update') && (
            <div class="actions">
              <button type="button" disabled={selected.size === 0 || testing} onClick={testSelected}>
                {testing ? 'Testing…' : `Test connections of selected (${selected.size})`}
              </button>
            </div>
          )}
          <div role="status" aria-live="polite">
            {batch && (
              <p>
                {batch.connected} connected, {batch.failed} failed
                {batch.failures.length > 0 &&
                  `: ${batch.failures.map((f) => `${f.name} (${f.code})`).join(', ')}`}
              </p>
            )}
          </div>
          <ErrorBox error={batchError} />
          <table>
            <caption class="sr-only">Instances</caption>
            <thead>
              <tr>
                {can('update') && (
                  <th>
                    <span class="sr-only">Select</span>
                  </th>
                )}
                <th>Name</th>
                <th>Engine</th>
                <th>Host:port</th>
                <th>Status</th>
                <th>Connection</th>
                <th>Tags</th>
                <th>Last sync</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  {can('update') && (
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${r.name}`}
                        checked={selected.has(r.id)}
                        disabled={Boolean(r.deleted_at)}
                        onChange={(e) => toggle(r.id, e.currentTarget.checked)}
                      />
                    </td>
                  )}
                  <td>
                    <a href={`/instances/${r.id}`}>{r.name}</a>
                  </td>
                  <td>{engineNames[r.db_type]}</td>
                  <td>
                    <code>
                      {r.host}:{r.port}
                    </code>
                  </td>
                  <td>
                    <Badge value={statusOf(r)} />
                  </td>
                  <td>
                    <Badge value={r.connection_status} />
                  </td>
                  <td>
                    <TagChips tags={r.tags} />
                  </td>
                  <td>
                    <Time value={r.last_synced_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <Pager meta={list.data?.meta} onPage={(p) => go({ ...filters, page: String(p) })} />
    </section>
  );
}
