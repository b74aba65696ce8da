// /sessions: the sync sessions, newest first, filtered by category, status, how they started, instance
// and start time (all in the URL, so a filtered view can be shared), paged. Live: running sessions update
// without a reload (the event stream, or a poll every 2 s). "Start sync" starts an account sync or a
// capacity collection and opens the new session.
import { useLocation } from 'preact-iso';
import { client, unwrapPage } from '../api/client';
import { useAuth } from '../auth';
import { Badge, Empty, ErrorBox, Field, Loading, PageHeader, Select, Time } from '../components/common';
import { Pager } from '../components/pager';
import {
  categories,
  categoryLabel,
  durationOf,
  progressOf,
  statuses,
  syncTypeLabel,
  syncTypes,
  type SessionQuery,
} from '../components/sessions/model';
import { StartSync } from '../components/sessions/startSync';
import { queryOf, useApi } from '../hooks';
import { useLiveSessions, useThrottled } from '../live';

const filterKeys = ['category', 'status', 'type', 'instance', 'from', 'to'] as const;
const PAGE_SIZE = 20;

/** An ISO instant as a datetime-local value in the user's zone, and back. */
const toLocalInput = (iso: string | undefined) => {
  const d = iso ? new Date(iso) : undefined;
  if (!d || Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (v: string) => (v ? new Date(v).toISOString() : undefined);

function oneOf<T extends string>(values: readonly T[], v: string | undefined): T | undefined {
  return values.find((x) => x === v);
}

export default function SessionsPage() {
  const { path, query, route } = useLocation();
  const { can } = useAuth();
  const page = Math.max(1, Number(query.page) || 1);
  const apiQuery: SessionQuery = {
    page,
    limit: PAGE_SIZE,
    category: oneOf(categories, query.category),
    status: oneOf(statuses, query.status),
    type: oneOf(syncTypes, query.type),
    instance_id: query.instance || undefined,
    from: query.from || undefined,
    to: query.to || undefined,
  };
  const key = JSON.stringify(apiQuery);
  const list = useApi(() => unwrapPage(client.GET('/sync-sessions', { params: { query: apiQuery } })), [key]);
  const instances = useApi(
    () => unwrapPage(client.GET('/instances', { params: { query: { limit: 100 } } })),
    [],
  );

  const reload = useThrottled(list.reload);
  useLiveSessions((event) => {
    const shown = list.data?.data ?? [];
    // A new session shows on the first page; otherwise only the sessions shown can change.
    if (page === 1 || shown.some((s) => s.status === 'running' || s.session_id === event?.session_id))
      reload();
  });

  const set = (changes: Record<string, string | undefined>) =>
    route(`${path}${queryOf({ ...query, ...changes, page: undefined })}`, true);
  const filtered = filterKeys.some((k) => query[k]);
  const sessions = list.data?.data;
  const instanceOptions = [
    { value: '', label: 'any' },
    ...(instances.data?.data ?? []).map((i) => ({ value: i.id, label: i.name })),
  ];
  if (query.instance && !instanceOptions.some((o) => o.value === query.instance))
    instanceOptions.push({ value: query.instance, label: query.instance });

  return (
    <section>
      <PageHeader title="Sync sessions">
        {can('update') && <StartSync onStarted={(id) => route(`/sessions/${id}`)} />}
      </PageHeader>
      <div class="filters" role="search" aria-label="Filter sessions">
        <Select
          label="Category"
          value={query.category ?? ''}
          options={[
            { value: '', label: 'any' },
            ...categories.map((c) => ({ value: c, label: categoryLabel[c]! })),
          ]}
          onChange={(e) => set({ category: e.currentTarget.value })}
        />
        <Select
          label="Status"
          value={query.status ?? ''}
          options={['', ...statuses]}
          onChange={(e) => set({ status: e.currentTarget.value })}
        />
        <Select
          label="Started how"
          value={query.type ?? ''}
          options={[
            { value: '', label: 'any' },
            ...syncTypes.map((t) => ({ value: t, label: syncTypeLabel[t]! })),
          ]}
          onChange={(e) => set({ type: e.currentTarget.value })}
        />
        <Select
          label="Instance"
          value={query.instance ?? ''}
          options={instanceOptions}
          onChange={(e) => set({ instance: e.currentTarget.value })}
        />
        <Field
          label="Started from"
          type="datetime-local"
          value={toLocalInput(query.from)}
          onChange={(e) => set({ from: fromLocalInput(e.currentTarget.value) })}
        />
        <Field
          label="Started before"
          type="datetime-local"
          value={toLocalInput(query.to)}
          onChange={(e) => set({ to: fromLocalInput(e.currentTarget.value) })}
        />
        {filtered && (
          <a class="button" href="/sessions">
            Clear filters
          </a>
        )}
      </div>
      <ErrorBox error={list.error} />
      {!sessions ? (
        !list.error && <Loading />
      ) : sessions.length === 0 ? (
        <Empty>
          {filtered ? (
            <>
              No session matches these filters. <a href="/sessions">Show every session</a>.
            </>
          ) : can('update') ? (
            <>
              No sync sessions yet: start one with <strong>Start sync</strong> above (it needs an instance:{' '}
              <a href="/instances">register one</a> first).
            </>
          ) : (
            <>
              No sync sessions yet. They appear here once an operator syncs an instance (
              <a href="/instances">see the instances</a>).
            </>
          )}
        </Empty>
      ) : (
        <table>
          <caption class="sr-only">Sync sessions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Status</th>
              <th scope="col">Started how</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col" class="num">
                Records ended
              </th>
              <th scope="col" class="num">
                Failed
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => {
              const { done, total } = progressOf(s);
              return (
                <tr key={s.session_id} data-session={s.session_id}>
                  <th scope="row">
                    <a href={`/sessions/${s.session_id}`}>
                      {categoryLabel[s.sync_category] ?? s.sync_category} {s.session_id.slice(0, 8)}
                    </a>
                  </th>
                  <td>
                    <Badge value={s.status} />
                  </td>
                  <td>{syncTypeLabel[s.sync_type] ?? s.sync_type}</td>
                  <td>
                    <Time value={s.started_at} />
                  </td>
                  <td>{durationOf(s.started_at, s.completed_at)}</td>
                  <td class="num">
                    {done} / {total}
                  </td>
                  <td class="num">{s.failed_instances + s.abandoned_instances}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager
        meta={list.data?.meta}
        onPage={(p) => route(`${path}${queryOf({ ...query, page: String(p) })}`)}
      />
    </section>
  );
}
