// /scheduler: the built-in jobs (schedule, enabled or paused, next run, last run and its outcome), the
// administrator's run now / pause / resume, a job's history (?job=), and the dead letters (runs that failed
// every attempt). When this process runs without a scheduler (WHALEFALL_SCHEDULER=off) the page says so
// and how to turn it on (GET /dashboard/status tells; what needs a scheduler is then not asked for).
import { useState } from 'preact/hooks';
import { client, unwrap } from '../api/client';
import { useAuth } from '../auth';
import { Badge, Empty, ErrorBox, Loading, PageHeader, Time } from '../components/common';
import { useQuery } from '../components/admin/shared';
import { JobActions } from '../components/scheduler/jobActions';
import { JobRuns } from '../components/scheduler/jobRuns';
import { useApi } from '../hooks';

function SchedulerOff() {
  return (
    <div class="notice" role="note" aria-labelledby="scheduler-off-title">
      <h2 id="scheduler-off-title">The scheduler is off in this process</h2>
      <p>
        This server was started with <code>WHALEFALL_SCHEDULER=off</code>: no job runs on its schedule here,
        and "run now" and the dead letters are unavailable. Schedule changes, pauses and resumes are recorded
        and applied when a scheduler starts.
      </p>
      <p>
        To turn it on, start <code>whalefall serve</code> (or a worker) with{' '}
        <code>WHALEFALL_SCHEDULER=on</code> (the default) against this database.
      </p>
    </div>
  );
}

export default function SchedulerPage() {
  const { can } = useAuth();
  const [query, setQuery] = useQuery();
  const [status, setStatus] = useState<{ text: string; session?: string } | undefined>(undefined);
  const jobs = useApi(() => unwrap(client.GET('/scheduler/jobs')), [], 5000);
  const enabled = useApi(async () => (await unwrap(client.GET('/dashboard/status'))).scheduler.enabled, []);
  const dead = useApi(
    async () =>
      enabled.data
        ? unwrap(client.GET('/scheduler/dead-letters', { params: { query: { limit: 20 } } }))
        : undefined,
    [enabled.data],
  );
  const off = enabled.data === false;
  const on = enabled.data === true && dead.data !== undefined;

  return (
    <section>
      <PageHeader title="Scheduler" />
      {off && <SchedulerOff />}
      <p class="status" role="status" aria-live="polite">
        {status?.text}
        {status?.session && (
          <>
            {' '}
            <a href={`/sessions/${status.session}`}>Open its session</a>
          </>
        )}
      </p>
      <ErrorBox error={jobs.error} />
      {!jobs.data && jobs.loading && <Loading />}
      {jobs.data && (
        <table>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Schedule</th>
              <th scope="col">State</th>
              <th scope="col">Next run</th>
              <th scope="col">Last run</th>
              {can('admin') && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {jobs.data.map((j) => (
              <tr key={j.id}>
                <td>
                  <a href={`/scheduler?job=${j.id}`} aria-current={query.job === j.id ? 'true' : undefined}>
                    {j.name}
                  </a>
                  <div class="muted">{j.description}</div>
                </td>
                <td>
                  <code>{j.cron}</code> <span class="muted">{j.timezone}</span>
                  {j.cron !== j.default_cron && <div class="muted">default {j.default_cron}</div>}
                </td>
                <td>
                  <Badge value={j.paused ? 'paused' : 'enabled'} />
                </td>
                <td>
                  <Time value={j.next_run} />
                </td>
                <td>
                  {j.last_run ? (
                    <>
                      <Badge value={j.last_run.outcome} /> <Time value={j.last_run.started_at} />{' '}
                      <span class="muted">({j.last_run.trigger})</span>
                    </>
                  ) : (
                    <span class="muted">never</span>
                  )}
                </td>
                {can('admin') && (
                  <td>
                    <JobActions
                      job={j}
                      schedulerOn={on}
                      onStarted={(id, started) => {
                        setStatus({
                          text: `${id} started (run ${started.run_id.slice(0, 8)}).`,
                          session: started.session_id ?? undefined,
                        });
                        setQuery({ job: id, page: undefined, kind: undefined, outcome: undefined });
                        jobs.reload();
                      }}
                      onChanged={(text) => {
                        setStatus({ text });
                        jobs.reload();
                      }}
                    />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {query.job ? (
        <JobRuns key={query.job} job={query.job} />
      ) : (
        <p class="muted">Choose a job to see its history.</p>
      )}
      <h2>Dead letters</h2>
      {off ? (
        <p class="muted">Dead letters are kept by the scheduler: turn it on to see them.</p>
      ) : (
        <>
          <ErrorBox error={dead.error} />
          {dead.data && dead.data.length === 0 && (
            <Empty>No dead letters: no run has failed every attempt of its retry policy.</Empty>
          )}
          {dead.data && dead.data.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Tick</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {dead.data.map((d) => (
                  <tr key={d.id}>
                    <td>
                      <a href={`/scheduler?job=${d.job_id}`}>{d.job_id}</a>
                    </td>
                    <td>
                      <Time value={d.tick_at} />
                    </td>
                    <td>
                      <Time value={d.failed_at} />
                    </td>
                    <td>{d.error ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
