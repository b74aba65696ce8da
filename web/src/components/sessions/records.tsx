// A session's records (one per instance: status, attempts, duration, what it synced, its error with the
// message code, and the operator actions its state allows), and the error log of the records that failed
// or were abandoned.
import { Badge, Empty, Time } from '../common';
import { RecordActions } from './actions';
import { durationOf, type ErrorLog, type Session, type SessionRecord } from './model';

/** One page of the session's records (recordsSection.tsx pages and filters them). */
export function RecordsTable({
  session,
  records,
  filtered,
  canAct,
  onChanged,
}: {
  session: Session;
  records: readonly SessionRecord[];
  /** Whether a filter chose these records (an empty page then says so, not that the session has none). */
  filtered: boolean;
  canAct: boolean;
  onChanged: () => void;
}) {
  if (records.length === 0 && filtered)
    return <Empty>No record of this session matches these filters.</Empty>;
  if (records.length === 0 && session.total_instances > 0) return <Empty>No record on this page.</Empty>;
  if (records.length === 0)
    return (
      <Empty>
        This session has no records: it had no instance to work on.{' '}
        <a href="/instances">Check the instances</a> (inactive ones are not synced).
      </Empty>
    );
  return (
    <table>
      <caption class="sr-only">Records of the session, one per instance</caption>
      <thead>
        <tr>
          <th scope="col">Instance</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">
            Attempts
          </th>
          <th scope="col">Started</th>
          <th scope="col">Duration</th>
          <th scope="col" class="num">
            Items
          </th>
          <th scope="col">Error</th>
          {canAct && <th scope="col">Actions</th>}
        </tr>
      </thead>
      <tbody>
        {records.map((r) => (
          <tr key={r.instance_id} data-instance={r.instance_name}>
            <th scope="row">
              <a href={`/instances/${r.instance_id}`}>{r.instance_name}</a>
            </th>
            <td>
              <Badge value={r.status} />
              {r.phase && r.status !== 'completed' && <span class="muted"> in {r.phase}</span>}
            </td>
            <td class="num">{r.attempts}</td>
            <td>
              <Time value={r.started_at} />
            </td>
            <td>{durationOf(r.started_at, r.completed_at) ?? <span class="muted">—</span>}</td>
            <td class="num" title="synced (created / updated / deleted)">
              {r.items_synced}{' '}
              <span class="muted">
                ({r.items_created}/{r.items_updated}/{r.items_deleted})
              </span>
            </td>
            <td>
              {r.error_code && <code class="code">{r.error_code}</code>} {r.error_message}
            </td>
            {canAct && (
              <td>
                <RecordActions session={session} record={r} onDone={onChanged} />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ErrorLogTable({ logs }: { logs: readonly ErrorLog[] }) {
  if (logs.length === 0) return <p class="muted">No record failed or was abandoned.</p>;
  return (
    <table>
      <caption class="sr-only">Records that failed or were abandoned</caption>
      <thead>
        <tr>
          <th scope="col">Instance</th>
          <th scope="col">Status</th>
          <th scope="col">Phase</th>
          <th scope="col">Message code</th>
          <th scope="col">Message</th>
          <th scope="col" class="num">
            Attempts
          </th>
          <th scope="col">Ended</th>
        </tr>
      </thead>
      <tbody>
        {logs.map((l) => (
          <tr key={l.instance_id}>
            <th scope="row">{l.instance_name}</th>
            <td>
              <Badge value={l.status} />
            </td>
            <td>{l.phase ?? '—'}</td>
            <td>{l.error_code ? <code class="code">{l.error_code}</code> : '—'}</td>
            <td>{l.error_message}</td>
            <td class="num">{l.attempts}</td>
            <td>
              <Time value={l.completed_at} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
