// /audit (administrators): the audit trail (sign-ins, refused logins, user changes), newest first, filtered
// by type, user and time range (all in the URL, so a filtered view can be shared), paged; times in the
// user's zone. Others get the API's PERMISSION_DENIED.
import { useEffect, useState } from 'preact/hooks';
import { client, unwrapPage } from '../api/client';
import type { paths } from '../api/schema';
import { Empty, ErrorBox, Field, Loading, PageHeader, Select, Time } from '../components/common';
import { Pager } from '../components/pager';
import { pageOf, useQuery } from '../components/admin/shared';
import { useApi } from '../hooks';

type AuditQuery = NonNullable<paths['/audit/events']['get']['parameters']['query']>;
type EventType = NonNullable<AuditQuery['type']>;
const eventTypes: readonly EventType[] = [
  'LoginSucceeded',
  'LoginFailed',
  'LoggedOut',
  'UserCreated',
  'UserUpdated',
  'UserRoleChanged',
  'UserPasswordChanged',
  'UserDeleted',
];

/** An ISO instant as the value of a datetime-local input (the user's zone), and back. */
const toLocalInput = (iso: string | undefined): string => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
const fromLocalInput = (value: string): string | undefined => {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
};

const detailText = (details: Record<string, unknown>) =>
  Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');

export default function AuditPage() {
  const [query, setQuery] = useQuery();
  const page = pageOf(query.page);
  const type = eventTypes.find((t) => t === query.type);
  const filter = {
    type,
    username: query.username || undefined,
    from: query.from || undefined,
    to: query.to || undefined,
  };
  const [username, setUsername] = useState(filter.username ?? '');
  const [from, setFrom] = useState(toLocalInput(filter.from));
  const [to, setTo] = useState(toLocalInput(filter.to));
  useEffect(() => {
    setUsername(filter.username ?? '');
    setFrom(toLocalInput(filter.from));
    setTo(toLocalInput(filter.to));
  }, [filter.username, filter.from, filter.to]);
  const events = useApi(
    () => unwrapPage(client.GET('/audit/events', { params: { query: { ...filter, page, limit: 25 } } })),
    [filter.type, filter.username, filter.from, filter.to, page],
  );
  const filtered = Object.values(filter).some((v) => v !== undefined);

  return (
    <section>
      <PageHeader title="Audit log" />
      <form
        class="filters"
        role="search"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ username, from: fromLocalInput(from), to: fromLocalInput(to), page: undefined });
        }}
      >
        <Select
          label="Type"
          value={type ?? ''}
          options={['', ...eventTypes]}
          onChange={(e) => setQuery({ type: e.currentTarget.value, page: undefined })}
        />
        <Field label="User" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        <Field
          label="From"
          type="datetime-local"
          value={from}
          onInput={(e) => setFrom(e.currentTarget.value)}
        />
        <Field label="To" type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        <button type="submit">Apply filters</button>
        {filtered && (
          <a class="button" href="/audit">
            Clear filters
          </a>
        )}
      </form>
      <ErrorBox error={events.error} />
      {!events.data && events.loading && <Loading />}
      {events.data && events.data.data.length === 0 && (
        <Empty>
          {filtered
            ? 'No audit event matches these filters: widen the time range or clear them.'
            : 'No audit event yet: sign-ins and changes to users are recorded here.'}
        </Empty>
      )}
      {events.data && events.data.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">User</th>
              <th scope="col">By</th>
              <th scope="col">From address</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {events.data.data.map((e) => (
              <tr key={e.event_id}>
                <td>
                  <Time value={e.occurred_at} />
                </td>
                <td>{e.type}</td>
                <td>
                  {e.username ? (
                    <a href={`/audit?username=${encodeURIComponent(e.username)}`}>{e.username}</a>
                  ) : (
                    <span class="muted">—</span>
                  )}
                </td>
                <td>
                  <code>
                    {e.actor.kind}:{e.actor.id}
                  </code>
                </td>
                <td>{e.ip ?? '—'}</td>
                <td class="details">{detailText(e.details)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager meta={events.data?.meta} onPage={(p) => setQuery({ page: String(p) })} />
    </section>
  );
}
