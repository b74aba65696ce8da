// A scheduler job's history (?job=): its runs (trigger, tick, start, end, outcome, session) and the ticks
// skipped or missed with why, newest first, filtered by kind and outcome (in the URL), paged, refreshed
// every 3 s so a run started now shows up and ends without a reload.
import { client, unwrapPage } from '../../api/client';
import { useApi } from '../../hooks';
import { Badge, Empty, ErrorBox, Loading, Select, Time } from '../common';
import { Pager } from '../pager';
import { pageOf, useQuery } from '../admin/shared';

const kinds = ['', 'run', 'skipped', 'missed'] as const;
const outcomes = ['', 'running', 'completed', 'partial', 'failed', 'cancelled'] as const;
type Kind = Exclude<(typeof kinds)[number], ''>;
type Outcome = Exclude<(typeof outcomes)[number], ''>;

export function JobRuns({ job }: { job: string }) {
  const [query, setQuery] = useQuery();
  const page = pageOf(query.page);
  const kind = (query.kind || undefined) as Kind | undefined;
  const outcome = (query.outcome || undefined) as Outcome | undefined;
  const runs = useApi(
    () =>
      unwrapPage(
        client.GET('/scheduler/jobs/{id}/runs', {
          params: { path: { id: job }, query: { page, limit: 20, kind, outcome } },
        }),
      ),
    [job, page, kind, outcome],
    3000,
  );
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">History of {job}</h2>
      <div class="filters" role="search" aria-label="Filter the history">
        <Select
          label="Kind"
          value={kind ?? ''}
          options={kinds}
          onChange={(e) => setQuery({ kind: e.currentTarget.value, page: undefined })}
        />
        <Select
          label="Outcome"
          value={outcome ?? ''}
          options={outcomes}
          onChange={(e) => setQuery({ outcome: e.currentTarget.value, page: undefined })}
        />
      </div>
      <ErrorBox error={runs.error} />
      {!runs.data && runs.loading && <Loading />}
      {runs.data && runs.data.data.length === 0 && (
        <Empty>
          {job} has not run yet{kind || outcome ? ' with these filters' : ''}: it runs at its next tick, or
          now with "Run now" (administrators).
        </Empty>
      )}
      {runs.data && runs.data.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Trigger</th>
              <th scope="col">Tick</th>
              <th scope="col">Started</th>
              <th scope="col">Ended</th>
              <th scope="col">Outcome</th>
              <th scope="col">Session</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.data.map((r) => (
              <tr key={r.id}>
                <td>{r.kind}</td>
                <td>{r.trigger ?? '—'}</td>
                <td>
                  <Time value={r.tick_at} />
                </td>
                <td>
                  <Time value={r.started_at} />
                </td>
                <td>
                  <Time value={r.ended_at} />
                </td>
                <td>{r.outcome ? <Badge value={r.outcome} /> : <span class="muted">—</span>}</td>
                <td>
                  {r.session_id ? (
                    <a href={`/sessions/${r.session_id}`}>{r.session_id.slice(0, 8)}</a>
                  ) : (
                    <span class="muted">—</span>
                  )}
                </td>
                <td>
                  {r.message_code && <code>{r.message_code}</code>} {r.message ?? ''}
                  {r.reason && <span class="muted"> {r.reason}</span>}
                  {r.attempt !== null && r.attempt > 1 && <span class="muted"> (attempt {r.attempt})</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager meta={runs.data?.meta} onPage={(p) => setQuery({ page: String(p) })} />
    </section>
  );
}
