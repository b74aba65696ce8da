// /sessions/:id: one sync session: what it is and who started it, its progress, its records (paged and
// filtered, with the operator actions each record's state allows), the error log, and the timeline (the
// replay). Live: the event stream (or a poll every 2 s) fetches the session and its records page again
// while it runs, without a reload.
import { useRef, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { client, unwrap } from '../api/client';
import { useAuth } from '../auth';
import { Badge, ErrorBox, Loading, PageHeader, Time } from '../components/common';
import { CancelSession } from '../components/sessions/actions';
import {
  categoryLabel,
  durationOf,
  progressOf,
  syncTypeLabel,
  type Session,
  type TimelineEntry,
} from '../components/sessions/model';
import { ErrorLogTable } from '../components/sessions/records';
import { SessionRecords } from '../components/sessions/recordsSection';
import { Timeline } from '../components/sessions/timeline';
import { useApi } from '../hooks';
import { useLiveSessions } from '../live';

/** While nothing runs, the poll still looks every this many ticks (someone else may retry a record). */
const IDLE_EVERY = 5;
const isOpen = (s: Session | undefined) =>
  !s || s.status === 'running' || progressOf(s).done < s.total_instances;

function Progress({ session: s }: { session: Session }) {
  const { done, total } = progressOf(s);
  return (
    <section aria-labelledby="progress-title">
      <h2 id="progress-title">Progress</h2>
      <p>
        <progress value={done} max={Math.max(total, 1)} aria-labelledby="progress-text" />{' '}
        <span id="progress-text">
          {done} of {total} record{total === 1 ? '' : 's'} ended
        </span>
      </p>
      <div class="cards">
        {(
          [
            ['Completed', s.successful_instances],
            ['Failed', s.failed_instances],
            ['Skipped', s.skipped_instances],
            ['Abandoned', s.abandoned_instances],
            ['Total', total],
          ] as const
        ).map(([label, n]) => (
          <div class="card" key={label}>
            <h3>{label}</h3>
            <div class="figure">{n}</div>
          </div>
        ))}
      </div>
    </section>
  );
}

export default function SessionDetailPage() {
  const id = useRoute().params.id ?? '';
  const { me, can } = useAuth();
  const path = { params: { path: { id } } };
  const session = useApi(() => unwrap(client.GET('/sync-sessions/{id}', path)), [id]);
  const timeline = useApi(() => unwrap(client.GET('/sync-sessions/{id}/events', path)), [id]);
  const errors = useApi(() => unwrap(client.GET('/sync-sessions/{id}/error-logs', path)), [id]);
  const s = session.data;
  const createdBy = s?.created_by;
  const startedBy = timeline.data?.find((e) => e.type === 'SessionStarted')?.actor;
  const needsName = can('admin') && startedBy?.kind === 'user' && createdBy && createdBy !== me?.id;
  const creator = useApi(
    () =>
      needsName && createdBy
        ? unwrap(client.GET('/users/{id}', { params: { path: { id: createdBy } } })).catch(() => undefined)
        : Promise.resolve(undefined),
    [needsName, createdBy],
  );

  // The records page shown is read again with each reload of the session.
  const [version, setVersion] = useState(0);
  const reloadAll = () => {
    setVersion((v) => v + 1);
    session.reload();
    timeline.reload();
    errors.reload();
  };
  const ticks = useRef(0);
  useLiveSessions((event) => {
    if (event || isOpen(s) || ++ticks.current % IDLE_EVERY === 0) reloadAll();
  }, id);

  if (!s) return session.error ? <NotLoaded error={session.error} /> : <Loading />;

  const who = (a: TimelineEntry['actor']) => {
    if (a.kind !== 'user') return `${a.kind} ${a.id}`;
    if (a.id === me?.id) return `${me.username} (you)`;
    if (a.id === creator.data?.id) return creator.data.username;
    return `user ${a.id}`;
  };
  const canAct = can('update');
  return (
    <section>
      <PageHeader title={`${categoryLabel[s.sync_category] ?? s.sync_category} sync session`}>
        {canAct && <CancelSession session={s} onDone={reloadAll} />}
      </PageHeader>
      <p role="status" class="session-status">
        Status: <Badge value={s.status} />
      </p>
      <dl class="facts">
        <dt>Session</dt>
        <dd>
          <code>{s.session_id}</code>
        </dd>
        <dt>Started</dt>
        <dd>
          <Time value={s.started_at} />
        </dd>
        <dt>Ended</dt>
        <dd>
          <Time value={s.completed_at} />
        </dd>
        <dt>Duration</dt>
        <dd>{durationOf(s.started_at, s.completed_at)}</dd>
        <dt>Started by</dt>
        <dd>
          {startedBy ? who(startedBy) : s.created_by} ({syncTypeLabel[s.sync_type] ?? s.sync_type})
        </dd>
      </dl>
      <p>
        <a href={`/sessions?category=${s.sync_category}`}>All {s.sync_category} sessions</a>
      </p>
      <Progress session={s} />
      <section aria-labelledby="records-title">
        <h2 id="records-title">Records</h2>
        <SessionRecords session={s} version={version} canAct={canAct} onChanged={reloadAll} />
      </section>
      <section aria-labelledby="errors-title">
        <h2 id="errors-title">Errors</h2>
        <ErrorBox error={errors.error} />
        {errors.data ? <ErrorLogTable logs={errors.data} /> : !errors.error && <Loading />}
      </section>
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <p class="muted">
          The session's events and those it caused on other streams, in the order they were committed.
        </p>
        <ErrorBox error={timeline.error} />
        {timeline.data ? <Timeline entries={timeline.data} who={who} /> : !timeline.error && <Loading />}
      </section>
    </section>
  );
}

function NotLoaded({ error }: { error: unknown }) {
  return (
    <section>
      <PageHeader title="Sync session" />
      <ErrorBox error={error} />
      <p>
        <a href="/sessions">Back to the sessions</a>
      </p>
    </section>
  );
}
