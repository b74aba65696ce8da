// The overview (/): the fleet at a glance. Instances by engine and status, the last 24 h of sessions by
// outcome, accounts with SUPERUSER / GRANT_ADMIN / LOCKED, total size and its 30-day growth, projection
// lag, the next scheduled runs, the sessions needing attention (each linked), and the series over the last
// two weeks. It refreshes every 15 s while visible.
import { Fragment } from 'preact';
import { client, unwrap } from '../api/client';
import type { paths } from '../api/schema';
import { Empty, ErrorBox, Loading, PageHeader, Time, formatBytes } from '../components/common';
import { OverviewCharts } from '../components/overview/charts';
import { useApi } from '../hooks';
import { useAuth } from '../auth';

type Overview = paths['/dashboard/overview']['get']['responses'][200]['content']['application/json']['data'];

const MB = 1024 * 1024;

function Counts({ counts, link }: { counts: Record<string, number>; link?: (key: string) => string }) {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (entries.length === 0) return <p class="muted">none</p>;
  return (
    <dl>
      {entries.map(([k, n]) => (
        <Fragment key={k}>
          <dt>{link ? <a href={link(k)}>{k}</a> : k}</dt>
          <dd>{n}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

function Cards({ o }: { o: Overview }) {
  const growth = o.capacity.growth;
  const worstLag = Math.max(0, ...o.projections.map((p) => p.lag_events ?? 0));
  return (
    <div class="cards">
      <section class="card" aria-labelledby="c-instances">
        <h2 id="c-instances">Instances</h2>
        <p class="figure">
          <a href="/instances">{o.instances.total}</a>
        </p>
        <Counts counts={o.instances.by_db_type} link={(t) => `/instances?db_type=${t}`} />
        <p class="muted">
          {o.instances.active} active, {o.instances.inactive} inactive, {o.instances.deleted} deleted
        </p>
      </section>
      <section class="card" aria-labelledby="c-sessions">
        <h2 id="c-sessions">Sessions, last 24 h</h2>
        <p class="figure">
          <a href="/sessions">{o.sessions_24h.total}</a>
        </p>
        <Counts counts={o.sessions_24h.by_status} link={(s) => `/sessions?status=${s}`} />
      </section>
      <section class="card" aria-labelledby="c-accounts">
        <h2 id="c-accounts">Accounts</h2>
        <p class="figure">
          <a href="/accounts">{o.accounts.active}</a>
        </p>
        <dl>
          <dt>
            <a href="/accounts?capability=SUPERUSER">SUPERUSER</a>
          </dt>
          <dd>{o.accounts.superuser}</dd>
          <dt>
            <a href="/accounts?capability=GRANT_ADMIN">GRANT_ADMIN</a>
          </dt>
          <dd>{o.accounts.grant_admin}</dd>
          <dt>
            <a href="/accounts?locked=true">locked</a>
          </dt>
          <dd>{o.accounts.locked}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="c-capacity">
        <h2 id="c-capacity">Total size</h2>
        <p class="figure">
          <a href="/capacity">{formatBytes(o.capacity.total_size_mb * MB)}</a>
        </p>
        <p>
          {growth.change_mb >= 0 ? '+' : ''}
          {formatBytes(growth.change_mb * MB)}
          {growth.change_percent !== null && ` (${growth.change_percent.toFixed(1)} %)`} in {growth.days} days
        </p>
        <p class="muted">
          {o.capacity.instances} instance(s) collected
          {o.capacity.latest_collected_date && `, latest ${o.capacity.latest_collected_date}`}
        </p>
      </section>
      <section class="card" aria-labelledby="c-lag">
        <h2 id="c-lag">Projection lag</h2>
        <p class="figure">{worstLag} events</p>
        <dl>
          {o.projections.map((p) => (
            <Fragment key={p.name}>
              <dt>{p.name}</dt>
              <dd title={p.last_error ?? undefined}>
                {p.last_error ? 'failing' : p.lag_events === null ? 'unknown' : p.lag_events}
              </dd>
            </Fragment>
          ))}
        </dl>
      </section>
      <section class="card" aria-labelledby="c-runs">
        <h2 id="c-runs">Next runs</h2>
        {o.next_runs.length === 0 ? (
          <p class="muted">
            No job scheduled. <a href="/scheduler">Scheduler</a>
          </p>
        ) : (
          <ul class="plain">
            {o.next_runs.slice(0, 6).map((r) => (
              <li key={r.job_id}>
                <a href={`/scheduler?job=${r.job_id}`} title={r.description}>
                  {r.job_id}
                </a>{' '}
                <Time value={r.next_run} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function Attention({ o }: { o: Overview }) {
  if (o.attention.length === 0) return <p class="muted">No failed or partial session in the last 7 days.</p>;
  return (
    <table>
      <caption class="sr-only">Sessions needing attention</caption>
      <thead>
        <tr>
          <th>Session</th>
          <th>Status</th>
          <th>Started</th>
          <th class="num">Failed records</th>
          <th>First error</th>
        </tr>
      </thead>
      <tbody>
        {o.attention.map((a) => (
          <tr key={a.session_id}>
            <td>
              <a href={`/sessions/${a.session_id}`}>
                {a.sync_category} {a.sync_type}
              </a>
            </td>
            <td>
              <span class={`badge ${a.status === 'failed' ? 'bad' : 'warn'}`}>{a.status}</span>
            </td>
            <td>
              <Time value={a.started_at} />
            </td>
            <td class="num">{a.failed_records}</td>
            <td>
              {a.first_error ? (
                <>
                  {a.first_error.instance_name ?? a.first_error.instance_id}:{' '}
                  {a.first_error.error_code && <code>{a.first_error.error_code}</code>}{' '}
                  {a.first_error.error_message}
                </>
              ) : (
                <span class="muted">—</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function OverviewPage() {
  const { can } = useAuth();
  const overview = useApi(() => unwrap(client.GET('/dashboard/overview')), [], 15_000);
  const o = overview.data;
  return (
    <section>
      <PageHeader title="Overview">
        {o && (
          <span class="muted">
            updated <Time value={o.generated_at} />
          </span>
        )}
      </PageHeader>
      <ErrorBox error={overview.error} />
      {!o ? (
        !overview.error && <Loading />
      ) : (
        <>
          {o.instances.total === 0 && (
            <Empty>
              No instances yet.{' '}
              {can('create') ? (
                <a href="/instances?register=1">Register one</a>
              ) : (
                'Ask an operator to register one'
              )}{' '}
              and sync it: its accounts, sessions and sizes appear here.
            </Empty>
          )}
          <Cards o={o} />
          <h2>Needs attention</h2>
          <Attention o={o} />
          <OverviewCharts />
        </>
      )}
    </section>
  );
}
